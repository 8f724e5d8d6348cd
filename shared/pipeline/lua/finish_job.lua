-- FINISH_JOB: arq's finish_job for a job that ended for good without a stored result
-- (keep_result 0: every activation job), as one atomic script call instead of a MULTI/EXEC:
-- the in-progress mark, the try counter and the job go, and the job leaves the queue.
-- KEYS 1 queue  2 in-progress key  3 retry key  4 job key  5 arq's abort set
-- ARGV 1 job id  2 keep in-progress ms ('' = delete the mark)
if ARGV[2] == '' then
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
else
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]))
  redis.call('DEL', KEYS[3], KEYS[4])
end
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
