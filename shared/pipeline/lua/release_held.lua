-- RELEASE_HELD: move a chat's held notifications (quiet hours, folding) into its lane as one
-- folded notification, atomically: each held notice leaves the hold in the same step that puts
-- it into the lane, so none is lost or released twice.
-- KEYS 9 sequence  10 held hash (key -> notice JSON)  11 due zset (chat -> due ms)
-- ARGV 7 the chat's member in the due zset  8 max pending per chat
-- Reply: {status, epoch, count}  status QUEUED | SCHEDULED | EMPTY | FULL
local HELD, DUE, member, max_pending = KEYS[10], KEYS[11], ARGV[7], tonumber(ARGV[8])
local items = redis.call('HVALS', HELD)
if #items == 0 then
  redis.call('ZREM', DUE, member)
  return {'EMPTY', '', 0}
end
if redis.call('ZCARD', Q) >= max_pending then return {'FULL', '', 0} end
local uid = -redis.call('INCR', KEYS[9])
local payload = '{"notification":1,"kind":"folded","key":"folded:' .. (-uid) ..
  '","items":[' .. table.concat(items, ',') .. ']}'
local score = 0
local tail = redis.call('ZRANGE', Q, -1, -1, 'WITHSCORES')
if tail[2] then
  local t = tonumber(tail[2])
  score = t + 0.0001
  if score <= t then score = t + 1 end
end
redis.call('ZADD', SEEN, NOW, uid)
redis.call('PEXPIRE', SEEN, STATE_TTL)
redis.call('ZADD', Q, score, uid)
redis.call('HSET', P, uid, payload)
redis.call('DEL', HELD)
redis.call('ZREM', DUE, member)
local e = redis.call('HGET', S, 'epoch')
if not e then return {'SCHEDULED', activate(), #items} end
return {'QUEUED', e, #items}
