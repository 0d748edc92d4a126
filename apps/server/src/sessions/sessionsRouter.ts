import type { SessionListResponse } from '@sessionboard/protocol';
import { Router } from 'express';
import { HttpError } from '../http/HttpError.ts';
import { parseCreateSession } from './parseCreateSession.ts';
import { parseKillSignal } from './parseKillSignal.ts';
import type { SessionStore } from './SessionStore.ts';
import { resolveDirectory } from '../fs/resolveDirectory.ts';

export interface SessionsRouterDeps {
  /** This server's sessions, or the cluster's. */
  store: SessionStore;
  fsRoot: string;
}

/** `/sessions` routes of the API: list, start, show, stop or remove. */
export function sessionsRouter({ store, fsRoot }: SessionsRouterDeps): Router {
  const router = Router();
  const notFound = (id: string) => new HttpError(404, 'not_found', `No session has the id ${JSON.stringify(id)}.`);

  router.get('/', async (_req, res) => {
    const body: SessionListResponse = await store.list();
    res.json(body);
  });

  router.post('/', async (req, res) => {
    const request = parseCreateSession(req.body);
    let cwd: string | undefined;
    if (request.cwd !== undefined) {
      const check = await resolveDirectory(fsRoot, request.cwd);
      if (!check.ok) {
        throw new HttpError(400, 'invalid_cwd', `cwd must be an existing absolute directory inside ${fsRoot}.`, {
          cwd: request.cwd,
          problem: check.problem,
        });
      }
      cwd = check.path;
    }
    const session = await store.create({ command: request.command, name: request.name, cwd });
    res.status(201).location(`${req.baseUrl}/${encodeURIComponent(session.id)}`).json(session);
  });

  router.get('/:id', async (req, res) => {
    const session = await store.get(req.params.id);
    if (!session) throw notFound(req.params.id);
    res.json(session);
  });

  router.delete('/:id', async (req, res) => {
    const outcome = await store.delete(req.params.id, parseKillSignal(req.query.signal));
    if (outcome.type === 'not_found') throw notFound(req.params.id);
    if (outcome.type === 'stopping') {
      res.status(202).json(outcome.session);
      return;
    }
    res.status(204).end();
  });

  return router;
}
