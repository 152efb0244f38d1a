/**
 * JSON bodies only: a bounded size, `application/json` (or `+json`) in UTF-8,
 * anything else answered with 415 before a byte is parsed.
 */
import express, { RequestHandler } from 'express';
import { AppError } from '../errors';

export function jsonBody(limitBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type)) return next();
    next(
      new AppError(
        'unsupported_media_type',
        type
          ? `The request body must be application/json, not ${type.slice(0, 100)}.`
          : 'The request body must be application/json; no Content-Type was sent.',
      ),
    );
  };
  const parse = express.json({ limit: limitBytes, strict: false, type: () => true });
  return [requireJson, parse];
}
