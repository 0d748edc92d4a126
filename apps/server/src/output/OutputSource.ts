import type { ReadMemo, WindowRead } from './readWindow.ts';

/** A read of one session's output: the kept window after an offset, and where the output stands. */
export interface OutputRead extends WindowRead {
  /** Offset after the newest byte kept; the final offset once `ended`. */
  end: number;
  /** The session has ended and its output is complete: `end` will not move any more. */
  ended: boolean;
  /** The session was removed: its output is gone and nothing more will come. */
  removed: boolean;
}

/**
 * One session's output as followers and pollers read it, wherever it is kept: in this
 * server's memory or on its disk ({@link SessionOutput}), or, in a cluster, on the instance
 * that runs the process (an implementation fed through Redis, with the same offsets).
 */
export interface OutputSource {
  /**
   * The output kept after byte `after`, at most `maxBytes` (at least 4) of it, cut into
   * chunks on character boundaries. Starts at the oldest byte kept when `after` is older; an
   * `after` past the end reads nothing and comes back as `offset` until the output ends,
   * then as the final offset.
   *
   * A read stops at the next multiple of `maxBytes` at the latest, so that readers at
   * different offsets cut the same pieces; with a `memo` (owned by the caller, shared by the
   * readers of this source) a source may keep the pieces it decodes there and hand out the very
   * same chunk arrays to readers of the same range. A source is free to ignore it.
   */
  read(after: number, maxBytes: number, memo?: ReadMemo): OutputRead | Promise<OutputRead>;
  /**
   * Calls `listener` once, at the next change: output appended, output complete, or source
   * removed. Follow with a read. @returns a function that cancels the call.
   */
  onChange(listener: () => void): () => void;
}
