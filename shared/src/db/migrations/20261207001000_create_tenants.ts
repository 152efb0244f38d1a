/**
 * tenants: the teams that share one fleet. Every timer, schedule and API key
 * belongs to one. A row holds what is set per tenant: its webhook signing
 * secret(s) (NULL: the service's WEBHOOK_SECRET), and its quotas (NULL: the
 * service's defaults, MAX_PENDING_PER_KEY and CREATES_PER_SECOND).
 *
 * The `default` tenant is created here: it owns every timer and schedule made
 * before tenants existed, and the keys of API_KEYS act in it, so an upgrade
 * neither breaks a deployment nor gives any key new powers.
 *
 * Names are lower-case ASCII (checked by the api and the keys CLI), so ascii_bin.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207001000_create_tenants';

export async function up(knex: Knex): Promise<void> {
  const sqlite = dialectOf(knex).name === 'sqlite';
  await knex.raw(
    sqlite
      ? `CREATE TABLE tenants (
           name TEXT PRIMARY KEY CHECK (length(name) <= 64),
           signing_secrets TEXT NULL,
           max_pending INTEGER NULL,
           creates_per_second INTEGER NULL,
           created_at INTEGER NOT NULL,
           updated_at INTEGER NOT NULL
         ) STRICT`
      : `CREATE TABLE tenants (
           name VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
           signing_secrets TEXT CHARACTER SET ascii COLLATE ascii_bin NULL,
           max_pending INT NULL,
           creates_per_second INT NULL,
           created_at DATETIME(3) NOT NULL,
           updated_at DATETIME(3) NOT NULL
         ) ENGINE = InnoDB`,
  );
  const now = dialectOf(knex).now;
  await knex.raw(`INSERT INTO tenants (name, created_at, updated_at) VALUES ('default', ${now}, ${now})`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE tenants');
}
