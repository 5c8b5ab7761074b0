import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from 'koa';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sextant</title></head>
<body style="font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto">
<h1>Sextant</h1><p>The API is running, but the web UI has not been built. Build it with
<code>npm run build -w ui</code> and reload. Meanwhile the API reference is at <a href="/api/docs">/api/docs</a>.</p></body></html>`;

/**
 * Serves the built SPA from `dir` for GET/HEAD outside `/api/`: files by their path (only inside
 * `dir`; encoded `..`, NUL and dot-files refused), hashed `assets/` cached for a year, and
 * `index.html` for any other path that looks like a page (SPA fallback). Without a build, `/`
 * answers a short page saying so. The answered function leaves `ctx` alone when it has nothing.
 */
export function createUiServer(dir: string): (ctx: Context) => Promise<void> {
  const root = path.resolve(dir);
  return async (ctx) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return;
    if (ctx.path.startsWith('/api/') || ctx.path === '/api') return;
    let decoded: string;
    try {
      decoded = decodeURIComponent(ctx.path);
    } catch {
      return;
    }
    if (decoded.includes('\0') || decoded.split('/').some((part) => part.startsWith('.'))) return;
    const file = path.join(root, path.normalize(decoded));
    if (file !== root && !file.startsWith(root + path.sep)) return;
    const found = await fileAt(file);
    if (found !== undefined) {
      send(ctx, file, found);
      if (decoded.startsWith('/assets/')) ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
      return;
    }
    // Paths with an extension are missing files, not pages.
    if (path.extname(decoded) !== '') return;
    const index = path.join(root, 'index.html');
    const page = await fileAt(index);
    if (page !== undefined) {
      send(ctx, index, page);
      ctx.set('Cache-Control', 'no-cache');
    } else if (decoded === '/') {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = NOT_BUILT;
    }
  };
}

async function fileAt(file: string): Promise<{ size: number; mtime: Date } | undefined> {
  try {
    const info = await stat(file);
    return info.isFile() ? info : undefined;
  } catch {
    return undefined;
  }
}

function send(ctx: Context, file: string, info: { size: number; mtime: Date }): void {
  ctx.status = 200;
  ctx.type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  ctx.length = info.size;
  ctx.lastModified = info.mtime;
  // For HEAD, Koa sends no body and destroys the unread stream when the response finishes.
  ctx.body = createReadStream(file);
}
