-- START_JOB: the start of an activation job as arq's Worker.run_job does it (GET the job, INCR
-- its try counter, EXPIRE the counter; a MULTI/EXEC there), as one atomic script call that the
-- worker sends through its auto-pipelined client together with the other chats' steps.
-- Run at maxmemory too (allow-oom): starting the jobs that drain is how memory is freed.
-- KEYS 1 the job key  2 its retry (try counter) key   ARGV 1 the counter's TTL in seconds
-- Reply: {job body or nil, try}
local body = redis.call('GET', KEYS[1])
local try = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[1]))
return {body, try}
