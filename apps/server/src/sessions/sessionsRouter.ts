import type { SessionListResponse } from '@sessionboard/protocol';
import { isLiveStatus } from '@sessionboard/protocol';
import type { SseBroker } from '@sessionboard/sse-broker';
import { Router } from 'express';
import { HttpError } from '../http/HttpError.ts';
import type { SessionManager } from './SessionManager.ts';
import { parseCreateSession } from './parseCreateSession.ts';
import { parseKillSignal } from './parseKillSignal.ts';
import { resolveDirectory } from '../fs/resolveDirectory.ts';

export interface SessionsRouterDeps {
  manager: SessionManager;
  broker: SseBroker;
  fsRoot: string;
}

/** `/sessions` routes of the API: list, start, show, stop or remove. */
export function sessionsRouter({ manager, broker, fsRoot }: SessionsRouterDeps): Router {
  const router = Router();
  const notFound = (id: string) => new HttpError(404, 'not_found', `No session has the id ${JSON.stringify(id)}.`);

  router.get('/', (_req, res) => {
    // Both read in the same tick: every change is published synchronously, so the list is
    // exactly the state after event `lastEventId`.
    const body: SessionListResponse = { sessions: manager.list(), lastEventId: broker.lastEventId };
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
    const session = await manager.create({ command: request.command, name: request.name, cwd });
    res.status(201).location(`${req.baseUrl}/${encodeURIComponent(session.id)}`).json(session);
  });

  router.get('/:id', (req, res) => {
    const session = manager.get(req.params.id);
    if (!session) throw notFound(req.params.id);
    res.json(session);
  });

  router.delete('/:id', (req, res) => {
    const signal = parseKillSignal(req.query.signal);
    const session = manager.get(req.params.id);
    if (!session) throw notFound(req.params.id);
    if (isLiveStatus(session.status)) {
      res.status(202).json(signal === 'SIGKILL' ? manager.killNow(session.id) : manager.terminate(session.id));
      return;
    }
    manager.remove(session.id);
    res.status(204).end();
  });

  return router;
}
