/**
 * The campaign's own database on the chosen server, with the schema applied, and
 * the campaign's direct connection to it: the services go through the proxy, the
 * campaign never does, so it can look at the rows while the services are cut off.
 */
import { randomBytes } from 'node:crypto';
import { createDb, Db, ensureDatabase, loadConfig, migrateToLatest } from '@timer/shared';
import type { DatabaseServer } from './mariadb';

export interface CampaignDatabase {
  db: Db;
  /** DATABASE_URL for the services, through a proxy on `port`. */
  urlVia(port: number): string;
  drop(): Promise<void>;
}

function urlFor(server: DatabaseServer, port: number, name: string): string {
  const url = new URL(`mysql://127.0.0.1:${port}/${name}`);
  url.hostname = port === server.port ? server.host : '127.0.0.1';
  url.username = encodeURIComponent(server.user);
  url.password = encodeURIComponent(server.password);
  return url.href;
}

export async function createCampaignDatabase(server: DatabaseServer): Promise<CampaignDatabase> {
  const name = `timers_chaos_${randomBytes(4).toString('hex')}`;
  const config = loadConfig({ DATABASE_URL: urlFor(server, server.port, name), DB_POOL_SIZE: '4' });
  await ensureDatabase(config.database, config.dbConnectTimeoutMs);
  const db = createDb(config);
  await migrateToLatest(db);
  return {
    db,
    urlVia: (port) => urlFor(server, port, name),
    async drop() {
      await db.raw(`DROP DATABASE IF EXISTS \`${name}\``).catch(() => undefined);
      await db.destroy();
    },
  };
}

/** Runs a query on the direct connection until it succeeds: the private server may be restarting. */
export async function persistently<T>(query: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await query();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Rows as mysql2 returns them from knex.raw. */
export async function rows<T>(db: Db, sql: string, bindings: unknown[] = []): Promise<T[]> {
  const [result] = await db.raw(sql, bindings as never[]);
  return result as T[];
}
