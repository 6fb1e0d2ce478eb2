/**
 * Serves the built console (Vite output in dist/web) from the server, so
 * `npm start` needs no dev server: files by path inside that directory only
 * (no `..`, no symlinks out), the right Content-Type, long caching for the
 * hashed files under assets/, and index.html for every other page path so
 * the single-page router can handle deep links such as /hosts/10.0.0.5.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/** Directory levels searched upwards for dist/web (dist/src/server/console is four below the root). */
const MAX_WEB_DEPTH = 7;
/** Hashed asset names never change content: cache them for a year. */
const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** The built console directory (…/dist/web with an index.html), or undefined when not built. */
export function findWebDir(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < MAX_WEB_DEPTH; i++) {
    const p = path.join(dir, 'dist', 'web');
    if (fs.existsSync(path.join(p, 'index.html'))) return p;
    dir = path.dirname(dir);
  }
  return undefined;
}

export async function staticRoutes(app: FastifyInstance, opts: { root: string | undefined }): Promise<void> {
  const root = opts.root === undefined ? undefined : fs.realpathSync(opts.root);
  app.get('/*', async (req, reply) => {
    if (req.url.startsWith('/api/')) {
      return reply.code(404).send({ error: { code: 'PKT_ERR_SERVER_NOT_FOUND', message: `no route GET ${req.url.split('?')[0]}` } });
    }
    if (root === undefined) {
      return reply.code(503).type('text/plain; charset=utf-8').send('The console is not built: run `npm run build`.\n');
    }
    let urlPath: string;
    try {
      urlPath = decodeURIComponent(req.url.split('?')[0] ?? '/');
    } catch {
      return reply.code(400).type('text/plain; charset=utf-8').send('bad path\n');
    }
    const rel = path.normalize(urlPath).replace(/^([/\\])+/, '');
    let file = path.join(root, rel);
    let real: string | undefined;
    try {
      real = fs.realpathSync(file);
      if (!fs.statSync(real).isFile()) real = undefined;
    } catch {
      real = undefined;
    }
    if (real === undefined || !(real === root || real.startsWith(root + path.sep))) {
      // Unknown asset files are 404; every other path is a page of the app.
      if (rel.startsWith('assets')) return reply.code(404).type('text/plain; charset=utf-8').send('not found\n');
      file = path.join(root, 'index.html');
      real = file;
    }
    const type = TYPES[path.extname(real)] ?? 'application/octet-stream';
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('cache-control', rel.startsWith('assets') ? IMMUTABLE_CACHE : 'no-cache');
    if (type.startsWith('text/html')) {
      void reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
      void reply.header('x-frame-options', 'DENY');
    }
    return reply.type(type).send(fs.createReadStream(real));
  });
}
