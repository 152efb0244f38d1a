/**
 * timer_labels.outcome: the labelled timer's final status (fired, failed,
 * canceled, skipped), NULL while it is live (pending or firing), and the index
 * timer_labels_outcome (tenant, label, outcome, timer_id). A label filter with a
 * status is then a range too: GET /timers?label=…&status=failed reads the
 * label's failed timers newest first, instead of every timer of the label with a
 * lookup of its row to check the status, and a live status (pending, firing)
 * reads the range outcome IS NULL. The primary key (tenant, label, timer_id)
 * stays for pages without a status.
 *
 * What it costs: every write that moves a labelled timer into or out of a final
 * status also updates its label rows (through timer_labels_timer), in the same
 * transaction. Unlabelled timers have no label rows and cost nothing more, and a
 * claim (pending → firing) never touches it.
 *
 * Existing rows are backfilled from timers.status. On MariaDB each step checks
 * whether it is already done (DDL commits on its own): the column, then the
 * backfill (only rows still NULL whose timer is finished), then the index, built
 * after the backfill so the UPDATE does not maintain it. The new ENUM column is
 * an instant change on InnoDB; the backfill writes one row per label of each
 * finished timer. SQLite runs all of it in the migration's transaction.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../dialect';

export const name = '20261207300000_add_timer_labels_outcome';

const FINAL = "'fired', 'failed', 'canceled', 'skipped'";

export async function up(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') return upSqlite(knex);
  if (!(await knex.schema.hasColumn('timer_labels', 'outcome'))) {
    await knex.raw(`ALTER TABLE timer_labels ADD COLUMN outcome ENUM(${FINAL}) NULL`);
  }
  await knex.raw(
    `UPDATE timer_labels l JOIN timers t ON t.id = l.timer_id
     SET l.outcome = t.status
     WHERE l.outcome IS NULL AND t.status IN (${FINAL})`,
  );
  const [indexes] = (await knex.raw("SHOW INDEX FROM timer_labels WHERE Key_name = 'timer_labels_outcome'")) as [
    unknown[],
  ];
  if (indexes.length === 0) {
    await knex.raw('CREATE INDEX timer_labels_outcome ON timer_labels (tenant, label, outcome, timer_id)');
  }
}

async function upSqlite(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE timer_labels ADD COLUMN outcome TEXT NULL');
  await knex.raw(
    `UPDATE timer_labels
     SET outcome = (SELECT t.status FROM timers t WHERE t.id = timer_labels.timer_id)
     WHERE timer_id IN (SELECT id FROM timers WHERE status IN (${FINAL}))`,
  );
  await knex.raw('CREATE INDEX timer_labels_outcome ON timer_labels (tenant, label, outcome, timer_id)');
}

export async function down(knex: Knex): Promise<void> {
  if (dialectOf(knex).name === 'sqlite') {
    await knex.raw('DROP INDEX timer_labels_outcome');
  } else {
    await knex.raw('DROP INDEX timer_labels_outcome ON timer_labels');
  }
  await knex.raw('ALTER TABLE timer_labels DROP COLUMN outcome');
}
