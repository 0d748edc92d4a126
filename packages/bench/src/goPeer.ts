import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchTarget } from './BenchTarget.ts';

/** The Go peer's source: net/http, a goroutine and a buffered channel per client, one flush per event. */
export const GO_PEER_SOURCE = fileURLToPath(new URL('../go/peer.go', import.meta.url));

/**
 * Builds the Go peer with the machine's `go` (Debian's golang-go) into the temp directory.
 * @returns its target, or the reason it cannot run here (no `go`, a failed build).
 */
export function buildGoPeer(): BenchTarget | string {
  const version = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (version.error !== undefined || version.status !== 0) {
    return 'Go is not installed (apt-get install golang-go); the Go peer is left out of this run';
  }
  const binary = path.join(os.tmpdir(), `sessionboard-bench-go-peer-${process.getuid?.() ?? 0}`);
  const build = spawnSync('go', ['build', '-o', binary, GO_PEER_SOURCE], {
    encoding: 'utf8',
    cwd: path.dirname(GO_PEER_SOURCE),
    env: { ...process.env, GO111MODULE: 'off', GOFLAGS: '' },
  });
  if (build.status !== 0) return `the Go peer did not build (${version.stdout.trim()}): ${build.stderr.trim()}`;
  return {
    key: 'go',
    label: 'Go net/http',
    script: GO_PEER_SOURCE,
    nodeArgs: [],
    executable: binary,
    env: { FS_ROOT: os.tmpdir() },
    eventsPerTrigger: 2,
  };
}
