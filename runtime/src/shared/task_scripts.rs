//! The Lua scripts of the shared task records (see [`super::tasks`]): each reads and changes one
//! task's keys atomically, in one round trip, by Redis's clock. Their parts are put together by
//! [`super::tasks`]: `NOW` and the checks first, then the operation.

/// Lua: `now` in ms by Redis's clock.
pub(super) const NOW: &str = "
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
";

/// Lua, with `KEYS[2]` = all, `KEYS[3]` = leases, `KEYS[4]` = sizes, `KEYS[5]` = bytes: forgets
/// the expired tasks' ids, leases and result sizes.
pub(super) const SWEEP: &str = "
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
  local size = redis.call('HGET', KEYS[4], id)
  if size then
    redis.call('DECRBY', KEYS[5], size)
    redis.call('HDEL', KEYS[4], id)
  end
  redis.call('ZREM', KEYS[3], id)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
";

/// Lua: deletes the task's questions and answers (`KEYS[1]`).
pub(super) const FORGET_QUESTIONS: &str = "
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  local kind = string.sub(field, 1, 2)
  if kind == 'q:' or kind == 'a:' then redis.call('HDEL', KEYS[1], field) end
end
redis.call('HDEL', KEYS[1], 'answered')
";

/// Lua, with `KEYS[1]` = the task, `KEYS[2]` = leases and `ARGV[1..5]` = owner, id, the time
/// stamp, the lapse's error and message: returns nil unless the task exists and is the owner's;
/// a running task whose lease lapsed is failed first. Leaves `status` set.
pub(super) const OWNED: &str = "
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return false end
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'working' or status == 'input_required' then
  local lease = redis.call('ZSCORE', KEYS[2], ARGV[2])
  if not lease or tonumber(lease) < now then
    redis.call('HSET', KEYS[1], 'status', 'failed', 'error', ARGV[4], 'message', ARGV[5],
      'updated', ARGV[3])
    redis.call('ZREM', KEYS[2], ARGV[2])
    FORGET_QUESTIONS
    status = 'failed'
  end
end
";

/// KEYS: task, all, leases, sizes, bytes, owner's set. ARGV: ttl ms, lease ms, per owner, in
/// all, id, owner, stamp, poll ms, runner. Returns `{created (0|1), owner's count, count}`.
pub(super) const CREATE: &str = "
local ttl = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now)
local mine = redis.call('ZCARD', KEYS[6])
local all = redis.call('ZCARD', KEYS[2])
if mine >= tonumber(ARGV[3]) or all >= tonumber(ARGV[4]) then return {0, mine, all} end
redis.call('HSET', KEYS[1], 'owner', ARGV[6], 'status', 'working', 'created', ARGV[7],
  'updated', ARGV[7], 'ttl', ARGV[1], 'poll', ARGV[8], 'runner', ARGV[9])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[5])
redis.call('ZADD', KEYS[6], now + ttl, ARGV[5])
redis.call('PEXPIRE', KEYS[6], ttl)
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[5])
return {1, mine, all}
";

/// KEYS: task, leases. ARGV: OWNED's. Returns the hash's fields and values, or nil.
pub(super) const GET: &str = "
return redis.call('HGETALL', KEYS[1])
";

/// KEYS: task, leases. ARGV: OWNED's, then key and answer pairs. Takes the answers to questions
/// outstanding (the others are ignored); the task works again once none is left. Returns
/// `{runner, answers taken}`, or nil.
pub(super) const UPDATE: &str = "
local taken = 0
for i = 6, #ARGV, 2 do
  if redis.call('HDEL', KEYS[1], 'q:' .. ARGV[i]) == 1 then
    redis.call('HSET', KEYS[1], 'a:' .. ARGV[i], ARGV[i + 1], 'answered', '1')
    taken = taken + 1
  end
end
if taken > 0 and status == 'input_required' then
  local asking = false
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    if string.sub(field, 1, 2) == 'q:' then asking = true break end
  end
  if not asking then redis.call('HSET', KEYS[1], 'status', 'working', 'updated', ARGV[3]) end
end
return {redis.call('HGET', KEYS[1], 'runner'), taken}
";

