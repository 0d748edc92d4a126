import { createServer } from 'node:net';

/**
 * Asks the kernel for a free TCP port on `host` and releases it at once, so a child process
 * can listen on it. Another process could take it in between; on a test machine that is rare
 * enough, and the caller's start-up check reports it plainly if it happens.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') {
        probe.close();
        reject(new Error('freePort: the probe socket has no TCP address'));
        return;
      }
      probe.close(() => resolve(address.port));
    });
  });
}
