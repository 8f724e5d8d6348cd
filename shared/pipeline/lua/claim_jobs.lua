-- CLAIM_JOBS: the arq worker's job pick-up in one round trip.  Same keys and semantics as arq's
-- start_jobs (skip jobs in progress elsewhere or not yet due; mark the claimed ones in progress
-- with the worker's TTL), done server-side instead of ~4 round trips per queue entry.
-- A claimed job is also re-scored to now + TTL (when its in-progress mark would expire), so jobs
-- in progress never pile up at the head of the queue: however many replicas run, the first
-- `read limit` due entries are jobs nobody has yet (arq keeps them in place, so above ~20 equal
-- replicas its read limit saw nothing but jobs in progress and starved new ones).  A job that
-- ends is removed (done) or re-scored by RESCHEDULE (retry / cancelled); one whose worker died
-- becomes due exactly when its in-progress mark expires, as with arq.
-- A claimed activation job (id starting with ARGV 5) is also started here, as START_JOB does
-- (arq's run_job start: GET the job, INCR + EXPIRE its try counter): one round trip less per
-- activation.  Other jobs are started by arq's own run_job.
-- KEYS 1 queue   ARGV 1 now ms ('' = server TIME)  2 read limit  3 free slots  4 in-progress TTL ms
--                     5 activation job id prefix ('' or absent: none)  6 try counter TTL s
-- Reply: flat list id, score, body, try, id, score, body, try ... (the scores the jobs had when
-- claimed; body and try of a job started here: body nil when the job key is gone (expired); try
-- 0 for a job not started here)
local now = ARGV[1]
if now == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
else
  now = tonumber(now)
end
local free, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
local prefix = ARGV[5] or ''
local out = {}
if free < 1 then return out end
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #ids, 2 do
  local id = ids[i]
  local ip = 'arq:in-progress:' .. id
  if redis.call('EXISTS', ip) == 0 then
    redis.call('SET', ip, '1', 'PX', ttl)
    redis.call('ZADD', KEYS[1], 'XX', now + ttl, id)
    local body, try = false, 0
    if prefix ~= '' and string.sub(id, 1, #prefix) == prefix then
      body = redis.call('GET', 'arq:job:' .. id)
      try = redis.call('INCR', 'arq:retry:' .. id)
      redis.call('EXPIRE', 'arq:retry:' .. id, tonumber(ARGV[6]))
    end
    out[#out + 1] = id
    out[#out + 1] = ids[i + 1]
    out[#out + 1] = body
    out[#out + 1] = try
    if #out >= 4 * free then break end
  end
end
return out
