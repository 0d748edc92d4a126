import type { IncomingMessage } from 'node:http';

/** Reads a `POST /api/sessions` body and returns its `command`, `['true']` when absent or unreadable. */
export async function readCommand(req: IncomingMessage): Promise<string[]> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  try {
    const parsed = JSON.parse(body) as { command?: unknown };
    if (Array.isArray(parsed.command) && parsed.command.every((item) => typeof item === 'string')) {
      return parsed.command as string[];
    }
  } catch {
    // Any body triggers an event; the bench only sends valid ones.
  }
  return ['true'];
}
