import type { RequestHandler } from 'express';
import { buildOpenApiDocument } from './openApiDocument.ts';

/** `GET /api/openapi.json`: the OpenAPI document, built once and served as the same bytes every time. */
export function openApiRoute(): RequestHandler {
  const body = JSON.stringify(buildOpenApiDocument());
  return (_req, res) => {
    res.type('application/json').send(body);
  };
}
