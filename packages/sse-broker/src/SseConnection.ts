/**
 * The transport seam: all the broker needs of one open stream. Protocol code never touches
 * a response object directly.
 */
export interface SseConnection {
  /** Queues bytes for the client; false when the socket is not draining (they are still queued). */
  write(chunk: Buffer | string): boolean;
  /** Bytes queued and not yet handed to the kernel. */
  readonly bufferedBytes: number;
  /** Ends the stream; safe to call more than once. */
  close(): void;
  /** Calls `listener` once when the stream ends, whoever ended it. */
  onClose(listener: () => void): void;
}
