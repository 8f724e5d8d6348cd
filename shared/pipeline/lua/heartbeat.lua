-- HEARTBEAT: extend the lease iff the caller still holds it.  ARGV 7 epoch  8 token  9 lease ms
-- Reply: 1 extended, 0 lost (the caller must stop the handler).
local e, owner = unpack(redis.call('HMGET', S, 'epoch', 'owner'))
if e ~= ARGV[7] or owner ~= ARGV[8] then return 0 end
redis.call('HSET', S, 'until', NOW + tonumber(ARGV[9]))
return 1
