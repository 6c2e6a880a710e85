// A tiny static file server for the browser test: 127.0.0.1 only, a fixed table of files
// (no path walking), a bounded number of requests, and a deadline after which it closes itself.

import { createServer, type Server } from 'node:http';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  json: 'application/json',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Serve `files` (URL path -> contents); stops after `maxRequests` or `lifetimeMs`. */
export function serveFiles(
  files: Record<string, string | Buffer>,
  { maxRequests = 100, lifetimeMs = 60_000 } = {},
): Promise<StaticServer> {
  let served = 0;
  const server: Server = createServer((req, res) => {
    served++;
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const body = files[path === '/' ? '/index.html' : path];
    if (body === undefined || req.method !== 'GET') {
      res.writeHead(404).end();
    } else {
      const ext = path.slice(path.lastIndexOf('.') + 1);
      res.writeHead(200, {
        'Content-Type': TYPES[ext] ?? 'application/octet-stream',
        'Cache-Control': 'no-store',
      });
      res.end(body);
    }
    if (served >= maxRequests) void close();
  });
  const deadline = setTimeout(() => void close(), lifetimeMs);
  deadline.unref();
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((ok) => {
      clearTimeout(deadline);
      server.close(() => ok());
      server.closeAllConnections();
    }));
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      if (!addr || typeof addr === 'string') return fail(new Error('server has no port'));
      ok({ url: `http://127.0.0.1:${addr.port}`, close });
    });
  });
}
