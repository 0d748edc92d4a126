/**
 * How a transport puts a frame on the wire (an HTTP/1.1 chunk, say). One object is shared by
 * every connection of that transport, so the broker wraps each event once per transport, not
 * once per stream.
 */
export interface FrameFraming {
  /** The bytes that carry `frame`; must not keep a reference that changes with later frames. */
  wrap(frame: Buffer): Buffer;
}

/**
 * The transport seam: all the broker needs of one open stream. Protocol code never touches
 * a response object directly.
 */
export interface SseConnection {
  /**
   * Queues bytes of frames for the client, framed by the transport itself; false when the
   * socket is not draining (they are still queued). Any split of frames into writes is valid.
   */
  write(chunk: Buffer | string): boolean;
  /** Bytes queued and not yet handed to the kernel. */
  readonly bufferedBytes: number;
  /** Ends the stream; safe to call more than once. */
  close(): void;
  /** Calls `listener` once when the stream ends, whoever ended it. */
  onClose(listener: () => void): void;
  /**
   * Calls `listener` once, the next time the socket has drained what it held. Without it the
   * broker cannot wait and writes a stream's whole opening at once.
   */
  onDrain?(listener: () => void): void;
  /** With {@link writeFramed}: the transport's framing, for bytes it writes as they are. */
  readonly framing?: FrameFraming | undefined;
  /** Writes bytes already wrapped by {@link framing}; same answer as {@link write}. */
  writeFramed?(bytes: Buffer): boolean;
}
