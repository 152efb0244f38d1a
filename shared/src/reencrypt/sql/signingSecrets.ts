/**
 * Tenants' sealed signing secrets, as the re-encryption command reads and
 * rewrites them. There are few tenants: one read of every tenant with secrets.
 *
 * findTenantSecrets()
 *   Every tenant's signing_secrets column (space-separated sealed secrets), no lock.
 *
 * rewriteTenantSecrets(name, before, after)
 *   Writes the column only where it still holds what was read: a secret rotated
 *   meanwhile (keys CLI, admin endpoint) wins and the row counts as changed
 *   meanwhile (false). Locks the one tenant row for the statement.
 */
import type { Knex } from 'knex';
import { select, write } from '../../db/query';

export interface TenantSecretsRow {
  name: string;
  signing_secrets: string;
}

export function findTenantSecrets(db: Knex, timeoutMs: number): Promise<TenantSecretsRow[]> {
  return select<TenantSecretsRow>(
    db,
    timeoutMs,
    'SELECT name, signing_secrets FROM tenants WHERE signing_secrets IS NOT NULL ORDER BY name',
  );
}

export async function rewriteTenantSecrets(
  db: Knex,
  timeoutMs: number,
  name: string,
  before: string,
  after: string,
): Promise<boolean> {
  const changed = await write(
    db,
    timeoutMs,
    'UPDATE tenants SET signing_secrets = ? WHERE name = ? AND signing_secrets = ?',
    [after, name, before],
  );
  return changed === 1;
}
