/**
 * tenant_creates: how many timers each api process created for each tenant in
 * each second (on the database clock), so a tenant's CREATES_PER_SECOND holds
 * across the fleet. Each process writes only its own rows, a few times a second
 * and only for tenants that created something, and reads the others' sum: no row
 * is written by two processes, so no create waits on another's lock (a counter
 * row per tenant would serialize a tenant's creates through it). Rows older than
 * a minute are deleted by the process that wrote them.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207003000_create_tenant_creates';

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw(`
      CREATE TABLE tenant_creates (
        tenant TEXT NOT NULL CHECK (length(tenant) <= 64),
        second INTEGER NOT NULL,
        api_id TEXT NOT NULL CHECK (length(api_id) <= 64),
        creates INTEGER NOT NULL,
        PRIMARY KEY (tenant, second, api_id)
      ) STRICT
    `);
    return;
  }
  await knex.raw(`
    CREATE TABLE tenant_creates (
      tenant VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      second BIGINT NOT NULL,
      api_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      creates INT NOT NULL,
      PRIMARY KEY (tenant, second, api_id)
    ) ENGINE = InnoDB
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE tenant_creates');
}
