/**
 * Re-encryption (`npm run keys -- reencrypt`): rewrites every value sealed with a
 * data key other than the first in DATA_KEYS, and every value stored plain, with
 * the first key, while the service runs. Then the old key can leave DATA_KEYS.
 *
 * - Timers and schedules are read in primary-key order, in windows of `batchSize`
 *   rows (no lock); a window's stale rows are rewritten in one short transaction,
 *   each row fenced on the values read (sql/sealedColumns.ts): a PATCH written
 *   meanwhile wins, and only the sealed columns are written, so a controller's
 *   outcome is never overwritten. A transaction chosen as a deadlock victim was
 *   rolled back whole and runs again.
 * - Rows changed meanwhile may still hold an old value in a column the change
 *   did not touch: the table is passed over again (the stale-row filter finds
 *   only those), at most MAX_PASSES times.
 * - A value that does not open (its key is not in DATA_KEYS, or it was altered)
 *   is left as it is and counted: the old key must not be removed then.
 * - Tenants' signing secrets are few: one read, one fenced write per tenant.
 */
import type { Knex } from 'knex';
import type { Clock } from '../clock';
import { AtRest } from '../crypto/atRest';
import { DataKeyError, DataKeys, SEALED_PREFIX } from '../crypto/dataKeys';
import { retryOnDeadlock } from '../db/query';
import { signingContext } from '../tenants/tenants';
import { findStale, rewriteSealed, SealedColumns, SealedRow, SealedTable, windowEnd } from './sql/sealedColumns';
import { findTenantSecrets, rewriteTenantSecrets } from './sql/signingSecrets';

const MAX_PASSES = 3;

export interface ReencryptCount {
  table: SealedTable | 'tenants';
  /** Rows rewritten with the first key. */
  rewritten: number;
  /** Rows changed by someone else between the read and the rewrite, still stale after the last pass. */
  changedMeanwhile: number;
  /** Rows holding a value that does not open with DATA_KEYS: left as they are. */
  unreadable: number;
}

export interface ReencryptOptions {
  batchSize: number;
  /** A pause after each batch, to leave the database to the service. */
  pauseMs: number;
  clock: Clock;
  /** After each batch: the table's counts so far. */
  onProgress?: (count: ReencryptCount) => void;
}

export class Reencryption {
  private readonly atRest: AtRest;

  constructor(
    private readonly db: Knex,
    private readonly timeoutMs: number,
    private readonly keys: DataKeys,
  ) {
    if (!keys.enabled) throw new Error('There is no data key to encrypt with: set DATA_KEYS');
    this.atRest = new AtRest(keys);
  }

  async run(options: ReencryptOptions): Promise<ReencryptCount[]> {
    const counts: ReencryptCount[] = [];
    for (const table of ['timers', 'schedules'] as const) counts.push(await this.table(table, options));
    counts.push(await this.tenants());
    return counts;
  }

  private async table(table: SealedTable, options: ReencryptOptions): Promise<ReencryptCount> {
    const total: ReencryptCount = { table, rewritten: 0, changedMeanwhile: 0, unreadable: 0 };
    for (let pass = 1; pass <= MAX_PASSES; pass++) {
      const count: ReencryptCount = { table, rewritten: 0, changedMeanwhile: 0, unreadable: 0 };
      let afterId = '';
      for (let more = true; more;) {
        const upTo = await windowEnd(this.db, this.timeoutMs, table, afterId, options.batchSize);
        const rows = await findStale(this.db, this.timeoutMs, table, afterId, upTo, this.currentPrefix);
        more = upTo !== null;
        afterId = upTo ?? '';
        if (rows.length === 0) continue;
        const batch = await this.rewriteBatch(table, rows);
        count.rewritten += batch.rewritten;
        count.changedMeanwhile += batch.changedMeanwhile;
        count.unreadable += batch.unreadable;
        options.onProgress?.({ ...count, rewritten: total.rewritten + count.rewritten });
        if (options.pauseMs > 0) await options.clock.sleep(options.pauseMs);
      }
      total.rewritten += count.rewritten;
      total.changedMeanwhile = count.changedMeanwhile;
      total.unreadable = count.unreadable;
      if (count.changedMeanwhile === 0) break;
    }
    return total;
  }

  private async rewriteBatch(table: SealedTable, rows: SealedRow[]): Promise<ReencryptCount> {
    const planned: Array<{ row: SealedRow; after: SealedColumns }> = [];
    let unreadable = 0;
    for (const row of rows) {
      const after = this.reseal(row);
      if (after === null) unreadable++;
      else planned.push({ row, after });
    }
    const rewritten = await retryOnDeadlock(() =>
      this.db.transaction(async (trx) => {
        let n = 0;
        for (const { row, after } of planned) if (await rewriteSealed(trx, this.timeoutMs, table, row, after)) n++;
        return n;
      }),
    );
    return { table, rewritten, changedMeanwhile: planned.length - rewritten, unreadable };
  }

  /** The row's values sealed with the first key; null when one does not open. */
  private reseal(row: SealedRow): SealedColumns | null {
    const { atRest } = this;
    try {
      const url = atRest.sealUrl(atRest.openUrl({ url: row.url, urlSealed: row.url_sealed }, row.tenant), row.tenant);
      return {
        url: url.url,
        url_sealed: url.urlSealed,
        webhook: atRest.sealWebhook(atRest.openWebhook(row.webhook, row.tenant), row.tenant),
        callbacks: atRest.sealCallbacks(atRest.openCallbacks(row.callbacks, row.tenant), row.tenant),
      };
    } catch (err) {
      if (err instanceof DataKeyError) return null;
      throw err;
    }
  }

  private async tenants(): Promise<ReencryptCount> {
    const count: ReencryptCount = { table: 'tenants', rewritten: 0, changedMeanwhile: 0, unreadable: 0 };
    for (const tenant of await findTenantSecrets(this.db, this.timeoutMs)) {
      const secrets = tenant.signing_secrets.split(' ');
      if (secrets.every((s) => this.keys.isCurrent(s))) continue;
      const context = signingContext(tenant.name);
      let resealed: string;
      try {
        resealed = secrets.map((s) => this.keys.seal(this.keys.open(s, context), context)).join(' ');
      } catch (err) {
        if (!(err instanceof DataKeyError)) throw err;
        count.unreadable++;
        continue;
      }
      const done = await rewriteTenantSecrets(this.db, this.timeoutMs, tenant.name, tenant.signing_secrets, resealed);
      if (done) count.rewritten++;
      else count.changedMeanwhile++;
    }
    return count;
  }

  private get currentPrefix(): string {
    return `${SEALED_PREFIX}${this.keys.currentId}$`;
  }
}
