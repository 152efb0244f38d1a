/**
 * api_keys: the keys made with `npm run keys -- create` or POST /admin/keys.
 * Only the key's SHA-256 is kept (a key is 32 random bytes: no dictionary to
 * try, so a plain digest is enough); the key itself is shown once, at creation.
 * `id` is `key_<16 hex of the digest>`, the name logs and the CLI use.
 * A revoked key keeps its row (revoked_at set): the list shows it, and the api
 * never falls back to being open because every key was revoked.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207001100_create_api_keys';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw(`
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY CHECK (length(id) <= 32),
        digest TEXT NOT NULL UNIQUE CHECK (length(digest) = 64),
        tenant TEXT NOT NULL CHECK (length(tenant) <= 64),
        scope TEXT NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
        created_at INTEGER NOT NULL,
        last_used_at INTEGER NULL,
        revoked_at INTEGER NULL
      ) STRICT
    `);
    return;
  }
  await knex.raw(`
    CREATE TABLE api_keys (
      id VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
      digest CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      tenant VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      scope ENUM('read', 'write', 'admin') NOT NULL,
      created_at DATETIME(3) NOT NULL,
      last_used_at DATETIME(3) NULL,
      revoked_at DATETIME(3) NULL,
      UNIQUE KEY api_keys_digest (digest)
    ) ENGINE = InnoDB
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE api_keys');
}
