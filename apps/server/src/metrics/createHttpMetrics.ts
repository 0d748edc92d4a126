import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Histogram, type Registry } from 'prom-client';
import { STREAM_ROUTES, methodLabel, routeTemplate } from './routeTemplate.ts';

/** Status recorded for a request whose client went away before any answer: nginx's "client closed request". */
export const CLIENT_CLOSED_STATUS = 499;

/** Counts and times every request the server gets, whoever answers it. */
export interface HttpMetrics {
  /** `http_requests_total{method,route,status}`. */
  requests: Counter<'method' | 'route' | 'status'>;
  /** `http_request_duration_seconds{method,route,status}`. */
  duration: Histogram<'method' | 'route' | 'status'>;
  /**
   * Starts observing one request; called first thing for every request, before anything
   * can answer it. A request is recorded once: when its response is over, or, for an event
   * stream (`200` on a stream route), when its head is sent, with the time it took to open.
   */
  observe(req: IncomingMessage, res: ServerResponse): void;
}

export interface HttpMetricsOptions {
  /** Told of every stream route answered with an error status (a stream that did not open). */
  onStreamRefused?: (status: number) => void;
}

/** Registers the HTTP request metrics on `registry`. */
export function createHttpMetrics(registry: Registry, options: HttpMetricsOptions = {}): HttpMetrics {
  const registers = [registry];
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route template and status (499: the client left before an answer).',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request; for an event stream, the time to open it.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });

  const record = (method: string, route: string, status: number, started: number) => {
    const labels = { method, route, status: String(status) };
    requests.inc(labels);
    duration.observe(labels, (performance.now() - started) / 1000);
    if (status >= 400 && STREAM_ROUTES.has(route)) options.onStreamRefused?.(status);
  };

  return {
    requests,
    duration,
    observe(req, res) {
      const started = performance.now();
      const method = methodLabel(req.method);
      const route = routeTemplate(req.method ?? '', req.url ?? '');
      let recorded = false;
      const onClose = () => {
        if (recorded) return;
        recorded = true;
        record(method, route, res.headersSent ? res.statusCode : CLIENT_CLOSED_STATUS, started);
      };
      res.once('close', onClose);
      if (!STREAM_ROUTES.has(route)) return;
      // A stream's response is over only when the stream ends, hours later: record it when its
      // head goes out instead. Only stream routes pay for this wrapper, and only until then:
      // an open stream keeps nothing of it.
      const writeHead = res.writeHead;
      res.writeHead = function (this: ServerResponse, ...args: Parameters<typeof writeHead>) {
        delete (res as Partial<ServerResponse>).writeHead;
        res.off('close', onClose);
        const result = writeHead.apply(this, args);
        if (!recorded) {
          recorded = true;
          record(method, route, res.statusCode, started);
        }
        return result;
      } as typeof writeHead;
    },
  };
}

/** The `sse_connection_errors_total` reason for a stream route answered with `status`. */
export function streamErrorReason(status: number): 'refused' | 'unauthorized' | 'bad_request' | 'server_error' {
  if (status === 503) return 'refused';
  if (status === 401 || status === 403) return 'unauthorized';
  return status < 500 ? 'bad_request' : 'server_error';
}
