-- CLAIM: the activation job of epoch `e` takes the chat's lease and begins the head.
-- ARGV 7 epoch  8 token  9 lease ms  10 max attempts  11 handoff ('1': move to a fresh job id)
--      12 DLQ cap (0 = none)  13 finish ('1': on RELEASED, also end this epoch's arq job)
-- Reply: STALE | BUSY ms | WAIT ms | HANDOFF epoch | begin_head reply
local epoch, token, lease, max_att = ARGV[7], ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10])
DLQ_MAX = tonumber(ARGV[12]) or 0
local e, owner, till, hold = unpack(redis.call('HMGET', S, 'epoch', 'owner', 'until', 'hold'))
if e ~= epoch then return {'STALE'} end
if owner and owner ~= token and tonumber(till) > NOW then return {'BUSY', tonumber(till) - NOW} end
if hold and tonumber(hold) > NOW then
  -- A backoff or a peer's retry_after is pending; a dead owner's stale lease is dropped.
  if owner then
    redis.call('HDEL', S, 'owner', 'until')
    redis.call('HSET', S, 'free_at', NOW)
  end
  return {'WAIT', tonumber(hold) - NOW}
end
if ARGV[11] == '1' then return {'HANDOFF', activate()} end
redis.call('HSET', S, 'owner', token, 'until', NOW + lease, 'claimed_at', NOW)
redis.call('HDEL', S, 'hold')
local r = begin_head(max_att)
if r[1] == 'RELEASED' and ARGV[13] == '1' then finish_job(epoch) end
return r
