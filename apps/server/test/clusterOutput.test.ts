import type { OutputChunk, OutputEndEvent, SessionOutputResponse } from '@sessionboard/protocol';
import { sessionOutputPath, sessionOutputStreamPath } from '@sessionboard/protocol';
import { describe, expect, it } from 'vitest';
import { eventually, sessionOn } from './clusterHelpers.ts';
import { openStream, send, sendJson, waitFor, type Frame, type RawStream, type TestServer } from './helpers.ts';
import { runMain } from './runMain.ts';
import { useRedisCluster } from './useRedisCluster.ts';

const cluster = useRedisCluster();
const { create } = cluster;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const urlOf = (server: TestServer | string) => (typeof server === 'string' ? server : server.url);

function follow(server: TestServer | string, id: string, headers: Record<string, string> = {}): Promise<RawStream> {
  return openStream(`${urlOf(server)}${sessionOutputStreamPath(id)}`, headers);
}

async function poll(server: TestServer | string, id: string, after = 0): Promise<SessionOutputResponse> {
  const reply = await sendJson<SessionOutputResponse>(`${urlOf(server)}${sessionOutputPath(id)}?after=${after}`, 'GET');
  expect(reply.status).toBe(200);
  return reply.body;
}

/** The stream's frames once it has ended: `output`, `truncated` and `end`. */
async function toEnd(stream: RawStream, timeoutMs = 15_000): Promise<Frame[]> {
  await stream.next((frame) => frame.event === 'end', { timeoutMs });
  await stream.ended;
  return stream.frames.filter((frame) => frame.event !== undefined && frame.event !== 'ping');
}

const chunksOf = (frames: readonly Frame[]) => frames.filter((frame) => frame.event === 'output').map((frame) => JSON.parse(frame.data ?? '') as OutputChunk);
const endOf = (frames: readonly Frame[]) => JSON.parse(frames.find((frame) => frame.event === 'end')?.data ?? 'null') as OutputEndEvent;
const textOf = (chunks: readonly OutputChunk[], stream?: OutputChunk['stream']) =>
  chunks
    .filter((chunk) => stream === undefined || chunk.stream === stream)
    .map((chunk) => chunk.text)
    .join('');

/** Every chunk's offset is the bytes of all the text before it and its own, counted from `from`. */
function expectContiguous(chunks: readonly OutputChunk[], from = 0): void {
  let offset = from;
  for (const chunk of chunks) {
    offset += Buffer.byteLength(chunk.text);
    expect(chunk.offset).toBe(offset);
  }
}

/** Polls the whole output kept, from `after`, until it has ended. */
async function pollAll(server: TestServer | string, id: string): Promise<{ chunks: OutputChunk[]; from: number; offset: number }> {
  const chunks: OutputChunk[] = [];
  let after = 0;
  let from = -1;
  for (;;) {
    const reply = await poll(server, id, after);
    if (from < 0) from = reply.from;
    chunks.push(...reply.chunks);
    after = reply.offset;
    if (reply.ended) return { chunks, from, offset: after };
    if (reply.chunks.length === 0) await sleep(100);
  }
}

/** Prints lines on stdout and stderr by turns, with a little UTF-8, over about a second. */
const CHATTY = ['sh', '-c', 'for i in $(seq 1 30); do echo "line $i é"; echo "err $i" >&2; sleep 0.03; done'];

