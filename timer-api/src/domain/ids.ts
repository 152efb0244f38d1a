/** Ids and list cursors, the same for timers and schedules: UUIDv7s, and the last id of a page. */
import { AppError } from '../errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The id in lower case, or null when it cannot be an id (answered as not found). */
export function normalizeId(raw: string): string | null {
  const id = raw.toLowerCase();
  return UUID.test(id) ? id : null;
}

export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const id = normalizeId(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!id) {
    throw new AppError('validation_failed', 'Invalid query: cursor is not one this api returned', [
      { path: 'cursor', message: 'cursor is not one this api returned' },
    ]);
  }
  return id;
}
