-- Prelude shared by every per-chat script (prepended at load time; see scripts.py).
--
-- KEYS: 1 q  2 p  3 s  4 seen  5 active  6 dlq  7 arq queue  8 wake
-- ARGV: 1 now (ms, '' = server TIME)  2 ck  3 job id base  4 job key ttl ms  5 wake cap
--       6 state ttl ms (idle chat state and dedup window)  then script-specific arguments from 7.
--
-- The arq job key ('arq:job:' .. id) and the pending-bytes counter (next to ACTIVE) are derived
-- inside the script, so these scripts need a single Redis primary (which arq requires anyway);
-- every per-chat key above shares one hash slot.
local Q, P, S, SEEN = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local ACTIVE, DLQ, QUEUE, WAKE = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local CK, JOB_BASE = ARGV[2], ARGV[3]
local JOB_TTL, WAKE_CAP, STATE_TTL = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])

local function clock(v)
  if v ~= nil and v ~= '' then return tonumber(v) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local NOW = clock(ARGV[1])

-- Bytes of Telegram update payloads pending in all chats of the bot (the ingest byte budget).
-- Only update ids >= 0 count: other producers' entries are not Telegram's to back-pressure.
local BYTES = string.sub(ACTIVE, 1, #ACTIVE - #'active') .. 'pending_bytes'
-- The dead-letter stream's cap (0 = none; set by the scripts that may dead-letter) and how many
-- old entries this call trimmed (reported in the reply so the worker counts and logs them).
local DLQ_MAX, TRIMMED = 0, 0

local function add_bytes(h, n)
  if tonumber(h) >= 0 and n > 0 then redis.call('INCRBY', BYTES, n) end
end

-- Forget the payload of update `h` (acked or dead-lettered): its bytes leave the budget.
local function drop_payload(h)
  local n = redis.call('HSTRLEN', P, h)
  if n > 0 and tonumber(h) >= 0 and redis.call('DECRBY', BYTES, n) < 0 then
    redis.call('SET', BYTES, 0)  -- never below zero, whatever was lost on a failover
  end
  redis.call('HDEL', P, h)
end

local function int(x) return string.format('%d', x) end

-- Write the arq job of activation `e` exactly as the worker's JSON deserializer reads it
-- (arq's job fields: f function, a args, k kwargs, t enqueue job_try, et enqueue ms).
local function write_job(e)
  local id = JOB_BASE .. CK .. ':' .. e
  local body = cjson.encode({f = 'drain', a = {CK, e}, k = {}, t = cjson.null, et = NOW})
  redis.call('SET', 'arq:job:' .. id, body, 'PX', JOB_TTL)
  redis.call('ZADD', QUEUE, NOW, id)
  redis.call('LPUSH', WAKE, '1')
  redis.call('LTRIM', WAKE, 0, WAKE_CAP - 1)
  return id
end

-- Start a new activation epoch (never reused: `gen` starts at a timestamp and only grows) and
-- write its arq job.
local function activate()
  if redis.call('HEXISTS', S, 'gen') == 0 then redis.call('HSET', S, 'gen', NOW) end
  local e = int(redis.call('HINCRBY', S, 'gen', 1))
  redis.call('HSET', S, 'epoch', e, 'free_at', NOW)
  redis.call('HDEL', S, 'owner', 'until')
  redis.call('PERSIST', S)
  redis.call('ZADD', ACTIVE, NOW, CK)
  write_job(e)
  return e
end

-- arq's finish_job for the activation job of epoch `e` (keep_result 0: its in-progress mark, try
-- counter and job key go, and it leaves the queue and arq's abort set), done by the step that
-- released the chat when the worker asks for it: the job ends right after, so the worker sends
-- no finish of its own (one round trip less per activation).
local function finish_job(e)
  local id = JOB_BASE .. CK .. ':' .. e
  redis.call('DEL', 'arq:in-progress:' .. id, 'arq:retry:' .. id, 'arq:job:' .. id)
  redis.call('ZREM', 'arq:abort', id)
  redis.call('ZREM', QUEUE, id)
end

-- Atomic "inbox empty => nobody is responsible any more".
local function release()
  redis.call('HDEL', S, 'epoch', 'owner', 'until', 'head', 'att', 'last_err', 'hold', 'free_at')
  redis.call('ZREM', ACTIVE, CK)
  redis.call('PEXPIRE', S, STATE_TTL)
end

local function dead_letter(h, attempts, err)
  redis.call('XADD', DLQ, '*', 'ck', CK, 'update_id', h, 'attempts', attempts,
    'error', err or '', 'ts', NOW, 'payload', redis.call('HGET', P, h) or '')
  -- Oldest entries beyond the cap go (exact MAXLEN, so the count is what left).
  if DLQ_MAX > 0 then TRIMMED = TRIMMED + redis.call('XTRIM', DLQ, 'MAXLEN', DLQ_MAX) end
  redis.call('ZREM', Q, h)
  drop_payload(h)
  redis.call('HSET', S, 'last', h)
  redis.call('HDEL', S, 'head', 'att', 'last_err', 'hold')
end

-- Pick the head, count the attempt before it runs (so crashes count), dead-letter it when its
-- attempts are used up, or release the chat when the inbox is empty.
-- Reply: {kind, uid, payload, attempt, seen_ms, now, dead-lettered count, DLQ entries trimmed}
local function begin_head(max_att)
  local dead = 0
  while true do
    local h = redis.call('ZRANGE', Q, 0, 0)[1]
    if not h then
      release()
      return {'RELEASED', '', '', 0, '', NOW, dead, TRIMMED}
    end
    if redis.call('HGET', S, 'head') ~= h then
      redis.call('HSET', S, 'head', h, 'att', 0)
      redis.call('HDEL', S, 'last_err')
    end
    local a = redis.call('HINCRBY', S, 'att', 1)
    local payload = redis.call('HGET', P, h)
    if a <= max_att and payload then
      return {'ITEM', h, payload, a, redis.call('ZSCORE', SEEN, h) or '', NOW, dead, TRIMMED}
    end
    local err = redis.call('HGET', S, 'last_err')
    if not payload then err = 'payload missing' end
    dead_letter(h, a - 1, err)
    dead = dead + 1
  end
end
