import { describe, expect, it } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import { createAppRouter } from './createAppRouter.ts';
import { listLocation, takeListFocus } from './listReturn.ts';

async function routerAt(path: string) {
  const router = createAppRouter(createMemoryHistory());
  await router.push(path);
  await router.isReady();
  return router;
}

describe('listReturn', () => {
  it('leads back to the list with the query it last had', async () => {
    const router = await routerAt('/?status=failed');
    await router.replace('/?status=failed&q=build');
    await router.push('/sessions/a');
    expect(listLocation(router)).toEqual({ name: 'sessions', query: { status: 'failed', q: 'build' } });
  });

  it('leads to the plain list when the page was opened first', async () => {
    const router = await routerAt('/sessions/a');
    expect(listLocation(router)).toEqual({ name: 'sessions', query: {} });
  });

  it('names the session the list was reached from, once, whether by a link or by Back', async () => {
    const router = await routerAt('/');
    await router.push('/sessions/a');
    await router.push(listLocation(router));
    expect(takeListFocus(router)).toBe('a');
    expect(takeListFocus(router)).toBeNull();

    await router.push('/sessions/b');
    router.back();
    await new Promise<void>((resolve) => {
      const stop = router.afterEach(() => {
        stop();
        resolve();
      });
    });
    expect(router.currentRoute.value.path).toBe('/');
    expect(takeListFocus(router)).toBe('b');
  });

  it('names none when the list changes only its query', async () => {
    const router = await routerAt('/');
    await router.push('/sessions/a');
    await router.push('/');
    await router.replace('/?q=x');
    expect(takeListFocus(router)).toBeNull();
  });
});
