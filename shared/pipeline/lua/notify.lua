-- NOTIFY: append one notification to a chat's lane, behind everything pending there (so it never
-- overtakes a reply in flight), at most once per key (event id + recipient) within the dedup
-- window; start an activation if the chat is idle.
-- KEYS 9 sequence.  ARGV 7 key  8 payload  9 max pending per chat
-- Reply: {status, epoch, uid, behind}  status QUEUED | SCHEDULED | DUPLICATE | FULL; behind is
-- the item it was placed right after ('' when the inbox was empty)
local member, payload, max_pending = 'n:' .. ARGV[7], ARGV[8], tonumber(ARGV[9])

redis.call('ZREMRANGEBYSCORE', SEEN, '-inf', '(' .. int(NOW - STATE_TTL))
if redis.call('ZSCORE', SEEN, member) then
  return {'DUPLICATE', redis.call('HGET', S, 'epoch') or '', 0, ''}
end
if redis.call('ZCARD', Q) >= max_pending then return {'FULL', '', 0, ''} end

-- Negative ids never meet Telegram's update ids in the same inbox.
local uid = -redis.call('INCR', KEYS[9])
local score, behind = 0, ''
local tail = redis.call('ZRANGE', Q, -1, -1, 'WITHSCORES')
if tail[2] then
  behind = tail[1]
  local t = tonumber(tail[2])
  score = t + 0.0001
  if score <= t then score = t + 1 end
end
redis.call('ZADD', SEEN, NOW, member)
redis.call('ZADD', SEEN, NOW, uid)
redis.call('PEXPIRE', SEEN, STATE_TTL)
redis.call('ZADD', Q, score, uid)
redis.call('HSET', P, uid, payload)
local e = redis.call('HGET', S, 'epoch')
if not e then return {'SCHEDULED', activate(), uid, behind} end
return {'QUEUED', e, uid, behind}
