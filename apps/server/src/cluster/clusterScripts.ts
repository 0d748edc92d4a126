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
   * maxlen, how long to remember the seq (ms), the prefix of sessions' output copies (a
   * removed session's is deleted with it). Returns {'ok', stream id}, {'done'} when this
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
    if ARGV[9] then redis.call('DEL', ARGV[9] .. id) end
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
   * refuses the whole call, the prefix of sessions' output copies (a removed session's is
   * deleted with it); then per change: session id, expected JSON, event, new JSON ('' to
   * remove), data. Returns {'ok', {stream ids of the changes made}}, {'alive'} or {'epoch'}.
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
for i = 6, #ARGV, 5 do
  local id = ARGV[i]
  if redis.call('HGET', KEYS[2], id) == ARGV[i + 1] then
    if ARGV[i + 3] == '' then
      redis.call('HDEL', KEYS[2], id)
      redis.call('DEL', ARGV[5] .. id)
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
   * A piece of a session's output, carried into its copy by the instance that runs it
   * (`OutputCarrier`). KEYS sessions, the session's output copy. ARGV session id, the offset
   * after the piece, the offset of its first byte, its runs, its bytes ('' for none), '1'
   * when the output is complete (the end mark `<offset>-1` follows), the smallest entry id
   * to keep (older ones are trimmed), the channel to tell the offset on. A piece the copy
   * reaches already is left out. Returns 'ok', or 'absent' when the registry does not hold
   * the session (not yet written there, or removed: nothing is written for it).
   */
  carryOutput: new RedisScript(
    `if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 'absent' end
local topEnd, topSeq = -1, 0
local top = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
if #top > 0 then
  local ms, seq = string.match(top[1][1], '^(%d+)%-(%d+)$')
  topEnd, topSeq = tonumber(ms), tonumber(seq)
end
local stop = tonumber(ARGV[2])
if ARGV[5] ~= '' and stop > topEnd then
  redis.call('XADD', KEYS[2], ARGV[2] .. '-0', 'f', ARGV[3], 'r', ARGV[4], 'b', ARGV[5])
  topEnd, topSeq = stop, 0
end
if ARGV[6] == '1' and (stop > topEnd or (stop == topEnd and topSeq == 0)) then
  redis.call('XADD', KEYS[2], ARGV[2] .. '-1', 'x', '1')
end
redis.call('XTRIM', KEYS[2], 'MINID', ARGV[7])
redis.call('PUBLISH', ARGV[8], ARGV[2])
return 'ok'`,
    2,
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
