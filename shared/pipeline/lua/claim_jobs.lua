-- CLAIM_JOBS: the arq worker's job pick-up in one round trip.  Same keys and semantics as arq's
-- start_jobs (skip jobs in progress elsewhere or not yet due; mark the claimed ones in progress
-- with the worker's TTL), done server-side instead of ~4 round trips per queue entry.
-- A claimed job is also re-scored to now + TTL (when its in-progress mark would expire), so jobs
-- in progress never pile up at the head of the queue: however many replicas run, the first
-- `read limit` due entries are jobs nobody has yet (arq keeps them in place, so above ~20 equal
-- replicas its read limit saw nothing but jobs in progress and starved new ones).  A job that
-- ends is removed (done) or re-scored by RESCHEDULE (retry / cancelled); one whose worker died
-- becomes due exactly when its in-progress mark expires, as with arq.
-- KEYS 1 queue   ARGV 1 now ms ('' = server TIME)  2 read limit  3 free slots  4 in-progress TTL ms
-- Reply: flat list id, score, id, score ... (the scores the jobs had when claimed)
local now = ARGV[1]
if now == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
else
  now = tonumber(now)
end
local free, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
local out = {}
if free < 1 then return out end
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #ids, 2 do
  local ip = 'arq:in-progress:' .. ids[i]
  if redis.call('EXISTS', ip) == 0 then
    redis.call('SET', ip, '1', 'PX', ttl)
    redis.call('ZADD', KEYS[1], 'XX', now + ttl, ids[i])
    out[#out + 1] = ids[i]
    out[#out + 1] = ids[i + 1]
    if #out >= 2 * free then break end
  end
end
return out
