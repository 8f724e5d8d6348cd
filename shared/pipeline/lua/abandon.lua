-- ABANDON: a worker whose event loop is blocked hands the chat to the other workers at once.
-- Run by the worker's watchdog thread with the activation's own epoch and token, so only the
-- holder can do it. A new epoch (and its job) fences the blocked holder out of every later step,
-- as a reaper takeover would, without waiting for its lease to run out.
-- ARGV 7 epoch  8 token  9 uid of the update that blocked the loop ('' = not this chat's)
--      10 max attempts  11 error for the dead letter
-- Reply: {1, new epoch} handed over | {0, ''} not held by this token any more
local e, owner, head = unpack(redis.call('HMGET', S, 'epoch', 'owner', 'head'))
if e ~= ARGV[7] or owner ~= ARGV[8] then return {0, ''} end
if ARGV[9] ~= '' and head == ARGV[9] then
  -- The update that blocked the loop must not take the next worker too: its attempts are used
  -- up, so the next claim dead-letters it with this error and the chat goes on.
  redis.call('HSET', S, 'att', tonumber(ARGV[10]), 'last_err', ARGV[11])
end
return {1, activate()}
