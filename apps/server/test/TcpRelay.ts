import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** One relayed connection: the client's socket and the one to the server behind. */
export interface RelayPair {
  client: Socket;
  upstream: Socket;
}

/**
 * A TCP relay on 127.0.0.1 that keeps its open connections, so a test can drop one as a
 * network would: both sockets go when either closes or fails, or on `cut()`. A subclass
 * says where each connection goes and how bytes pass (`relay`).
 */
export abstract class TcpRelay<P extends RelayPair = RelayPair> {
  readonly #server: Server;
  /** The connections open now. */
  protected readonly pairs = new Set<P>();
  cuts = 0;

  constructor() {
    this.#server = createServer((client) => {
      const pair = this.relay(client);
      this.pairs.add(pair);
      const end = () => {
        this.pairs.delete(pair);
        pair.client.destroy();
        pair.upstream.destroy();
      };
      for (const socket of [pair.client, pair.upstream]) {
        socket.on('error', end);
        socket.on('close', end);
      }
    });
  }

  /** Connects a new `client` to the server behind and starts passing bytes both ways. */
  protected abstract relay(client: Socket): P;

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Destroys both sockets of a random open connection; false when none is open. */
  cut(random: () => number): boolean {
    const pairs = [...this.pairs];
    const pair = pairs[Math.floor(random() * pairs.length)];
    if (!pair) return false;
    this.cuts += 1;
    pair.client.destroy();
    pair.upstream.destroy();
    return true;
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    await new Promise((resolve) => this.#server.close(resolve));
  }
}
