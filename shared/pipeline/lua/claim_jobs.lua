-- CLAIM_JOBS: the arq worker's job pick-up in one round trip.  Same keys and semantics as arq's
-- start_jobs (skip jobs in progress elsewhere or not yet due; mark the claimed ones in progress
-- with the worker's TTL), done server-side instead of ~4 round trips per queue entry.
-- KEYS 1 queue   ARGV 1 now ms ('' = server TIME)  2 read limit  3 free slots  4 in-progress TTL ms
-- Reply: flat list id, score, id, score ...
local now = ARGV[1]
if now == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local free, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
local out = {}
if free < 1 then return out end
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #ids, 2 do
  local ip = 'arq:in-progress:' .. ids[i]
  if redis.call('EXISTS', ip) == 0 then
    redis.call('SET', ip, '1', 'PX', ttl)
    out[#out + 1] = ids[i]
    out[#out + 1] = ids[i + 1]
    if #out >= 2 * free then break end
  end
end
return out
