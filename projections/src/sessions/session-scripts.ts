import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Lua scripts, so that each step is atomic in Redis: a batch of session changes lands with its checkpoint or not at
 * all (as a MULTI/EXEC would, but a script can also read — revoking all of a user's sessions needs their list), and
 * validating a token reads the session and touches its idle timer in one round trip.
 */

/**
 * KEYS: none (keys are derived from the prefix: one projection version's keys, plus the idle timers).
 * ARGV[1] prefix, ARGV[2] expected checkpoint ('' for none), ARGV[3] new checkpoint, ARGV[4] now (ms),
 * ARGV[5] idle lifetime (ms), ARGV[6] JSON array of operations.
 * Returns the number of operations applied, or an error 'CHECKPOINT_MOVED' when another writer got there first.
 */
export const APPLY_SESSION_BATCH = `
local prefix, expected, checkpoint = ARGV[1], ARGV[2], ARGV[3]
local now, idle = tonumber(ARGV[4]), tonumber(ARGV[5])
local ops = cjson.decode(ARGV[6])
local current = redis.call('GET', prefix .. 'checkpoint') or ''
if current ~= expected then return redis.error_reply('CHECKPOINT_MOVED') end

local function revoke(sessionId, userId)
  local tokenHash = redis.call('GET', prefix .. 'session:' .. sessionId)
  if tokenHash then redis.call('DEL', prefix .. 'token:' .. tokenHash) end
  redis.call('DEL', prefix .. 'session:' .. sessionId, 'sessions:seen:' .. sessionId)
  if userId then redis.call('SREM', prefix .. 'user:' .. userId, sessionId) end
end

for _, op in ipairs(ops) do
  if op.kind == 'login' then
    -- A replay must not revive a session that has expired, absolutely or for idleness.
    local expiresAt = tonumber(op.expiresAtMs)
    if expiresAt > now then
      local record = cjson.encode({ sessionId = op.sessionId, userId = op.userId, expiresAt = op.expiresAt, createdAt = op.createdAt })
      redis.call('SET', prefix .. 'token:' .. op.tokenHash, record, 'PXAT', expiresAt)
      redis.call('SET', prefix .. 'session:' .. op.sessionId, op.tokenHash, 'PXAT', expiresAt)
      redis.call('SADD', prefix .. 'user:' .. op.userId, op.sessionId)
      local userKey = prefix .. 'user:' .. op.userId
      local userExpiry = redis.call('PEXPIRETIME', userKey)
      if userExpiry < expiresAt then redis.call('PEXPIREAT', userKey, expiresAt) end
      local idleUntil = math.min(tonumber(op.loggedInAtMs) + idle, expiresAt)
      if idleUntil > now then redis.call('SET', 'sessions:seen:' .. op.sessionId, '1', 'PXAT', idleUntil, 'NX') end
    end
  elseif op.kind == 'revoke' then
    revoke(op.sessionId, op.userId)
  elseif op.kind == 'revoke_all' then
    local userKey = prefix .. 'user:' .. op.userId
    for _, sessionId in ipairs(redis.call('SMEMBERS', userKey)) do revoke(sessionId, nil) end
    redis.call('DEL', userKey)
  end
end
redis.call('SET', prefix .. 'checkpoint', checkpoint)
return #ops
`;

/**
 * Validates a token: KEYS none; ARGV[1] token hash, ARGV[2] now (ms), ARGV[3] idle lifetime (ms).
 * Reads which projection version is live, then the session; refreshes its idle timer. Returns the stored session
 * JSON, or nil when it is unknown, revoked, expired or idle.
 */
export const VALIDATE_SESSION = `
local version = redis.call('GET', 'sessions:live-version') or '1'
local prefix = 'sessions:v' .. version .. ':'
local record = redis.call('GET', prefix .. 'token:' .. ARGV[1])
if not record then return nil end
local session = cjson.decode(record)
local now, idle = tonumber(ARGV[2]), tonumber(ARGV[3])
local seenKey = 'sessions:seen:' .. session.sessionId
if redis.call('EXISTS', seenKey) == 0 then return nil end
local expiresAt = redis.call('PEXPIRETIME', prefix .. 'token:' .. ARGV[1])
if expiresAt > 0 and expiresAt <= now then return nil end
local idleUntil = now + idle
if expiresAt > 0 and expiresAt < idleUntil then idleUntil = expiresAt end
redis.call('SET', seenKey, '1', 'PXAT', idleUntil, 'XX')
return record
`;

/**
 * Runs a script by its SHA-1 (EVALSHA), sending its text only when Redis does not have it yet (after a restart or a
 * SCRIPT FLUSH): validation runs thousands of times a second, and shipping and hashing the text each time costs.
 */
export async function runScript(redis: Redis, script: string, args: string[]): Promise<unknown> {
  const sha = scriptShas.get(script) ?? createHash('sha1').update(script).digest('hex');
  scriptShas.set(script, sha);
  try {
    return await redis.evalsha(sha, 0, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(script, 0, ...args);
  }
}

const scriptShas = new Map<string, string>();
