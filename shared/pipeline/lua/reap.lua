-- REAP: repair one chat after crashes, lost jobs or lost writes.
-- ARGV 7 grace ms  8 lease ms
-- Reply: {kind, epoch}  IDLE | OK | STRANDED | TAKEOVER | ORPHAN | ENSURE
local grace, lease = tonumber(ARGV[7]), tonumber(ARGV[8])
local e, owner, till, free_at = unpack(redis.call('HMGET', S, 'epoch', 'owner', 'until', 'free_at'))
if not e then
  if redis.call('ZCARD', Q) > 0 then return {'STRANDED', activate()} end
  redis.call('ZREM', ACTIVE, CK)
  return {'IDLE', ''}
end
redis.call('ZADD', ACTIVE, 'NX', NOW, CK)
if owner then
  -- The holder stopped heartbeating (killed, or stalled beyond the lease): new epoch, new job;
  -- the old holder is fenced out of every later step.
  if tonumber(till) + grace < NOW then return {'TAKEOVER', activate()} end
  return {'OK', e}
end
local id = JOB_BASE .. CK .. ':' .. e
if redis.call('EXISTS', 'arq:in-progress:' .. id) == 1 then
  -- Nobody holds the lease, yet a worker has had the job in progress for longer than a lease:
  -- it died between taking the job and claiming, or between yielding and finishing.
  if tonumber(free_at or 0) + lease + grace < NOW then return {'ORPHAN', activate()} end
  return {'OK', e}
end
if redis.call('EXISTS', 'arq:job:' .. id) == 0 then
  write_job(e)
  return {'ENSURE', e}
end
if not redis.call('ZSCORE', QUEUE, id) then
  redis.call('ZADD', QUEUE, NOW, id)
  redis.call('LPUSH', WAKE, '1')
  redis.call('LTRIM', WAKE, 0, WAKE_CAP - 1)
  return {'ENSURE', e}
end
return {'OK', e}
