/**
 * The dashboard at /ui: its static files from timer-api/ui (read once, served from
 * memory) and the overview they refresh from, GET /ui/api/overview (the charts'
 * and the fleet's data: dashboardData.ts). The
 * icon is there too, at /favicon.ico, where browsers look for it on every page of
 * the api (/ui and /docs alike) and log a 404 when it is missing.
 *
 * The files hold no data. Like /docs they load without a key, because a browser
 * cannot send an Authorization header when it opens a page; the page asks for the
 * API key, keeps it in sessionStorage (this tab only) and sends it as
 * `Authorization: Bearer` with every request it makes. /ui/api/overview and the
 * api calls behind its buttons are authenticated like every other route.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import type { DashboardService } from '../domain/dashboard';
import { clientOf } from '../http/auth';
import { methodNotAllowed } from '../http/errorHandler';

// timer-api/ui, from src/routes (tests) and dist/routes (production) alike.
const UI_DIR = path.join(__dirname, '..', '..', 'ui');

const ASSETS: Record<string, { file: string; type: string }> = {
  '/ui/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/ui/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/ui/select.js': { file: 'select.js', type: 'text/javascript; charset=utf-8' },
  '/ui/change.js': { file: 'change.js', type: 'text/javascript; charset=utf-8' },
  '/ui/charts.js': { file: 'charts.js', type: 'text/javascript; charset=utf-8' },
  '/ui/fleet.js': { file: 'fleet.js', type: 'text/javascript; charset=utf-8' },
  '/ui/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/favicon.ico': { file: 'favicon.ico', type: 'image/x-icon' },
};

/** The paths that answer without a key: exactly the static files, in exactly this spelling. */
export function isUiAsset(p: string): boolean {
  return p === '/ui' || Object.hasOwn(ASSETS, p);
}

// Only this origin's script, style and requests; no frames, no inline code: the
// page shows webhook URLs and errors that clients wrote, always as text.
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

let files: Map<string, Buffer> | null = null;

function load(): Map<string, Buffer> {
  files ??= new Map(Object.values(ASSETS).map(({ file }) => [file, readFileSync(path.join(UI_DIR, file))]));
  return files;
}

export function dashboardRoutes(service: DashboardService): Router {
  const contents = load();
  const router = Router();

  router
    .route('/ui/api/overview')
    .get(async (_req, res) => {
      res.set('Cache-Control', 'no-store').json(await service.overview(clientOf(res).sees));
    })
    .all(methodNotAllowed(['GET']));

  for (const [route, { file, type }] of Object.entries(ASSETS)) {
    router
      .route(route)
      .get((req, res) => {
        // /ui and /ui/ reach the same route: the page's relative URLs need the slash.
        if (route === '/ui/' && !req.path.endsWith('/')) return res.redirect(301, 'ui/');
        res.set(SECURITY_HEADERS).type(type).send(contents.get(file));
      })
      .all(methodNotAllowed(['GET']));
  }
  return router;
}
