/**
 * origins: what a receiver has said about itself, for every timer sent to it
 * (whoever created them). `backoff_until`: a 429/503 with Retry-After asked the
 * fleet to wait until then. `failures`: connection failures and 5xx answers in a
 * row; `open_until`: the circuit breaker is open until then (past: half-open, one
 * probe may go). A row exists only for an origin that has failed or asked to slow
 * down; a healthy origin has none, and nothing reads or writes one for it.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207005400_create_origins';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw(`
      CREATE TABLE origins (
        origin TEXT NOT NULL PRIMARY KEY CHECK (length(origin) <= 255),
        failures INTEGER NOT NULL DEFAULT 0,
        open_until INTEGER NULL,
        backoff_until INTEGER NULL,
        updated_at INTEGER NOT NULL
      ) STRICT
    `);
    return;
  }
  await knex.raw(`
    CREATE TABLE origins (
      origin VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      failures INT UNSIGNED NOT NULL DEFAULT 0,
      open_until DATETIME(3) NULL,
      backoff_until DATETIME(3) NULL,
      updated_at DATETIME(3) NOT NULL,
      PRIMARY KEY (origin)
    ) ENGINE = InnoDB
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE origins');
}
