/**
 * Which second deliveries the delivery guarantee allows, and which it does not.
 *
 * A duplicate is a delivery of a timer that arrives after the receiver chose to
 * answer an earlier delivery of it with 2xx (it had processed it). The SPEC has
 * one window for that: the controller that sent the accepted delivery stopped
 * holding the timer after sending and before recording the outcome, so its
 * lease ran out and another controller sent the timer again. Each duplicate is
 * explained by the first of these that fits, or counted as unexplained:
 *
 *   killed_in_flight  the accepted delivery was sent under the claim of a
 *                     controller that was then SIGKILLed with that claim still
 *                     unrecorded (see inFlightAtKills);
 *   answer_not_received
 *                     the sender never saw the 2xx: the receiver could not
 *                     write it (the controller had closed the connection), or
 *                     the controller logged that attempt as failed (its time
 *                     limit ran out first, e.g. on a starved machine), so it
 *                     retried, as the SPEC says it must;
 *   lease_lost_in_db_outage
 *                     the database was unreachable at some point while that
 *                     claim's lease ran (at most LEASE_MS after the delivery),
 *                     so the outcome write may not have landed in time.
 *
 * Deliveries of one timer that overlap in time (a second arrives while the
 * first is still unanswered and its connection open) would mean two
 * controllers held it at once: never allowed.
 */
import { DeliveryRecord, isAccepted } from './receiver';

export interface Window {
  kind: 'proxy_cut' | 'database_crash';
  start: number;
  end: number;
}

/** A SIGKILL, with what the dead controller still held: `claimFrom` is when its claim of each timer began. */
export interface KillRecord {
  at: number;
  controllerId: string;
  held: Array<{ id: string; claimFrom: number }>;
}

export interface InFlightAtKill {
  at: number;
  controllerId: string;
  /** Claims the controller held unrecorded when it died. */
  held: number;
  /** Of those, timers whose request it had sent: timer id → that delivery. */
  sent: Map<string, DeliveryRecord>;
  /** Of those, requests the receiver had not finished answering at the kill. */
  open: number;
}

export type DuplicateCause = 'killed_in_flight' | 'answer_not_received' | 'lease_lost_in_db_outage' | 'unexplained';

/** Tolerance when comparing receiver arrival times with database times, in ms. */
const CLOCK_SLACK_MS = 5;

export function deliveriesById(deliveries: DeliveryRecord[]): Map<string, DeliveryRecord[]> {
  const byId = new Map<string, DeliveryRecord[]>();
  for (const d of deliveries) {
    const list = byId.get(d.id);
    if (list) list.push(d);
    else byId.set(d.id, [d]);
  }
  for (const list of byId.values()) list.sort((a, b) => a.arrivedAt - b.arrivedAt);
  return byId;
}

/**
 * What each killed controller had in flight. Deliveries made under one claim
 * arrive between the claim's start (its due_at minus LEASE_MS: the later of the
 * due time and the claim moment) and its lease end, LEASE_MS later: no earlier
 * holder sends after it, and no later holder sends before the lease runs out.
 * So a delivery of a held timer in that interval is one the dead controller
 * sent and never recorded, even when the receiver read it a moment after the
 * kill (the request was already in the socket).
 */
export function inFlightAtKills(
  kills: KillRecord[],
  byId: Map<string, DeliveryRecord[]>,
  leaseMs: number,
): InFlightAtKill[] {
  return kills.map((kill) => {
    const sent = new Map<string, DeliveryRecord>();
    let open = 0;
    for (const { id, claimFrom } of kill.held) {
      const delivery = (byId.get(id) ?? []).find(
        (d) => d.arrivedAt >= claimFrom - CLOCK_SLACK_MS && d.arrivedAt < claimFrom + leaseMs,
      );
      if (!delivery) continue;
      sent.set(id, delivery);
      if (delivery.endedAt === null || delivery.endedAt >= kill.at) open += 1;
    }
    return { at: kill.at, controllerId: kill.controllerId, held: kill.held.length, sent, open };
  });
}

export function classifyDuplicates(
  byId: Map<string, DeliveryRecord[]>,
  kills: InFlightAtKill[],
  outages: Window[],
  leaseMs: number,
  /** When a controller logged a failed attempt, per timer id. */
  failuresLogged: Map<string, number[]>,
) {
  const causes: Record<DuplicateCause, number> = {
    killed_in_flight: 0,
    answer_not_received: 0,
    lease_lost_in_db_outage: 0,
    unexplained: 0,
  };
  const timers = new Set<string>();
  const unexplainedIds: string[] = [];
  let deliveries = 0;
  let overlapping = 0;

  const explain = (id: string, accepted: DeliveryRecord, again: DeliveryRecord): DuplicateCause => {
    if (kills.some((k) => k.sent.get(id) === accepted && k.at <= again.arrivedAt)) return 'killed_in_flight';
    const failed = failuresLogged.get(id) ?? [];
    if (!accepted.answered || failed.some((t) => t >= accepted.arrivedAt && t <= again.arrivedAt)) {
      return 'answer_not_received';
    }
    const leaseEnd = accepted.arrivedAt + leaseMs;
    if (outages.some((w) => w.start <= leaseEnd && w.end >= accepted.arrivedAt)) return 'lease_lost_in_db_outage';
    return 'unexplained';
  };

  for (const [id, list] of byId) {
    let accepted: DeliveryRecord | null = null;
    list.forEach((d, i) => {
      if (list.slice(0, i).some((e) => (e.endedAt ?? Infinity) > d.arrivedAt)) overlapping += 1;
      if (accepted) {
        const cause = explain(id, accepted, d);
        causes[cause] += 1;
        deliveries += 1;
        timers.add(id);
        if (cause === 'unexplained') unexplainedIds.push(id);
      }
      if (isAccepted(d)) accepted = d;
    });
  }
  return { deliveries, timers: timers.size, ...causes, overlapping, unexplainedIds: unexplainedIds.slice(0, 20) };
}
