import { createMemoryHistory } from 'vue-router';
import type { Router } from 'vue-router';
import { createAppRouter } from '../router/createAppRouter.ts';

/** The app's router on memory history, at `path` and ready. */
export async function testRouter(path = '/'): Promise<Router> {
  const router = createAppRouter(createMemoryHistory());
  await router.push(path);
  await router.isReady();
  return router;
}
