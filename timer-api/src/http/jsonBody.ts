/**
 * JSON bodies only: a bounded size, `application/json` (or `+json`) in UTF-8,
 * anything else answered with 415 before a byte is parsed.
 */
import { TextDecoder } from 'node:util';
import express, { RequestHandler } from 'express';
import { AppError } from '../errors';
import { findDuplicateKey } from './duplicateKeys';

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
  const parse = express.json({ limit: limitBytes, strict: false, type: () => true, verify: refuseDuplicateKeys });
  return [requireJson, parse];
}

/**
 * For actions that take nothing but the id (replay, pause, resume): no body, or
 * an empty JSON object (what some clients always send). Anything else is a 400
 * rather than quietly ignored, as every other route refuses what it does not know.
 */
export function noBody(): RequestHandler {
  const [requireJson, parse] = jsonBody(1024);
  return (req, res, next) => {
    if (Number(req.headers['content-length'] ?? 0) === 0 && req.headers['transfer-encoding'] === undefined) {
      return next();
    }
    requireJson(req, res, (typeError?: unknown) => {
      if (typeError) return next(typeError);
      parse(req, res, (parseError?: unknown) => {
        if (parseError) return next(parseError);
        const body: unknown = req.body;
        if (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0) {
          return next();
        }
        next(
          new AppError('validation_failed', 'Invalid request body: this action takes no body (send none, or {}).', [
            { path: 'body', message: 'this action takes no body' },
          ]),
        );
      });
    });
  };
}

/**
 * One decoder per charset, made once: making one per request showed in the api's
 * profile. body-parser's JSON parser takes only the utf-* charsets, so few are made.
 */
const decoders = new Map<string, TextDecoder>();

function decoderFor(encoding: string): TextDecoder {
  let decoder = decoders.get(encoding);
  if (decoder === undefined) {
    decoder = new TextDecoder(encoding);
    decoders.set(encoding, decoder);
  }
  return decoder;
}

/** body-parser calls this with the raw bytes before parsing; a throw becomes the answer. */
function refuseDuplicateKeys(_req: unknown, _res: unknown, raw: Buffer, encoding: string): void {
  let text: string;
  try {
    text = decoderFor(encoding).decode(raw);
  } catch {
    return; // a charset TextDecoder lacks: body-parser decodes (or refuses) it itself
  }
  const key = findDuplicateKey(text);
  if (key !== undefined) {
    throw new AppError(
      'invalid_json',
      `The request body is not valid JSON: the key "${key.slice(0, 100)}" appears twice in one object.`,
    );
  }
}