describe('output of a session on another instance', () => {
  it('is followed there live with the chunks, offsets and end its own instance sends', async () => {
    const a = await cluster.start('a:1');
    const b = await cluster.start('b:1');
    const session = await create(a, CHATTY);

    const [onA, onB] = await Promise.all([follow(a, session.id), follow(b, session.id)]);
    const [framesA, framesB] = await Promise.all([toEnd(onA), toEnd(onB)]);
    const [chunksA, chunksB] = [chunksOf(framesA), chunksOf(framesB)];

    expect(onB.status).toBe(200);
    expect(chunksB.length).toBeGreaterThan(1);
    expectContiguous(chunksA);
    expectContiguous(chunksB);
    expect(textOf(chunksB, 'stdout')).toBe(textOf(chunksA, 'stdout'));
    expect(textOf(chunksB, 'stderr')).toBe(textOf(chunksA, 'stderr'));
    expect(textOf(chunksB, 'stdout')).toContain('line 30 é\n');
    const [endA, endB] = [endOf(framesA), endOf(framesB)];
    expect(endB.offset).toBe(endA.offset);
    expect(endB.session).toMatchObject({ id: session.id, status: 'exited', exitCode: 0, instance: 'a:1' });
    expect(framesB.filter((frame) => frame.event === 'truncated')).toEqual([]);
  });

  it('is polled there with answers identical to its own instance\'s, at any offset', async () => {
    const a = await cluster.start('a:1');
    const b = await cluster.start('b:1');
    const session = await create(a, CHATTY);
    const whole = await pollAll(b, session.id);

    for (const after of [0, 1, 17, 200, whole.offset - 5, whole.offset]) {
      expect(await poll(b, session.id, after)).toEqual(await poll(a, session.id, after));
    }
    expect(whole.offset).toBe((await poll(a, session.id, 0)).offset);
    expect(textOf(whole.chunks)).toBe(textOf((await pollAll(a, session.id)).chunks));
  });

  it('resumes on one instance from the last offset another one sent, with exactly the rest', async () => {
    const a = await cluster.start('a:1');
    const b = await cluster.start('b:1');
    const session = await create(a, CHATTY);

    const first = await follow(a, session.id);
    await first.next((frame) => frame.event === 'output' && (frame.data ?? '').includes('line 5 '), { timeoutMs: 10_000 });
    first.close();
    const before = chunksOf(first.frames);
    const lastId = first.frames.filter((frame) => frame.event === 'output').at(-1)?.id ?? '';
    const rest = chunksOf(await toEnd(await follow(b, session.id, { 'Last-Event-ID': lastId })));
    const whole = await pollAll(a, session.id);

    expect(Number(lastId)).toBe(before.at(-1)?.offset);
    expectContiguous([...before, ...rest]);
    expect(textOf([...before, ...rest])).toBe(textOf(whole.chunks));
  });

  it('keeps the same window there: the same oldest byte and truncated first when older output was dropped', async () => {
    const env = { SESSIONS_OUTPUT_BYTES: '4096' };
    const a = await cluster.start('a:1', env);
    const b = await cluster.start('b:1', env);
    const session = await create(a, ['seq', '1', '4000']);
    await sessionOn(b, session.id, (s) => s.status === 'exited');

    const onA = await pollAll(a, session.id);
    // The copy's last piece may come a slot after the exit that the list shows.
    const first = await poll(a, session.id, 0);
    await eventually(async () => (JSON.stringify(await poll(b, session.id, 0)) === JSON.stringify(first) ? true : undefined));
    const onB = await pollAll(b, session.id);
    const frames = await toEnd(await follow(b, session.id));

    expect(onA.from).toBeGreaterThan(0);
    expect(onB).toEqual(onA);
    expect(frames[0]).toMatchObject({ event: 'truncated', data: `{"type":"truncated","from":${onA.from}}` });
    expect(textOf(chunksOf(frames))).toBe(textOf(onA.chunks));
    expect(textOf(onA.chunks).endsWith('3999\n4000\n')).toBe(true);
  });

  it('answers 404 there once the session is removed, and its copy in Redis is gone', async () => {
    const a = await cluster.start('a:1');
    const b = await cluster.start('b:1');
    const session = await create(a, ['echo', 'short']);
    await sessionOn(b, session.id, (s) => s.status === 'exited');
    expect(textOf((await pollAll(b, session.id)).chunks)).toBe('short\n');
    expect(await cluster.redis.command('EXISTS', `sessionboard:out:${session.id}`)).toBe(':1\r\n');

    expect((await send(`${b.url}/api/sessions/${session.id}`, { method: 'DELETE' })).status).toBe(204);

    expect((await send(`${b.url}${sessionOutputPath(session.id)}`)).status).toBe(404);
    expect((await send(`${a.url}${sessionOutputStreamPath(session.id)}`)).status).toBe(404);
    expect(await cluster.redis.command('EXISTS', `sessionboard:out:${session.id}`)).toBe(':0\r\n');
    // Removed from another instance, it is gone from its own instance's output store too.
    await waitFor(() => (a.output.source(session.id) === undefined ? true : undefined));
  });
});

