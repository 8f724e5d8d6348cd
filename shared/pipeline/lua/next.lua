-- NEXT: settle the head the lease holder ran, then begin the next one or give the chat up.
-- ARGV 7 epoch  8 token  9 lease ms  10 max attempts  11 update_id
--      12 outcome: ok | fail (an attempt failed) | dead (dead-letter now) | defer (not an attempt)
--      13 error text  14 yield ('1' = end this activation)  15 hold ms (no attempt before then)
--      16 DLQ cap (0 = none)  17 finish ('1': on RELEASED, also end this epoch's arq job)
-- Reply: LOST | YIELD | begin_head reply; the 7th element counts dead-lettered updates, the 8th
-- DLQ entries trimmed.
local epoch, token, lease, max_att = ARGV[7], ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10])
local uid, outcome, err, yield, hold = ARGV[11], ARGV[12], ARGV[13], ARGV[14], tonumber(ARGV[15])
DLQ_MAX = tonumber(ARGV[16]) or 0
local e, owner, head, att = unpack(redis.call('HMGET', S, 'epoch', 'owner', 'head', 'att'))
-- Fencing: a takeover changes the epoch (reaper) or the owner (claim after expiry).
if e ~= epoch or owner ~= token or head ~= uid then return {'LOST', '', '', 0, '', NOW, 0, 0} end

local dead = 0
if outcome == 'ok' then
  redis.call('ZREM', Q, uid)
  drop_payload(uid)
  redis.call('HSET', S, 'last', uid)
  redis.call('HDEL', S, 'head', 'att', 'last_err')
elseif outcome == 'dead' then
  dead_letter(uid, tonumber(att) or 0, err)
  dead = 1
else
  redis.call('HSET', S, 'last_err', err)
  if outcome == 'defer' then redis.call('HINCRBY', S, 'att', -1) end
  if hold > 0 then redis.call('HSET', S, 'hold', NOW + hold) end
  yield = '1'
end

if yield == '1' then
  if redis.call('ZCARD', Q) == 0 then
    release()
    if ARGV[17] == '1' then finish_job(epoch) end
    return {'RELEASED', '', '', 0, '', NOW, dead, TRIMMED}
  end
  redis.call('HDEL', S, 'owner', 'until')
  redis.call('HSET', S, 'free_at', NOW)
  return {'YIELD', '', '', 0, '', NOW, dead, TRIMMED}
end
redis.call('HSET', S, 'until', NOW + lease)
local r = begin_head(max_att)
r[7] = r[7] + dead
if r[1] == 'RELEASED' and ARGV[17] == '1' then finish_job(epoch) end
return r
