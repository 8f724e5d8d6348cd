-- RESCHEDULE: an activation job that ran and must run again (arq Retry, or cancelled) is due
-- `delay` ms from now by the Redis clock, the clock every script and CLAIM_JOBS compare with.
-- (arq re-scores by the worker's own clock: with a skew of seconds a rotation waited that much
-- longer, or a WAIT came back at once and spun.)  Replaces arq's finish_job for these cases.
-- KEYS 1 queue  2 the job's in-progress key
-- ARGV 1 job id  2 delay ms  3 keep in-progress ms ('' = delete the mark)
-- A job no longer queued (removed meanwhile) is left out (XX). Reply: 1
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[3] == '' then
  redis.call('DEL', KEYS[2])
else
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3]))
end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
return 1
