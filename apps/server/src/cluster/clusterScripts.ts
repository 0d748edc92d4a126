import { RedisScript } from './RedisScript.ts';

/** Redis' own clock in epoch ms, so that every instance's time is compared on one clock. */
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Appends an event to the stream with the id of the entry before it (`p`), so a reader can tell it missed none. */
const XADD_CHAINED = `local function xadd(stream, maxlen, event, data)
  local top = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
  local prev = '0-0'
  if #top > 0 then prev = top[1][1] end
  return redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'e', event, 'd', data, 'p', prev)
end`;

/**
 * The Lua scripts of the cluster. Every change to the registry is made together with its
 * event on the stream, in one script, so a reader that loads the registry and the stream's
 * last id together always sees a state and the id of exactly the last event in it.
 */
export const clusterScripts = {
  /**
   * KEYS epoch, sessions, events. ARGV new epoch (used when there is none), how many entries,
   * the stream id the caller last read. Returns {epoch, session JSONs, the newest entries
   * newest first, 1 when the caller's stream id is still in the stream}.
   */
  load: new RedisScript(
    `local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[1], epoch)
end
local sessions = redis.call('HVALS', KEYS[2])
local entries = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', ARGV[2])
local mine = 0
if ARGV[3] ~= '0-0' and #redis.call('XRANGE', KEYS[3], ARGV[3], ARGV[3]) > 0 then mine = 1 end
return {epoch, sessions, entries, mine}`,
    3,
  ),

  /**
   * One change of this instance. KEYS epoch, sessions, events, applied (this process's last
   * applied seq). ARGV epoch, seq, event, session id ('' for none), session JSON, data,
   * maxlen, how long to remember the seq (ms). Returns {'ok', stream id}, {'done'} when this
   * seq was applied before, {'skip'} for an update or removal of a session the registry no
   * longer holds (removed meanwhile, or lost with Redis' data), {'epoch'} when the dataset
   * is not the one the caller knows.
   */
  apply: new RedisScript(
    `${XADD_CHAINED}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'epoch'} end
if tonumber(ARGV[2]) <= tonumber(redis.call('GET', KEYS[4]) or '0') then return {'done'} end
redis.call('SET', KEYS[4], ARGV[2], 'PX', ARGV[8])
local event, id = ARGV[3], ARGV[4]
if id ~= '' then
  local exists = redis.call('HEXISTS', KEYS[2], id) == 1
  if event ~= 'session_created' and not exists then return {'skip'} end
  if event == 'session_removed' then
    redis.call('HDEL', KEYS[2], id)
  else
    redis.call('HSET', KEYS[2], id, ARGV[5])
  end
end
return {'ok', xadd(KEYS[3], ARGV[7], event, ARGV[6])}`,
    4,
  ),

  /**
   * Changes made on another instance's behalf, each only if the session is still exactly
   * as the caller saw it (compare and set), so that two instances doing it at once make
   * each change once. KEYS epoch, sessions, events, instances. ARGV epoch, maxlen, the
   * instance judged dead ('' for none), ms within which a heartbeat of it (by Redis' clock)
   * refuses the whole call; then per change: session id, expected JSON, event, new JSON
   * ('' to remove), data. Returns {'ok', {stream ids of the changes made}}, {'alive'} or {'epoch'}.
   */
  compareAndChange: new RedisScript(
    `${XADD_CHAINED}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'epoch'} end
local dead = ARGV[3]
if dead ~= '' then
  local beat = redis.call('HGET', KEYS[4], dead)
  if beat then
    ${NOW_MS}
    if now - tonumber(beat) < tonumber(ARGV[4]) then return {'alive'} end
  end
end
local added = {}
for i = 5, #ARGV, 5 do
  local id = ARGV[i]
  if redis.call('HGET', KEYS[2], id) == ARGV[i + 1] then
    if ARGV[i + 3] == '' then
      redis.call('HDEL', KEYS[2], id)
    else
      redis.call('HSET', KEYS[2], id, ARGV[i + 3])
    end
    added[#added + 1] = xadd(KEYS[3], ARGV[2], ARGV[i + 2], ARGV[i + 4])
  end
end
if dead ~= '' then redis.call('HDEL', KEYS[4], dead) end
return {'ok', added}`,
    4,
  ),

  /**
   * A heartbeat. KEYS instances. ARGV name, channel, message. Records the time of the beat
   * by Redis' clock, then publishes it; returns how many subscribers got it.
   */
  beat: new RedisScript(
    `${NOW_MS}
redis.call('HSET', KEYS[1], ARGV[1], now)
return redis.call('PUBLISH', ARGV[2], ARGV[3])`,
    1,
  ),

  /** Leaving the cluster. KEYS instances. ARGV name, channel, message. */
  leave: new RedisScript(
    `redis.call('HDEL', KEYS[1], ARGV[1])
return redis.call('PUBLISH', ARGV[2], ARGV[3])`,
    1,
  ),
} as const;
