/**
 * The api_keys table: insert (a new key's digest), list, revoke, mark used, and
 * load every key for the api's cache (domain/keyRing.ts). Keys are few (one or a
 * few per team), so the api reloads them whole every second rather than asking
 * per request. No locks beyond each statement's own rows.
 */
import type { Knex } from 'knex';
import { DbTime, dialectOf } from '../../db/dialect';
import { select, write } from '../../db/query';
import type { ApiKeyRecord, Scope } from '../types';

const COLUMNS = 'id, digest, tenant, scope, created_at, last_used_at, revoked_at';

interface ApiKeyRow {
  id: string;
  digest: string;
  tenant: string;
  scope: Scope;
  created_at: DbTime;
  last_used_at: DbTime | null;
  revoked_at: DbTime | null;
}

export async function insertApiKey(
  db: Knex | Knex.Transaction,
  timeoutMs: number,
  key: { id: string; digest: string; tenant: string; scope: Scope },
): Promise<void> {
  const d = dialectOf(db);
  await write(
    db,
    timeoutMs,
    `INSERT INTO api_keys (id, digest, tenant, scope, created_at) VALUES (?, ?, ?, ?, ${d.now})`,
    [key.id, key.digest, key.tenant, key.scope],
  );
}

/** Every key, newest first; with `tenant`, that tenant's only. */
export async function listApiKeys(db: Knex, timeoutMs: number, tenant?: string): Promise<ApiKeyRecord[]> {
  const d = dialectOf(db);
  const rows = await select<ApiKeyRow>(
    db,
    timeoutMs,
    `SELECT ${COLUMNS} FROM api_keys ${tenant === undefined ? '' : 'WHERE tenant = ?'} ORDER BY created_at DESC, id`,
    tenant === undefined ? [] : [tenant],
  );
  const time = (v: DbTime | null) => (v === null ? null : d.date(v));
  return rows.map((r) => ({
    id: r.id,
    digest: r.digest,
    tenant: r.tenant,
    scope: r.scope,
    createdAt: d.date(r.created_at),
    lastUsedAt: time(r.last_used_at),
    revokedAt: time(r.revoked_at),
  }));
}

/** Revokes the key (once: a second revoke keeps the first time); false when no key has this id. */
export async function revokeApiKey(db: Knex, timeoutMs: number, id: string): Promise<boolean> {
  const d = dialectOf(db);
  await write(db, timeoutMs, `UPDATE api_keys SET revoked_at = ${d.now} WHERE id = ? AND revoked_at IS NULL`, [id]);
  const [row] = await select<{ id: string }>(db, timeoutMs, 'SELECT id FROM api_keys WHERE id = ?', [id]);
  return row !== undefined;
}

/** Sets last_used_at to now on these keys: the api batches the keys it saw since its last reload. */
export async function touchApiKeys(db: Knex, timeoutMs: number, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const d = dialectOf(db);
  await write(
    db,
    timeoutMs,
    `UPDATE api_keys SET last_used_at = ${d.now} WHERE id IN (${ids.map(() => '?').join(', ')})`,
    ids,
  );
}
