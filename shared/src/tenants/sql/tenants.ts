/**
 * The tenants table: made on first use (a key created for a new tenant), read by
 * the api (quotas) and the controllers (signing secrets), changed by the keys
 * CLI and the admin endpoints. Each statement touches one row.
 */
import type { Knex } from 'knex';
import { DbTime, dialectOf } from '../../db/dialect';
import { select, write } from '../../db/query';
import type { TenantLimits, TenantRecord } from '../types';

interface TenantRow {
  name: string;
  signing_secrets: string | null;
  max_pending: number | null;
  creates_per_second: number | null;
  created_at: DbTime;
  updated_at: DbTime;
}

const COLUMNS = 'name, signing_secrets, max_pending, creates_per_second, created_at, updated_at';

/** Creates the tenant if it does not exist yet. */
export async function ensureTenant(db: Knex | Knex.Transaction, timeoutMs: number, name: string): Promise<void> {
  const d = dialectOf(db);
  await write(
    db,
    timeoutMs,
    `INSERT INTO tenants (name, created_at, updated_at) VALUES (?, ${d.now}, ${d.now}) ${d.onConflictIgnore('name')}`,
    [name],
  );
}

export async function listTenants(db: Knex, timeoutMs: number, name?: string): Promise<TenantRecord[]> {
  const d = dialectOf(db);
  const rows = await select<TenantRow>(
    db,
    timeoutMs,
    `SELECT ${COLUMNS} FROM tenants ${name === undefined ? '' : 'WHERE name = ?'} ORDER BY name`,
    name === undefined ? [] : [name],
  );
  return rows.map((r) => ({
    name: r.name,
    signingSecrets: r.signing_secrets,
    maxPending: r.max_pending === null ? null : Number(r.max_pending),
    createsPerSecond: r.creates_per_second === null ? null : Number(r.creates_per_second),
    createdAt: d.date(r.created_at),
    updatedAt: d.date(r.updated_at),
  }));
}

/** Sets the limits given (null: back to the service's default; absent: unchanged); false: no such tenant. */
export async function setTenantLimits(
  db: Knex,
  timeoutMs: number,
  name: string,
  limits: TenantLimits,
): Promise<boolean> {
  const d = dialectOf(db);
  const sets: string[] = [];
  const bindings: unknown[] = [];
  if (limits.maxPending !== undefined) {
    sets.push('max_pending = ?');
    bindings.push(limits.maxPending);
  }
  if (limits.createsPerSecond !== undefined) {
    sets.push('creates_per_second = ?');
    bindings.push(limits.createsPerSecond);
  }
  const changed = await write(
    db,
    timeoutMs,
    `UPDATE tenants SET ${[...sets, `updated_at = ${d.now}`].join(', ')} WHERE name = ?`,
    [...bindings, name],
  );
  return changed > 0;
}

/** Replaces the tenant's sealed signing secrets (null: back to WEBHOOK_SECRET); false: no such tenant. */
export async function setSigningSecrets(
  db: Knex,
  timeoutMs: number,
  name: string,
  sealed: string | null,
): Promise<boolean> {
  const d = dialectOf(db);
  const changed = await write(
    db,
    timeoutMs,
    `UPDATE tenants SET signing_secrets = ?, updated_at = ${d.now} WHERE name = ?`,
    [sealed, name],
  );
  return changed > 0;
}
