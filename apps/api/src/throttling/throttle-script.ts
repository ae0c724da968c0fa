/**
 * One attempt at a throttled action, decided atomically in Redis for every key it is counted under (the address's
 * lookup hash, the client IP's): refused while any key is locked, otherwise counted against each, before the action
 * runs. Counting first means a hundred concurrent guesses cannot all pass the check before the first failure lands.
 *
 * Each key is a hash {count, last}: `count` attempts that did not succeed, `last` when the latest one was counted
 * (Redis's own clock, so every API process agrees). From `limit` on, a key is locked for
 * `base * 2^(count - limit)` ms after `last`, at most `max`: the wait doubles with each further failure. A key is
 * forgotten `window` ms after its latest failure (plus its lock).
 *
 * KEYS: the keys to count under. ARGV: base, max, window, then one limit per key.
 * Returns 0 when the attempt may go ahead, else the milliseconds left until it may.
 */
export const ATTEMPT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local base, max, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local function lock(count, limit)
  if count < limit then return 0 end
  return math.min(base * 2 ^ (count - limit), max)
end
local wait = 0
for i, key in ipairs(KEYS) do
  local state = redis.call('HMGET', key, 'count', 'last')
  local count, last = tonumber(state[1]) or 0, tonumber(state[2]) or 0
  local left = last + lock(count, tonumber(ARGV[3 + i])) - now
  if left > wait then wait = left end
end
if wait > 0 then return math.ceil(wait) end
for i, key in ipairs(KEYS) do
  local count = redis.call('HINCRBY', key, 'count', 1)
  redis.call('HSET', key, 'last', now)
  redis.call('PEXPIRE', key, window + lock(count, tonumber(ARGV[3 + i])))
end
return 0
`;

/**
 * How an attempt that was let through ended, in one round trip: the first ARGV[1] keys are cleared outright (a
 * success clears the address), the others take back this one attempt (it no longer counts against the IP; an
 * attempt without a verdict, such as a store being down, takes itself back from every key), never below zero.
 */
export const SETTLE_SCRIPT = `
local cleared = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  if i <= cleared then redis.call('DEL', key)
  elseif redis.call('EXISTS', key) == 1 and redis.call('HINCRBY', key, 'count', -1) <= 0 then redis.call('DEL', key) end
end
return 0
`;
