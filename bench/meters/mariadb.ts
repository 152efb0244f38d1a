/**
 * MariaDB/MySQL counters from SHOW GLOBAL STATUS: the redo log and data bytes
 * InnoDB wrote (Innodb_os_log_written, Innodb_data_written) and the statements
 * clients sent (Questions and the Com_* counters). They are server-wide: every
 * database on the server moves them.
 *
 * Data pages are flushed from the buffer pool in the background, later than the
 * commits that dirtied them: over a short phase the redo log is the prompt figure,
 * data bytes lag (and include the doublewrite buffer).
 */
import mysql from 'mysql2/promise';
import { parseDatabaseUrl } from '@timer/shared';
import { SERVER_URL } from '../../test/helpers/db';
import type { DatabaseMeter } from './database';
import { pidListeningOn } from './proc';

/** Reported name → the status variables summed into it. */
const COUNTERS: Record<string, string[]> = {
  log_bytes: ['Innodb_os_log_written'],
  data_bytes: ['Innodb_data_written'],
  statements: ['Questions'],
  select: ['Com_select'],
  insert: ['Com_insert', 'Com_insert_select', 'Com_replace'],
  update: ['Com_update', 'Com_update_multi'],
  delete: ['Com_delete', 'Com_delete_multi'],
  begin: ['Com_begin'],
  commit: ['Com_commit'],
};

export async function mariadbMeter(): Promise<DatabaseMeter> {
  const d = parseDatabaseUrl(SERVER_URL);
  if (typeof d === 'string') throw new Error(`TEST_DATABASE_URL ${d}`);
  const conn = await mysql.createConnection({ host: d.host, port: d.port, user: d.user, password: d.password });
  const variables = Object.values(COUNTERS).flat();
  let probes = 0; // our own SHOW statements, counted in Questions
  return {
    name: 'mariadb',
    pid: ['127.0.0.1', 'localhost', '::1'].includes(d.host) ? pidListeningOn(d.port) : undefined,
    async counters() {
      probes += 1;
      const [rows] = await conn.query(
        `SHOW GLOBAL STATUS WHERE Variable_name IN (${variables.map(() => '?').join(', ')})`,
        variables,
      );
      const status = new Map(
        (rows as Array<{ Variable_name: string; Value: string }>).map((r) => [r.Variable_name, Number(r.Value)]),
      );
      const counters: Record<string, number> = {};
      for (const [name, vars] of Object.entries(COUNTERS))
        counters[name] = vars.reduce((n, v) => n + (status.get(v) ?? 0), 0);
      counters.statements -= probes;
      return counters;
    },
    async durability() {
      probes += 1;
      const [rows] = await conn.query(
        'SELECT @@version AS version, @@innodb_flush_log_at_trx_commit AS innodb_flush_log_at_trx_commit, ' +
          '@@innodb_doublewrite AS innodb_doublewrite, @@log_bin AS log_bin, @@sync_binlog AS sync_binlog',
      );
      return { ...(rows as Array<Record<string, unknown>>)[0] };
    },
    close: () => conn.end(),
  };
}
