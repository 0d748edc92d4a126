/** Options of {@link InstanceLiveness}. */
export interface InstanceLivenessOptions {
  /** This instance's name: never judged. */
  self: string;
  /** `INSTANCE_TTL_MS`: silence after which an instance is dead. */
  ttlMs: number;
  /**
   * The longest time between two round trips through Redis that still counts as unbroken
   * contact; past it (Redis frozen or gone, or this process frozen), every instance is given
   * a fresh `ttlMs` to be heard again.
   */
  contactGapMs: number;
}

/**
 * Who is alive, judged by this instance's own clock: when each instance was last heard
 * (its heartbeats, as they arrive), and whether this instance has been in unbroken contact
 * with Redis meanwhile. Redis key expiry plays no part, so a frozen or restarted Redis, or a
 * frozen instance waking up, kills no one: after a break in contact every instance has
 * `ttlMs` to be heard again. Pure: times are passed in (epoch ms), nothing is scheduled.
 */
export class InstanceLiveness {
  readonly #self: string;
  readonly #ttlMs: number;
  readonly #contactGapMs: number;
  readonly #heard = new Map<string, number>();
  /** Start of the current unbroken contact with Redis. */
  #contactSince = Number.NEGATIVE_INFINITY;
  #lastContact: number | undefined;

  constructor(options: InstanceLivenessOptions) {
    this.#self = options.self;
    this.#ttlMs = options.ttlMs;
    this.#contactGapMs = options.contactGapMs;
  }

  /** A heartbeat of `name` arrived at `at`. */
  heard(name: string, at: number): void {
    if (name === this.#self) return;
    this.#heard.set(name, Math.max(this.#heard.get(name) ?? at, at));
  }

  /**
   * `name` runs live sessions (seen in the registry): an instance not heard of before is
   * given `ttlMs` from `at` to be heard.
   */
  known(name: string, at: number): void {
    if (name !== this.#self && !this.#heard.has(name)) this.#heard.set(name, at);
  }

  /** `name` left the cluster, or is dead and done with: forget it. */
  forget(name: string): void {
    this.#heard.delete(name);
  }

  /**
   * A round trip through Redis completed at `at`: every heartbeat published before it has
   * arrived. After a gap longer than `contactGapMs` this starts a new period of contact.
   */
  contact(at: number): void {
    if (this.#lastContact === undefined || at - this.#lastContact > this.#contactGapMs) this.#contactSince = at;
    this.#lastContact = at;
  }

  /** The connection to Redis broke: the next contact starts a new period. */
  lostContact(): void {
    this.#lastContact = undefined;
  }

  /** True when the last round trip through Redis was within `contactGapMs` of `at`. */
  inContact(at: number): boolean {
    return this.#lastContact !== undefined && at - this.#lastContact <= this.#contactGapMs;
  }

  /** Instances silent for `ttlMs` of unbroken contact at `at`; none while out of contact. */
  dead(at: number): string[] {
    if (!this.inContact(at)) return [];
    return [...this.#heard.keys()].filter((name) => !this.#isAlive(name, at));
  }

  /** Instances not judged dead at `at`, this one first. */
  alive(at: number): string[] {
    return [this.#self, ...[...this.#heard.keys()].filter((name) => this.#isAlive(name, at))];
  }

  #isAlive(name: string, at: number): boolean {
    return at - Math.max(this.#heard.get(name) ?? Number.NEGATIVE_INFINITY, this.#contactSince) < this.#ttlMs;
  }
}
