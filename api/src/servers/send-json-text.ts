import type { Context } from 'koa';

/**
 * Answers with JSON that PostgreSQL already built, as is: no parse and re-serialise in Node.
 * Route handlers call it and return `undefined`.
 */
export function sendJsonText(ctx: Context, text: string, status = 200): undefined {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = text;
  return undefined;
}
