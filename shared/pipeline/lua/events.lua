-- EVENTS: a batch of service events, deduplicated by event_id and appended to their event lanes,
-- all or nothing (contracts.md §10: durable before 202, a redelivery is a duplicate).
-- KEYS: 1-4 the first event's lane (the prelude's names; reassigned per event below), 5 active
--       6 dlq 7 queue 8 wake 9 sequence; then per event i (0-based) from 10 + 5i:
--       q p s seen dedup-key
-- ARGV: 7 max pending per lane  8 dedup ttl ms  9 n; then per event from 10 + 2i: lane, payload
-- Reply: {'OK', accepted, duplicates} or {'FULL', 0, 0} (nothing written)
local max_pending, dedup_ttl, n = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local SEQ = KEYS[9]

-- First pass: duplicates (also within the batch) and lane capacity; nothing is written yet.
local fresh, adding, batch_ids, dups = {}, {}, {}, 0
for i = 0, n - 1 do
  local b = 10 + 5 * i
  local dk = KEYS[b + 4]
  if batch_ids[dk] or redis.call('EXISTS', dk) == 1 then
    dups = dups + 1
  else
    batch_ids[dk] = true
    local q = KEYS[b]
    adding[q] = (adding[q] or 0) + 1
    if redis.call('ZCARD', q) + adding[q] > max_pending then return {'FULL', 0, 0} end
    fresh[#fresh + 1] = i
  end
end

for _, i in ipairs(fresh) do
  local b = 10 + 5 * i
  Q, P, S, SEEN = KEYS[b], KEYS[b + 1], KEYS[b + 2], KEYS[b + 3]
  CK = ARGV[10 + 2 * i]
  local uid = redis.call('INCR', SEQ)
  redis.call('SET', KEYS[b + 4], uid, 'PX', dedup_ttl)
  redis.call('ZREMRANGEBYSCORE', SEEN, '-inf', '(' .. int(NOW - STATE_TTL))
  redis.call('ZADD', SEEN, NOW, uid)
  redis.call('PEXPIRE', SEEN, STATE_TTL)
  -- An event lane holds only events, numbered in arrival order: the id is the order.
  redis.call('ZADD', Q, uid, uid)
  redis.call('HSET', P, uid, ARGV[11 + 2 * i])
  if not redis.call('HGET', S, 'epoch') then activate() end
end
return {'OK', #fresh, dups}
