/**
 * idempotency_keys: one row per (owner, Idempotency-Key) a POST /timers was sent
 * with, naming the timer it created and a SHA-256 of its body.
 *
 * The primary key is what makes creation idempotent under concurrency: of N
 * requests racing with the same key, one INSERT wins and the others fail on the
 * key (InnoDB makes them wait for the winner's commit first), then read the
 * winner's row. Scoped by owner (the API key's id), so two clients cannot collide.
 * A key is honoured for 24 hours from created_at; after that a request may take it
 * over, and the controller's cleanup deletes expired rows (created_at index).
 *
 * Keys are printable ASCII (checked by the api), so ascii_bin: byte-exact, and the
 * key is 64 + 255 bytes, well inside InnoDB's index limit.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261122000600_create_idempotency_keys';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') return upSqlite(knex);
  await knex.raw(`
    CREATE TABLE idempotency_keys (
      owner VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      idem_key VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      request_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      timer_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      created_at DATETIME(3) NOT NULL,
      PRIMARY KEY (owner, idem_key),
      KEY idempotency_keys_created_at (created_at)
    ) ENGINE = InnoDB
  `);
}

async function upSqlite(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE idempotency_keys (
      owner TEXT NOT NULL CHECK (length(owner) <= 64),
      idem_key TEXT NOT NULL CHECK (length(idem_key) <= 255),
      request_hash TEXT NOT NULL CHECK (length(request_hash) = 64),
      timer_id TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (owner, idem_key)
    ) STRICT
  `);
  await knex.raw('CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE idempotency_keys');
}
