/**
 * Headers every answer of both services carries: `X-Content-Type-Options:
 * nosniff`, so a browser never reads a JSON error or a metrics page as HTML or
 * script. Pages made to be looked at (Swagger UI at /docs) must not be framed by
 * another site either (clickjacking): `X-Frame-Options: DENY` for old browsers
 * and CSP `frame-ancestors 'none'` for the rest. The dashboard (/ui) sets its own
 * stricter policy.
 */
import type { RequestHandler } from 'express';

export function securityHeaders(isPage: (path: string) => boolean = () => false): RequestHandler {
  return (req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (isPage(req.path)) res.set({ 'X-Frame-Options': 'DENY', 'Content-Security-Policy': "frame-ancestors 'none'" });
    next();
  };
}
