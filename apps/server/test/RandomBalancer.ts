import { connect, type Socket } from 'node:net';
import { TcpRelay, type RelayPair } from './TcpRelay.ts';

/**
 * A TCP load balancer in front of several servers with no stickiness at all: each new
 * connection goes to a backend picked at random. `cut` drops a random connection, so the
 * client behind it reconnects, most likely to another backend.
 */
export class RandomBalancer extends TcpRelay {
  readonly #ports: readonly number[];
  readonly #random: () => number;
  /** Connections sent to each backend port. */
  readonly routed = new Map<number, number>();

  constructor(ports: readonly number[], random: () => number) {
    super();
    this.#ports = ports;
    this.#random = random;
  }

  protected relay(client: Socket): RelayPair {
    const port = this.#ports[Math.floor(this.#random() * this.#ports.length)] as number;
    this.routed.set(port, (this.routed.get(port) ?? 0) + 1);
    const upstream = connect(port, '127.0.0.1');
    client.pipe(upstream);
    upstream.pipe(client);
    return { client, upstream };
  }
}