describe('output of a session whose instance shuts down gracefully', () => {
  it('is complete elsewhere: the last output and end with the session as its instance ended it', async () => {
    const a = await cluster.start('a:1');
    const b = await cluster.start('b:1');
    const session = await create(a, ['sh', '-c', "trap 'echo bye; exit 3' TERM; echo hello; while :; do sleep 0.1; done"]);
    const follower = await follow(b, session.id);
    await follower.next((frame) => (frame.data ?? '').includes('hello'), { timeoutMs: 10_000 });

    await a.close();
    const frames = await toEnd(follower);

    const chunks = chunksOf(frames);
    const bytes = Buffer.byteLength(textOf(chunks));

    // The shell may also say on stderr that its sleep was terminated.
    expect(textOf(chunks, 'stdout')).toBe('hello\nbye\n');
    expect(endOf(frames)).toMatchObject({ offset: bytes, session: { id: session.id, status: 'exited', exitCode: 3, instance: 'a:1' } });
    const polled = await poll(b, session.id);
    expect(polled).toMatchObject({ offset: bytes, from: 0, ended: true });
    expect(textOf(polled.chunks)).toBe(textOf(chunks));
  });
});

describe('output across the cluster when Redis fails', () => {
  it('is carried into Redis again when Redis comes back empty, for instances that start later', async () => {
    const a = await cluster.start('a:1');
    const session = await create(a, ['sh', '-c', 'echo one; sleep 60']);
    await eventually(async () => ((await cluster.redis.command('EXISTS', `sessionboard:out:${session.id}`)) === ':1\r\n' ? true : undefined));

    await cluster.redis.restart({ keepData: false });
    const c = await cluster.start('c:1');

    const read = await eventually(async () => {
      const reply = await send(`${c.url}${sessionOutputPath(session.id)}`);
      return reply.status === 200 && reply.text.includes('one') ? (JSON.parse(reply.text) as SessionOutputResponse) : undefined;
    }, 15_000);
    expect(read).toEqual({ chunks: [{ stream: 'stdout', text: 'one\n', offset: 4 }], offset: 4, from: 0, ended: false });
  });

  it('answers 503 unavailable with Retry-After for another instance\'s output while Redis does not answer', async () => {
    const a = await cluster.start('a:1');
    const b = await cluster.start('b:1');
    const session = await create(a, ['sh', '-c', 'echo one; sleep 60']);
    await sessionOn(b, session.id, (s) => s.status === 'running');

    cluster.redis.pause();
    const reply = await send(`${b.url}${sessionOutputPath(session.id)}`);
    cluster.redis.resume();

    expect(reply.status).toBe(503);
    expect(JSON.parse(reply.text)).toMatchObject({ error: { code: 'unavailable' } });
    expect(Number(reply.headers['retry-after'])).toBeGreaterThan(0);
    expect(await eventually(async () => {
      const again = await send(`${b.url}${sessionOutputPath(session.id)}`);
      return again.status === 200 ? (JSON.parse(again.text) as SessionOutputResponse).chunks : undefined;
    })).toEqual([{ stream: 'stdout', text: 'one\n', offset: 4 }]);
  });
});

describe('output of a session whose instance is killed with SIGKILL', () => {
  it('stays readable elsewhere up to its last piece, and a follower there gets end with the session lost', async () => {
    const ttlMs = 2000;
    const owner = await runMain({ REDIS_URL: cluster.redis.url, INSTANCE_NAME: 'a:1', INSTANCE_TTL_MS: String(ttlMs), LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '100000' });
    const ownerUrl = await waitFor(() => /"url":"(http:\/\/[^"]+)"/.exec(owner.output())?.[1], 20_000, owner.output);
    const b = await cluster.start('b:1', { INSTANCE_TTL_MS: String(ttlMs) });
    const session = await create(ownerUrl, ['sh', '-c', 'echo before; sleep 60']);
    const follower = await follow(b, session.id);
    await follower.next((frame) => frame.event === 'output', { timeoutMs: 10_000 });

    owner.child.kill('SIGKILL');
    const killedAt = Date.now();
    const frames = await toEnd(follower, ttlMs + 10_000);
    const endedAfterMs = Date.now() - killedAt;
    console.log(`kill -9 to end (lost) on a follower on another instance: ${endedAfterMs} ms with INSTANCE_TTL_MS=${ttlMs}`);

    expect(textOf(chunksOf(frames))).toBe('before\n');
    expect(endOf(frames)).toMatchObject({ type: 'end', offset: 7, session: { id: session.id, status: 'lost', instance: 'a:1' } });
    expect(endedAfterMs).toBeLessThan(ttlMs + 6000);
    expect(await poll(b, session.id)).toEqual({ chunks: [{ stream: 'stdout', text: 'before\n', offset: 7 }], offset: 7, from: 0, ended: true });
  });
});

