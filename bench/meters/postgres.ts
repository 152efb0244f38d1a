/**
 * PostgreSQL counters: the WAL bytes written, as the distance the WAL insert
 * position moved (pg_current_wal_lsn; exact and immediate, unlike pg_stat_wal,
 * which backends report late). Cluster-wide: every database moves it.
 */
import { Client } from 'pg';
import type { DatabaseMeter } from './database';
import { pidListeningOn } from './proc';

export const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function postgresMeter(): Promise<DatabaseMeter> {
  const client = new Client({ connectionString: POSTGRES_URL });
  await client.connect();
  const url = new URL(POSTGRES_URL);
  return {
    name: 'postgresql',
    // The postmaster: its tree holds every backend and the WAL writer.
    pid: pidListeningOn(Number(url.port || 5432)),
    async counters() {
      const { rows } = await client.query<{ wal: string }>("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn AS wal");
      return { wal_bytes: Number(rows[0].wal) };
    },
    async durability() {
      const { rows } = await client.query<{ name: string; setting: string }>(
        "SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'full_page_writes', 'wal_sync_method', 'server_version')",
      );
      return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
    },
    close: () => client.end(),
  };
}
