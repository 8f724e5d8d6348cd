-- INGEST: dedup, append to the chat's inbox, and start an activation if nobody is responsible.
-- One atomic step, so a wakeup can never be lost against the drainer's "empty => release".
-- ARGV 7 update_id  8 raw payload  9 max pending per chat  10 mode: 'ingest' | 'requeue'
--      11 DLQ entry id (requeue: removed in the same step)
--      12 byte budget of pending payloads, all chats (0 = none)
-- Reply: {status, epoch, late}  status QUEUED | SCHEDULED | DUPLICATE | FULL | OVER | PRESENT | GONE
-- Loaded with a '#!lua' shebang (scripts.py): at Redis maxmemory the whole call is refused (OOM),
-- nothing written, and the receiver answers 503 so Telegram delivers again.
local uid, payload, max_pending, mode = ARGV[7], ARGV[8], tonumber(ARGV[9]), ARGV[10]
local score = tonumber(uid)

-- A score just behind `s` (for ids near 2^53 the fraction is below a double's resolution).
local function after(s, step)
  if s + step > s then return s + step end
  return s + 1
end

if mode == 'requeue' then
  -- The entry itself is the claim: whoever removes it requeues, anyone after that finds it gone
  -- (two operators requeueing the same dead letter run the update once, even if the first
  -- requeue was already handled and left the inbox by the time the second arrives).
  if #redis.call('XRANGE', DLQ, ARGV[11], ARGV[11]) == 0 then return {'GONE', '', 0} end
  -- Back at the tail, behind everything pending; never in front of the head in flight.
  if redis.call('ZSCORE', Q, uid) then return {'PRESENT', redis.call('HGET', S, 'epoch') or '', 0} end
  local tail = redis.call('ZRANGE', Q, -1, -1, 'WITHSCORES')
  if tail[2] then score = after(tonumber(tail[2]), 0.001) end
  redis.call('XDEL', DLQ, ARGV[11])
else
  redis.call('ZREMRANGEBYSCORE', SEEN, '-inf', '(' .. int(NOW - STATE_TTL))
  if redis.call('ZSCORE', SEEN, uid) then
    return {'DUPLICATE', redis.call('HGET', S, 'epoch') or '', 0}
  end
  if redis.call('ZCARD', Q) >= max_pending then return {'FULL', '', 0} end
  local budget = tonumber(ARGV[12]) or 0
  if budget > 0 and (tonumber(redis.call('GET', BYTES)) or 0) + #payload > budget then
    return {'OVER', '', 0}
  end
  redis.call('ZADD', SEEN, NOW, uid)
  redis.call('PEXPIRE', SEEN, STATE_TTL)
end

-- A late arrival (Telegram delivered it after a successor was handled or started) runs next, but
-- never ahead of the head in flight: only the lease holder removes the head.
local late = 0
local last, head = unpack(redis.call('HMGET', S, 'last', 'head'))
if mode ~= 'requeue' then
  if last and score < tonumber(last) then late = 1 end
  if head then
    local hs = tonumber(redis.call('ZSCORE', Q, head))
    if hs and score < hs then score = after(hs, 0.0001); late = 1 end
  end
end

redis.call('ZADD', Q, score, uid)
redis.call('HSET', P, uid, payload)
add_bytes(uid, #payload)
local e = redis.call('HGET', S, 'epoch')
if not e then return {'SCHEDULED', activate(), late} end
return {'QUEUED', e, late}
