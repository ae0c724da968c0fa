import { createHash } from 'node:crypto';
import type { RedisClient } from '@accounts/config';

/**
 * Lua scripts, so that each step is atomic in Redis: a batch of session changes lands with its checkpoint or not at
 * all (as a MULTI/EXEC would, but a script can also read — revoking all of a user's sessions needs their list), and
 * validating a token reads the session and touches its idle timer in one round trip.
 *
 * Every key a script touches belongs to one projection version, under its hash tag (see SessionKeys), and the
 * version's checkpoint key is always KEYS[1]: a cluster client routes the call to the node that holds the slot.
 * Keys derived inside a script (a session's token, its idle timer) share the tag, so they live in the same slot.
 */

/**
 * KEYS[1] checkpoint, KEYS[2] the version's unavailable marker.
 * ARGV[1] prefix, ARGV[2] expected checkpoint ('' for none), ARGV[3] new checkpoint, ARGV[4] now (ms),
 * ARGV[5] idle lifetime (ms), ARGV[6] JSON array of operations, ARGV[7] '1' when this batch completes a rebuild
 * after lost data (the marker goes).
 * Returns the number of operations applied, or an error 'CHECKPOINT_MOVED' when another writer got there first (or
 * the data was lost meanwhile: the checkpoint key is gone).
 */
export const APPLY_SESSION_BATCH = `
local prefix, expected, checkpoint = ARGV[1], ARGV[2], ARGV[3]
local now, idle = tonumber(ARGV[4]), tonumber(ARGV[5])
local ops = cjson.decode(ARGV[6])
local current = redis.call('GET', KEYS[1])
if current ~= expected then return redis.error_reply('CHECKPOINT_MOVED') end

local function revoke(sessionId, userId)
  local tokenHash = redis.call('GET', prefix .. 'session:' .. sessionId)
  if tokenHash then redis.call('DEL', prefix .. 'token:' .. tokenHash) end
  redis.call('DEL', prefix .. 'session:' .. sessionId, prefix .. 'seen:' .. sessionId)
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
      -- The idle deadline counts from the login, the last activity the events know of, never from this replay.
      local idleUntil = math.min(tonumber(op.loggedInAtMs) + idle, expiresAt)
      if idleUntil > now then redis.call('SET', prefix .. 'seen:' .. op.sessionId, '1', 'PXAT', idleUntil, 'NX') end
    end
  elseif op.kind == 'revoke' then
    revoke(op.sessionId, op.userId)
  elseif op.kind == 'revoke_all' then
    local userKey = prefix .. 'user:' .. op.userId
    for _, sessionId in ipairs(redis.call('SMEMBERS', userKey)) do revoke(sessionId, nil) end
    redis.call('DEL', userKey)
  end
end
redis.call('SET', KEYS[1], checkpoint)
if ARGV[7] == '1' then
  local marker = redis.call('GET', KEYS[2])
  if marker and string.sub(marker, 1, 11) == 'rebuilding:' then redis.call('DEL', KEYS[2]) end
end
return #ops
`;

/** What VALIDATE_SESSION answers when the version it read cannot tell (lost, rebuilding, superseded). */
export const VERSION_UNAVAILABLE = 'unavailable';

/**
 * Validates a token: KEYS[1] checkpoint, KEYS[2] unavailable marker, KEYS[3] the token's key; ARGV[1] prefix,
 * ARGV[2] now (ms), ARGV[3] idle lifetime (ms).
 * Returns the stored session JSON and refreshes its idle timer; nil when the session is unknown, revoked, expired or
 * idle; VERSION_UNAVAILABLE when this version cannot say (its data is gone, being rebuilt, or replaced).
 */
export const VALIDATE_SESSION = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[2]) == 1 then return '${VERSION_UNAVAILABLE}' end
local record = redis.call('GET', KEYS[3])
if not record then return nil end
local session = cjson.decode(record)
local now, idle = tonumber(ARGV[2]), tonumber(ARGV[3])
local seenKey = ARGV[1] .. 'seen:' .. session.sessionId
if redis.call('EXISTS', seenKey) == 0 then return nil end
local expiresAt = redis.call('PEXPIRETIME', KEYS[3])
if expiresAt > 0 and expiresAt <= now then return nil end
local idleUntil = now + idle
if expiresAt > 0 and expiresAt < idleUntil then idleUntil = expiresAt end
redis.call('SET', seenKey, '1', 'PXAT', idleUntil, 'XX')
return record
`;

/**
 * Carries idle timers over to a new version at a swap: KEYS[1] the new version's checkpoint; ARGV[1] its prefix,
 * ARGV[2] JSON [[sessionId, idle deadline (ms)], …] read from the old version. A session the new version holds gets
 * the later of the two deadlines; one it does not hold (revoked, expired) gets none.
 */
export const CARRY_IDLE_TIMERS = `
local prefix = ARGV[1]
local carried = 0
for _, timer in ipairs(cjson.decode(ARGV[2])) do
  local sessionId, deadline = timer[1], tonumber(timer[2])
  if redis.call('EXISTS', prefix .. 'session:' .. sessionId) == 1 then
    local seenKey = prefix .. 'seen:' .. sessionId
    if redis.call('PEXPIRETIME', seenKey) < deadline then
      redis.call('SET', seenKey, '1', 'PXAT', deadline)
      carried = carried + 1
    end
  end
end
return carried
`;

/**
 * Runs a script by its SHA-1 (EVALSHA), sending its text only when Redis does not have it yet (after a restart, a
 * SCRIPT FLUSH, or on a cluster node that has not run it): validation runs thousands of times a second, and shipping
 * and hashing the text each time costs.
 */
export async function runScript(redis: RedisClient, script: string, keys: string[], args: string[]): Promise<unknown> {
  let sha = scriptShas.get(script);
  if (!sha) {
    sha = createHash('sha1').update(script).digest('hex');
    scriptShas.set(script, sha);
  }
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(script, keys.length, ...keys, ...args);
  }
}

const scriptShas = new Map<string, string>();
