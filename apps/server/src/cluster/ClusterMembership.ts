import { randomBytes } from 'node:crypto';
import type { Session } from '@sessionboard/protocol';
import { isLiveStatus } from '@sessionboard/protocol';
import type { Logger } from 'pino';
import { changeEventData } from '../sessions/SessionBroadcaster.ts';
import type { ClusterKeys } from './clusterKeys.ts';
import { clusterScripts } from './clusterScripts.ts';
import { InstanceLiveness } from './InstanceLiveness.ts';
import type { RedisConnections } from './RedisConnections.ts';
import type { RedisEngine } from './RedisEngine.ts';
import { asLost } from './reconcileSessions.ts';

/** Options of {@link ClusterMembership}. */
export interface ClusterMembershipOptions {
  connections: RedisConnections;
  keys: ClusterKeys;
  engine: RedisEngine;
  /** `INSTANCE_NAME`. */
  instance: string;
  /** `INSTANCE_TTL_MS`. */
  ttlMs: number;
  logger: Logger;
  /** @default Date.now */
  now?: () => number;
}

/** A heartbeat on the beats channel; `left` when an instance leaves the cluster. */
interface BeatMessage {
  name: string;
  nonce?: string;
  left?: boolean;
}

/** Heartbeat interval for a TTL: five a TTL, from 50 ms to 2 s. */
export function beatIntervalMs(ttlMs: number): number {
  return Math.min(2000, Math.max(50, Math.round(ttlMs / 5)));
}

/**
 * This instance's part in the cluster's liveness. Every beat interval it publishes a
 * heartbeat (and records its time by Redis' clock) and waits for its own beat to come back
 * on the beats channel: that round trip proves every beat published before it has been
 * received, so only then does it judge who is dead ({@link InstanceLiveness}). The live
 * sessions of an instance silent for `INSTANCE_TTL_MS` become `lost`, by a compare-and-set
 * script that makes each change once however many instances try, and that refuses when
 * Redis heard the instance within half a TTL (a stale judgment). Without a round trip
 * within the contact gap, Redis counts as down.
 */
export class ClusterMembership {
  readonly liveness: InstanceLiveness;
  readonly beatMs: number;
  readonly #options: ClusterMembershipOptions;
  readonly #now: () => number;
  readonly #contactGapMs: number;
  readonly #sentNonces = new Set<string>();
  #pending: { nonce: string; sentAt: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #marking = new Set<string>();
  #firstContact: (() => void) | undefined;
  #closed = false;

  constructor(options: ClusterMembershipOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.beatMs = beatIntervalMs(options.ttlMs);
    this.#contactGapMs = Math.max(1000, Math.round(2.5 * this.beatMs));
    this.liveness = new InstanceLiveness({ self: options.instance, ttlMs: options.ttlMs, contactGapMs: this.#contactGapMs });
    options.connections.onDown(() => {
      this.liveness.lostContact();
      // A beat sent on the connection that broke will never come back: do not wait for it.
      this.#pending = undefined;
    });
    // Beat as soon as Redis is back, so the others hear this instance again at once.
    options.connections.onCommandsReady(() => {
      if (this.#timer !== undefined) this.#beat();
    });
  }

  /** Subscribes, starts beating, and resolves at the first round trip through Redis. */
  async start(): Promise<void> {
    await this.#options.connections.subscribeJson<BeatMessage>(this.#options.keys.beats, (message) => this.#onMessage(message));
    const first = new Promise<void>((resolve) => (this.#firstContact = resolve));
    this.#timer = setInterval(() => this.#beat(), this.beatMs).unref();
    this.#beat();
    await first;
  }

  /** True while round trips through Redis keep coming back in time. */
  inContact(): boolean {
    return this.liveness.inContact(this.#now());
  }

  /** Instances not judged dead, this one included. */
  aliveCount(): number {
    return this.liveness.alive(this.#now()).length;
  }

  /** Tells the others this instance is leaving, so none waits a TTL to learn it; best effort. */
  async leave(): Promise<void> {
    const { connections, keys, instance } = this.#options;
    const message: BeatMessage = { name: instance, left: true };
    await clusterScripts.leave.run(connections.commands, [keys.instances], [instance, keys.beats, JSON.stringify(message)]);
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }

  #beat(): void {
    const now = this.#now();
    // One beat in flight at a time: while Redis is frozen, beats do not pile up in it.
    if (this.#closed || (this.#pending !== undefined && now - this.#pending.sentAt < this.#contactGapMs)) return;
    const { connections, keys, instance } = this.#options;
    if (!connections.commandsReady) return;
    const nonce = randomBytes(6).toString('base64url');
    this.#pending = { nonce, sentAt: now };
    this.#sentNonces.add(nonce);
    if (this.#sentNonces.size > 64) this.#sentNonces.delete(this.#sentNonces.values().next().value as string);
    const message: BeatMessage = { name: instance, nonce };
    clusterScripts.beat.run(connections.commands, [keys.instances], [instance, keys.beats, JSON.stringify(message)]).catch((error: unknown) => {
      this.#options.logger.debug({ err: error }, 'heartbeat failed');
    });
  }

  #onMessage(message: BeatMessage): void {
    if (typeof message.name !== 'string') return;
    const now = this.#now();
    if (message.left === true) {
      this.liveness.forget(message.name);
      return;
    }
    if (message.name !== this.#options.instance) {
      this.liveness.heard(message.name, now);
      return;
    }
    if (message.nonce === this.#pending?.nonce) {
      this.#pending = undefined;
      this.liveness.contact(now);
      this.#firstContact?.();
      this.#firstContact = undefined;
      this.#judge(now);
    } else if (message.nonce === undefined || !this.#sentNonces.has(message.nonce)) {
      this.#options.logger.error({ instance: message.name }, 'another instance beats under this INSTANCE_NAME; names must be unique in a cluster');
    }
  }

  /** Marks lost the live sessions of every instance silent for a TTL. */
  #judge(now: number): void {
    const { engine, instance, logger } = this.#options;
    const liveByInstance = new Map<string, Session[]>();
    for (const session of engine.registry.values()) {
      if (session.instance === instance || !isLiveStatus(session.status)) continue;
      const list = liveByInstance.get(session.instance) ?? [];
      list.push(session);
      liveByInstance.set(session.instance, list);
      this.liveness.known(session.instance, now);
    }
    for (const dead of this.liveness.dead(now)) {
      const sessions = liveByInstance.get(dead);
      if (sessions === undefined) {
        this.liveness.forget(dead);
        continue;
      }
      if (this.#marking.has(dead)) continue;
      this.#marking.add(dead);
      const at = new Date(now).toISOString();
      const changes = sessions.map((session) => {
        const lost = asLost(session, at);
        return { expected: session, name: 'session_updated' as const, session: lost, data: changeEventData('session_updated', lost, now) };
      });
      engine
        .compareAndChange(changes, { instance: dead, aliveWithinMs: Math.round(this.#options.ttlMs / 2) })
        .then((result) => {
          if (typeof result === 'number' && result > 0) logger.warn({ instance: dead, sessions: result }, 'instance silent for INSTANCE_TTL_MS: its live sessions are lost');
          else if (result === 'alive') logger.info({ instance: dead }, 'redis heard an instance judged dead here recently; not marking it');
        })
        .catch((error: unknown) => logger.debug({ err: error, instance: dead }, 'marking sessions lost failed; retrying at the next beat'))
        .finally(() => this.#marking.delete(dead));
    }
  }
}
