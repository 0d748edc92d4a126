import http from 'node:http';

/**
 * One request to the server under test, on a connection of its own: resolves with the parsed
 * JSON answer (or the text, with `as: 'text'`), rejects on a status of 400 or more or after 30 s.
 */
export function apiRequest(baseUrl: string, method: string, urlPath: string, body?: unknown, as: 'json' | 'text' = 'json'): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(new URL(urlPath, baseUrl), {
      method,
      agent: false,
      headers: text === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${urlPath} got no answer in 30 s`)));
    req.on('error', reject);
    req.on('response', (response) => {
      let data = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (data += chunk));
      response.on('end', () => {
        if ((response.statusCode ?? 0) >= 400) reject(new Error(`${method} ${urlPath} answered ${response.statusCode}: ${data.slice(0, 200)}`));
        else if (as === 'text') resolve(data);
        else resolve(data === '' ? undefined : JSON.parse(data));
      });
    });
    req.end(text);
  });
}
