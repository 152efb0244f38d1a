/** Ids and list cursors, the same for timers and schedules: UUIDv7s, and the last id (or lease token) of a page. */
import { AppError } from '../errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The id in lower case, or null when it cannot be an id (answered as not found). */
export function normalizeId(raw: string): string | null {
  const id = raw.toLowerCase();
  return UUID.test(id) ? id : null;
}

export function encodeCursor(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

/** The id a list cursor carries; a cursor this api did not make is a 400. */
export function decodeCursor(cursor: string): string {
  const id = normalizeId(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!id) throw badCursor();
  return id;
}

/** The lease token an attempts cursor carries. */
export function decodeTokenCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[1-9]\d{0,15}$/.test(text)) throw badCursor();
  return Number(text);
}

function badCursor(): AppError {
  return new AppError('validation_failed', 'Invalid query: cursor is not one this api returned', [
    { path: 'cursor', message: 'cursor is not one this api returned' },
  ]);
}
