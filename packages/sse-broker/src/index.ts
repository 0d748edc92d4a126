export { encodeFrame } from './encodeFrame.ts';
export type { FrameFields } from './encodeFrame.ts';
export type { EventLog, EventLogListener, LoggedEvent } from './EventLog.ts';
export { MemoryEventLog } from './MemoryEventLog.ts';
export type { MemoryEventLogOptions } from './MemoryEventLog.ts';
export type { FrameFraming, SseConnection } from './SseConnection.ts';
export { HTTP_CHUNKED, SSE_HEADERS, openNodeStream } from './openNodeStream.ts';
export { SseBroker } from './SseBroker.ts';
export type {
  BrokerStats,
  BrokerTimers,
  ConnectOptions,
  ConnectOutcome,
  SnapshotFrame,
  SseBrokerOptions,
} from './SseBroker.ts';
