import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP load balancer in front of several servers with no stickiness at all: each new
 * connection goes to a backend picked at random. `cut` drops a random connection, so the
 * client behind it reconnects, most likely to another backend.
 */
export class RandomBalancer {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  /** Connections sent to each backend port. */
  readonly routed = new Map<number, number>();
  cuts = 0;

  constructor(ports: readonly number[], random: () => number) {
    this.#server = createServer((client) => {
      const port = ports[Math.floor(random() * ports.length)] as number;
      this.routed.set(port, (this.routed.get(port) ?? 0) + 1);
      const upstream = connect(port, '127.0.0.1');
      const pair: [Socket, Socket] = [client, upstream];
      this.#pairs.add(pair);
      client.pipe(upstream);
      upstream.pipe(client);
      const end = () => {
        this.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      for (const socket of pair) {
        socket.on('error', end);
        socket.on('close', end);
      }
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Drops a random open connection; false when none is open. */
  cut(random: () => number): boolean {
    const pairs = [...this.#pairs];
    const pair = pairs[Math.floor(random() * pairs.length)];
    if (!pair) return false;
    this.cuts += 1;
    for (const socket of pair) socket.destroy();
    return true;
  }

  async close(): Promise<void> {
    for (const pair of this.#pairs) for (const socket of pair) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}
