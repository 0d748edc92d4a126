import { connect, type Socket } from 'node:net';
import { TcpRelay, type RelayPair } from './TcpRelay.ts';

interface Pair extends RelayPair {
  /** The last request on the connection opened the live stream. */
  streaming: boolean;
  /** Bytes from the server are swallowed: the stream looks open and stays silent. */
  frozen: boolean;
}

/**
 * A TCP proxy in front of the server that cuts connections (both sockets destroyed, like a
 * dropped network) and freezes streams (open but silent, like a stuck proxy) on demand.
 */
export class ChaosProxy extends TcpRelay<Pair> {
  readonly #targetPort: number;
  freezes = 0;

  constructor(targetPort: number) {
    super();
    this.#targetPort = targetPort;
  }

  protected relay(client: Socket): Pair {
    const upstream = connect(this.#targetPort, '127.0.0.1');
    const pair: Pair = { client, upstream, streaming: false, frozen: false };
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
    return pair;
  }

  /** Silences a random live stream for good, leaving it open; false when none is left to freeze. */
  freeze(random: () => number): boolean {
    const pairs = [...this.pairs].filter((pair) => pair.streaming && !pair.frozen);
    const pair = pairs[Math.floor(random() * pairs.length)];
    if (!pair) return false;
    this.freezes += 1;
    pair.frozen = true;
    return true;
  }
}
