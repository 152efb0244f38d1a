/**
 * Applies pending migrations. Every service calls this at start; knex's migration
 * lock table makes concurrent starts of several replicas safe (one migrates, the
 * others wait for the lock and find nothing left to do).
 */
import type { Knex } from 'knex';
import { migrationSource } from './migrations';

export async function migrateToLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

export async function rollbackAll(db: Knex): Promise<void> {
  await db.migrate.rollback({ migrationSource }, true);
}
