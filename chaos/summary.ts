/**
 * Turns a campaign's observations into its one-line summary and the list of
 * broken promises (an empty list is a pass).
 */
import type { Observations } from './campaign';
import { classifyDuplicates, deliveriesById, inFlightAtKills } from './duplicates';
import { apiFigures, faultWindows, forbiddenApiAnswers, lateness, outcomes, receiverFigures } from './figures';
import { LEASE_MS, SERVICE_ENV } from './plan';
import { isAccepted } from './receiver';

/** An api answer slower than this is reported as a warning. */
const SLOW_ANSWER_MS = 5000;
const round = (n: number) => Math.round(n * 10) / 10;
const seconds = (ms: number) => round(ms / 1000);

export function summarize(o: Observations): {
  summary: Record<string, unknown>;
  failures: string[];
  warnings: string[];
} {
  const byId = deliveriesById(o.deliveries);
  const inFlight = inFlightAtKills(o.kills, byId, LEASE_MS);
  const { unexplainedIds, overlapping, ...duplicates } = classifyDuplicates(
    byId,
    inFlight,
    o.outages,
    LEASE_MS,
    o.failuresLogged,
  );
  const accepted = new Set([...o.load.accepted, ...o.burstIds]);
  const { lost_ids: lostIds, ...timers } = outcomes(o.rows, accepted, byId);
  const heldByKilled = new Set(o.kills.flatMap((k) => k.held.map((h) => h.id)));
  const burst = { dueAt: o.startedAt + o.plan.burst.dueAtMs, ids: o.burstIds };
  const windows = faultWindows(o.outages, burst, byId, heldByKilled, Number(SERVICE_ENV.LOOKAHEAD_MS));
  const forbidden = forbiddenApiAnswers(o.load.records);
  const receiver = receiverFigures(o.deliveries);
  const relative = (t: number) => seconds(t - o.startedAt);

  const failures: string[] = [];
  if (!o.settled) failures.push(`timers still pending or firing ${seconds(o.settleMs)} s after the last fault`);
  if (timers.lost > 0) failures.push(`${timers.lost} accepted timers lost: ${lostIds.join(', ')}`);
  if (duplicates.unexplained > 0) failures.push(`unexplained duplicate deliveries of ${unexplainedIds.join(', ')}`);
  if (overlapping > 0) failures.push(`${overlapping} deliveries overlapped an unfinished delivery of the same timer`);
  if (timers.fired_without_2xx > 0) failures.push(`${timers.fired_without_2xx} timers fired without a 2xx`);
  if (Object.keys(forbidden).length > 0) failures.push(`api answers other than 201/503: ${JSON.stringify(forbidden)}`);
  if (receiver.idempotency_key_mismatches > 0) failures.push('deliveries without the timer id as Idempotency-Key');
  if (receiver.payload_mismatches > 0) failures.push('deliveries whose payload did not arrive whole');
  if (o.exitCodes.some((c) => c !== 0)) failures.push(`exit codes after SIGTERM: ${o.exitCodes.join(', ')}`);
  // Not a broken delivery promise (a supervisor restarts the process, nothing is lost), but
  // the SPEC says services ride out a database outage without a restart.
  const warnings = o.fleet.unexpectedExits.map(
    (e) => `${e.service} exited unasked (${e.signal ?? e.code}): ${e.lastLog}`,
  );
  // The SPEC asks for fast answers (a 503 when saturated); a slow 201 breaks no promise about timers.
  const slow = o.load.records.filter((r) => r.status !== 0 && r.endedAt - r.sentAt > SLOW_ANSWER_MS);
  if (slow.length > 0) {
    const maxMs = Math.max(...slow.map((r) => r.endedAt - r.sentAt));
    warnings.push(`${slow.length} api answers took over ${SLOW_ANSWER_MS} ms (longest ${maxMs} ms)`);
  }

  const summary = {
    campaign: o.plan.name,
    pass: failures.length === 0,
    database: o.server.description,
    timers: { ...timers, via_api: o.load.accepted.length, burst: o.burstIds.length },
    deliveries: {
      ...receiver,
      duplicates: { ...duplicates, overlapping },
    },
    kills: {
      count: inFlight.length,
      in_flight_total: inFlight.reduce((n, k) => n + k.sent.size, 0),
      in_flight_answered_2xx: inFlight.reduce((n, k) => n + [...k.sent.values()].filter(isAccepted).length, 0),
      in_flight: inFlight.map((k) => k.sent.size),
      of_which_unanswered: inFlight.map((k) => k.open),
      held_unsent: inFlight.map((k) => k.held - k.sent.size),
    },
    lateness_ms: lateness(o.rows, byId, new Set([...heldByKilled, ...o.burstIds]), windows),
    api: apiFigures(
      o.load.records,
      o.outages,
      o.load.healthz.map((h) => h.ms),
    ),
    faults: {
      outages: o.outages.map((w) => ({ kind: w.kind, at_s: relative(w.start), for_s: seconds(w.end - w.start) })),
      kills_at_s: o.kills.map((k) => relative(k.at)),
    },
    restarts: {
      controllers: o.kills.length,
      database: o.outages.filter((w) => w.kind === 'database_crash').length,
      unexpected: o.fleet.unexpectedExits.length,
    },
    controller_logs: {
      lease_lost: o.fleet.count('Lease lost before the outcome was recorded; another controller owns the timer'),
      lease_too_short_released: o.fleet.count('Lease too short to send; released'),
      gave_up_recording: o.fleet.count(
        'Gave up recording outcomes; their leases will expire and they will be sent again',
      ),
    },
    settings: SERVICE_ENV,
    machine: {
      cores: o.machine.cores,
      load_average_1m: o.machine.loadAverage.map(round),
      campaign_event_loop_delay_ms: {
        p99: round(o.machine.campaignLoopDelayMs.p99),
        max: round(o.machine.campaignLoopDelayMs.max),
      },
    },
    clock_skew_ms: o.skewMs,
    settle_s: seconds(o.settleMs),
    failures,
    warnings,
  };
  return { summary, failures, warnings };
}
