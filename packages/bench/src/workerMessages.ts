import type { PhaseReport } from './DeliveryRecorder.ts';

/** What the coordinator asks a load worker; every request carries a `seq` its reply repeats. */
export type WorkerRequest =
  | { seq: number; type: 'open'; url: string; count: number; concurrency: number }
  | { seq: number; type: 'phase' }
  | { seq: number; type: 'progress' }
  | { seq: number; type: 'collect' }
  | { seq: number; type: 'close' };

/** How a worker's streams opened. */
export interface OpenReport {
  opened: number;
  failed: number;
  /** Epoch ms when its last stream got its snapshot. */
  lastOpenAt: number;
  /** The first few reasons streams failed. */
  errors: string[];
}

/** A worker's streams now. */
export interface ProgressReport {
  deliveries: number;
  /** Streams that ended while the coordinator still expected them open. */
  dropped: number;
  /** Frames that were neither snapshot, change event nor ping. */
  unexpected: number;
}

export type WorkerReply =
  | { seq: number; type: 'open'; report: OpenReport }
  | { seq: number; type: 'phase' }
  | { seq: number; type: 'progress'; report: ProgressReport }
  | { seq: number; type: 'collect'; report: PhaseReport; progress: ProgressReport }
  | { seq: number; type: 'close' };
