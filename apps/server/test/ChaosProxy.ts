import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
  /** The last request on the connection opened the live stream. */
  streaming: boolean;
  /** Bytes from the server are swallowed: the stream looks open and stays silent. */
  frozen: boolean;
}

/**
 * A TCP proxy in front of the server that cuts connections (both sockets destroyed, like a
 * dropped network) and freezes streams (open but silent, like a stuck proxy) on demand.
 */
export class ChaosProxy {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  cuts = 0;
  freezes = 0;

  constructor(targetPort: number) {
    this.#server = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      const pair: Pair = { client, upstream, streaming: false, frozen: false };
      this.#pairs.add(pair);
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      client.on('data', (chunk: Buffer) => {
        const head = chunk.subarray(0, 32).toString('latin1');
        if (/^[A-Z]+ \//.test(head)) pair.streaming = head.startsWith('GET /api/sse/sessions');
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (!pair.frozen) client.write(chunk);
      });
      const end = () => {
        this.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      for (const socket of [client, upstream]) {
        socket.on('error', end);
        socket.on('close', end);
      }
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Destroys both sockets of a random open connection; false when none is open. */
  cut(random: () => number): boolean {
    const pairs = [...this.#pairs];
    const pair = pairs[Math.floor(random() * pairs.length)];
    if (!pair) return false;
    this.cuts += 1;
    pair.client.destroy();
    pair.upstream.destroy();
    return true;
  }

  /** Silences a random live stream for good, leaving it open; false when none is left to freeze. */
  freeze(random: () => number): boolean {
    const pairs = [...this.#pairs].filter((pair) => pair.streaming && !pair.frozen);
    const pair = pairs[Math.floor(random() * pairs.length)];
    if (!pair) return false;
    this.freezes += 1;
    pair.frozen = true;
    return true;
  }

  async close(): Promise<void> {
    for (const pair of this.#pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    await new Promise((resolve) => this.#server.close(resolve));
  }
}