/// KEYS: task, leases. ARGV: OWNED's, then the message. Returns `{runner, 1}` when a running task
/// was cancelled, `{'', 0}` for one that had ended, or nil.
pub(super) const CANCEL: &str = "
if status ~= 'working' and status ~= 'input_required' then return {'', 0} end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'message', ARGV[6], 'updated', ARGV[3])
FORGET_QUESTIONS
redis.call('ZREM', KEYS[2], ARGV[2])
return {redis.call('HGET', KEYS[1], 'runner'), 1}
";

/// KEYS: task. ARGV: key, the question, stamp. Returns 1 while the task runs, else 0.
pub(super) const ASK: &str = "
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'working' and status ~= 'input_required' then return 0 end
redis.call('HSET', KEYS[1], 'q:' .. ARGV[1], ARGV[2], 'status', 'input_required',
  'updated', ARGV[3])
return 1
";

/// KEYS: task. Returns `{status, key, answer, …}` (the answers are taken), or `{}` when the
/// task is gone.
pub(super) const TAKE: &str = "
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {} end
local out = {status}
if redis.call('HDEL', KEYS[1], 'answered') == 1 then
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    if string.sub(field, 1, 2) == 'a:' then
      out[#out + 1] = string.sub(field, 3)
      out[#out + 1] = redis.call('HGET', KEYS[1], field)
      redis.call('HDEL', KEYS[1], field)
    end
  end
end
return out
";

/// KEYS: task, all, leases, sizes, bytes. ARGV: id, status, `result` or `error`, its JSON, its
/// size, the limit in all, message, stamp, the error and message when over the limit. Returns 1
/// when recorded, 2 when failed for its size, 0 when the task had ended (cancelled, lapsed).
pub(super) const FINISH: &str = "
redis.call('ZREM', KEYS[3], ARGV[1])
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'working' and status ~= 'input_required' then return 0 end
FORGET_QUESTIONS
local size = tonumber(ARGV[5])
local kept = tonumber(redis.call('GET', KEYS[5]) or '0')
if kept + size > tonumber(ARGV[6]) then
  redis.call('HSET', KEYS[1], 'status', 'failed', 'error', ARGV[9], 'message', ARGV[10],
    'updated', ARGV[8])
  return 2
end
redis.call('HSET', KEYS[1], 'status', ARGV[2], ARGV[3], ARGV[4], 'updated', ARGV[8])
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'message', ARGV[7]) end
redis.call('HSET', KEYS[4], ARGV[1], size)
redis.call('INCRBY', KEYS[5], size)
return 1
";

/// KEYS: leases, then the tasks. ARGV: lease ms, then their ids. Extends the lease of each task
/// still running; returns `{id, 'gone' | 'answered', …}` for those that ended (cancelled,
/// lapsed, expired) or hold answers.
pub(super) const RENEW: &str = "
local out = {}
for i = 2, #KEYS do
  local id = ARGV[i]
  local status = redis.call('HGET', KEYS[i], 'status')
  if (status == 'working' or status == 'input_required')
      and redis.call('ZSCORE', KEYS[1], id) then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), id)
    if redis.call('HEXISTS', KEYS[i], 'answered') == 1 then
      out[#out + 1] = id
      out[#out + 1] = 'answered'
    end
  else
    out[#out + 1] = id
    out[#out + 1] = 'gone'
  end
end
return out
";

/// KEYS: leases, then the tasks. ARGV: owner, then their ids. Returns `{id, status, updated,
/// lapsed (0|1), …}` for each that is the owner's (a lapsed one is not changed here).
pub(super) const STAMPS: &str = "
local out = {}
for i = 2, #KEYS do
  local task = redis.call('HMGET', KEYS[i], 'owner', 'status', 'updated')
  if task[1] == ARGV[1] then
    local lapsed = 0
    if task[2] == 'working' or task[2] == 'input_required' then
      local lease = redis.call('ZSCORE', KEYS[1], ARGV[i])
      if not lease or tonumber(lease) < now then lapsed = 1 end
    end
    out[#out + 1] = ARGV[i]
    out[#out + 1] = task[2]
    out[#out + 1] = task[3] or ''
    out[#out + 1] = lapsed
  end
end
return out
";