describe('a remote follower of a process printing as fast as it can (yes)', () => {
  it('costs Redis at most the window kept and the carry rate, and stays live with truncated', async () => {
    const env = { SESSIONS_OUTPUT_BYTES: String(256 * 1024) };
    const a = await cluster.start('a:1', env);
    const b = await cluster.start('b:1', env);
    const session = await create(a, ['yes']);
    const startedAt = Date.now();
    const followers = await Promise.all([follow(b, session.id), follow(b, session.id)]);
    const copyBytes: number[] = [];
    for (let i = 0; i < 6; i++) {
      await sleep(500);
      const usage = /^:(\d+)/.exec(await cluster.redis.command('MEMORY', 'USAGE', `sessionboard:out:${session.id}`, 'SAMPLES', '0'))?.[1];
      copyBytes.push(Number(usage ?? 0));
    }
    const elapsedS = (Date.now() - startedAt) / 1000;
    const stats = await clusterOutputStats(a);
    const produced = a.output.source(session.id)?.end ?? 0;
    const sessions = await openStream(`${b.url}/api/sse/sessions`);
    await sessions.next((frame) => frame.event === 'snapshot');
    const sentAt = Date.now();
    const quiet = await create(a, ['true']);
    await sessions.next((frame) => frame.event === 'session_created' && (frame.data ?? '').includes(quiet.id), { timeoutMs: 5000 });
    const createdAfterMs = Date.now() - sentAt;
    for (const follower of followers) follower.close();
    console.log(
      `remote yes flood, ${elapsedS.toFixed(1)} s: ${(produced / 2 ** 20).toFixed(1)} MiB printed, ${(stats.carried / 2 ** 20).toFixed(2)} MiB carried into Redis, copy at most ${(Math.max(...copyBytes) / 1024).toFixed(0)} KiB in Redis`,
    );

    // The window and the entries' overhead; one piece may be on its way in, at most the window.
    expect(Math.max(...copyBytes)).toBeLessThanOrEqual(2 * 256 * 1024 + 64 * 1024);
    // A burst of the window, then 1 MiB/s.
    expect(stats.carried).toBeLessThanOrEqual(256 * 1024 + elapsedS * 1024 * 1024 + 64 * 1024);
    expect(stats.carried).toBeGreaterThan(0);
    expect(produced).toBeGreaterThan(stats.carried * 4);
    for (const follower of followers) {
      const outputs = chunksOf(follower.frames);
      expect(outputs.length).toBeGreaterThanOrEqual(3);
      // 20 a second at most, far fewer while behind.
      expect(outputs.length).toBeLessThanOrEqual(20 * elapsedS + 5);
      expect(follower.frames.some((frame) => frame.event === 'truncated')).toBe(true);
      // A piece carried after a gap may start between a "y" and its newline.
      for (const chunk of outputs) expect(chunk.text).toMatch(/^\n?(y\n)*y?$/);
    }
    expect(createdAfterMs).toBeLessThan(1500);
  });
});

/** `output_cluster_carried_bytes_total` of `server`, from its metrics. */
async function clusterOutputStats(server: TestServer): Promise<{ carried: number }> {
  const text = (await send(`${server.url}/metrics`)).text;
  return { carried: Number(/^output_cluster_carried_bytes_total (\d+)/m.exec(text)?.[1] ?? Number.NaN) };
}
