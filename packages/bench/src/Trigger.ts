import http from 'node:http';

const TRIGGER_TIMEOUT_MS = 30_000;

/**
 * Makes a server publish by `POST /api/sessions` with `{"command":["true"]}`. Each trigger
 * has a connection of its own: a kept-alive one would sit idle while thousands of streams
 * open, past the server's keep-alive timeout, and be reset under the next request.
 */
export class Trigger {
  readonly #url: URL;
  static readonly BODY = JSON.stringify({ command: ['true'] });

  constructor(baseUrl: string) {
    this.#url = new URL('/api/sessions', baseUrl);
  }

  /** One trigger; rejects unless the server answers 201 within 30 s. */
  fire(): Promise<void> {
    return new Promise((resolve, reject) => {
      const request = http.request(this.#url, {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(Trigger.BODY) },
      });
      request.setTimeout(TRIGGER_TIMEOUT_MS, () =>
        request.destroy(new Error(`POST /api/sessions got no answer in ${TRIGGER_TIMEOUT_MS} ms`)),
      );
      request.on('error', reject);
      request.on('response', (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          if (response.statusCode === 201) resolve();
          else reject(new Error(`POST /api/sessions answered ${response.statusCode}: ${body.slice(0, 200)}`));
        });
      });
      request.end(Trigger.BODY);
    });
  }
}
