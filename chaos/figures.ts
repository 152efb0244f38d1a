/**
 * The campaign's figures, from what it recorded: the receiver's deliveries, the
 * api's answers, the final rows, and the fault windows. Pure functions.
 */
import { percentile } from '../test/helpers/timers';
import type { Window } from './duplicates';
import type { ApiRecord } from './load';
import { DeliveryRecord, isAccepted, ReplyKind } from './receiver';

export interface TimerRow {
  id: string;
  status: string;
  lastError: string | null;
  /** fire_at and created_at on the campaign host's clock, in ms. */
  fireAt: number;
  createdAt: number;
}

function spread(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { n: 0, p50: null, p99: null, max: null };
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
}

/**
 * Lateness of each timer's first delivery (arrival − fire_at), split by whether
 * a fault touched the timer: held by a controller when it was killed, or due
 * inside a fault window (see faultWindows).
 */
export function lateness(
  rows: TimerRow[],
  byId: Map<string, DeliveryRecord[]>,
  touchedIds: Set<string>,
  windows: Array<{ start: number; end: number }>,
) {
  const inside: number[] = [];
  const outside: number[] = [];
  for (const row of rows) {
    const first = byId.get(row.id)?.[0];
    if (!first) continue;
    const touched = touchedIds.has(row.id) || windows.some((w) => row.fireAt >= w.start && row.fireAt <= w.end);
    (touched ? inside : outside).push(first.arrivedAt - row.fireAt);
  }
  return { outside_faults: spread(outside), inside_faults: spread(inside) };
}

/** Controllers back off (up to DB_RETRY_MAX_MS), then work off what came due: this long after a fault is still its doing. */
const RECOVERY_MS = 5000;

/**
 * When a timer's lateness is a fault's doing: each database outage from one
 * lookahead before it (a claim under way when it began may have committed
 * unseen, holding its timers for a lease), and the burst from its due instant
 * until it had drained (its last timer first delivered, leaving out those a kill
 * held back); each followed by the time to work off what piled up meanwhile.
 */
export function faultWindows(
  outages: Window[],
  burst: { dueAt: number; ids: string[] },
  byId: Map<string, DeliveryRecord[]>,
  heldByKilled: Set<string>,
  lookaheadMs: number,
): Array<{ start: number; end: number }> {
  let drained = burst.dueAt;
  for (const id of burst.ids) {
    const first = byId.get(id)?.[0];
    if (first && !heldByKilled.has(id)) drained = Math.max(drained, first.arrivedAt);
  }
  return [
    ...outages.map((w) => ({ start: w.start - lookaheadMs, end: w.end + RECOVERY_MS })),
    { start: burst.dueAt, end: drained + RECOVERY_MS },
  ];
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

const statusName = (r: ApiRecord) => (r.status === 0 ? `no_answer:${r.error}` : String(r.status));

/** The api's answers overall, and during outages (a request that overlapped one). */
export function apiFigures(records: ApiRecord[], outages: Window[], healthzMs: number[]) {
  const overlaps = (r: ApiRecord) => outages.some((w) => r.sentAt <= w.end && r.endedAt >= w.start);
  const during = records.filter(overlaps);
  const outside = records.filter((r) => !overlaps(r) && r.status !== 201);
  const answerMs = records.map((r) => r.endedAt - r.sentAt);
  return {
    requests: records.length,
    by_status: countBy(records, statusName),
    during_outages: {
      requests: during.length,
      by_status: countBy(during, statusName),
      max_answer_ms: Math.max(0, ...during.map((r) => r.endedAt - r.sentAt)),
    },
    errors_outside_outages: countBy(outside, statusName),
    answer_ms: spread(answerMs),
    healthz_ms: spread(healthzMs),
  };
}

/** Which api answers the SPEC forbids: a 5xx other than 503, no answer at all, or anything but 201/503. */
export function forbiddenApiAnswers(records: ApiRecord[]): Record<string, number> {
  return countBy(
    records.filter((r) => r.status !== 201 && r.status !== 503),
    statusName,
  );
}

/** Final states: what was accepted, what became of it, and what was lost. */
export function outcomes(rows: TimerRow[], accepted: Set<string>, byId: Map<string, DeliveryRecord[]>) {
  const rowById = new Map(rows.map((r) => [r.id, r]));
  const terminal = (id: string) =>
    ['fired', 'failed', 'canceled', 'skipped'].includes(rowById.get(id)?.status ?? 'missing');
  const lost = [...accepted].filter((id) => !terminal(id));
  const failed = rows.filter((r) => r.status === 'failed');
  return {
    accepted: accepted.size,
    by_status: countBy(rows, (r) => r.status),
    failed_reasons: countBy(failed, (r) => r.lastError ?? 'none'),
    lost: lost.length,
    lost_ids: lost.slice(0, 20),
    /** Stored although the client got no 201 (its INSERT committed, the answer was lost): they fire too. */
    stored_not_acknowledged: rows.filter((r) => !accepted.has(r.id)).length,
    /** Recorded fired although the receiver never answered 2xx: never allowed. */
    fired_without_2xx: rows.filter((r) => r.status === 'fired' && !(byId.get(r.id) ?? []).some(isAccepted)).length,
  };
}

export function receiverFigures(deliveries: DeliveryRecord[]) {
  const kinds = countBy(deliveries, (d) => d.reply) as Partial<Record<ReplyKind, number>>;
  return {
    deliveries: deliveries.length,
    replies: kinds,
    idempotency_key_mismatches: deliveries.filter((d) => !d.idempotencyKeyOk).length,
    payload_mismatches: deliveries.filter((d) => !d.payloadIntact).length,
  };
}
