/**
 * The fault campaign's judge (chaos/): which second deliveries the guarantee
 * explains, which api answers it forbids, and what counts as lost. A judge that
 * waved everything through would make every campaign pass.
 */
import { classifyDuplicates, deliveriesById, inFlightAtKills, Window } from '../chaos/duplicates';
import { forbiddenApiAnswers, outcomes } from '../chaos/figures';
import type { DeliveryRecord } from '../chaos/receiver';

const LEASE_MS = 15_000;

function delivery(id: string, arrivedAt: number, status: number | null, answered = true): DeliveryRecord {
  return {
    id,
    arrivedAt,
    reply: status === 200 ? 'ok' : 'error',
    status,
    endedAt: arrivedAt + 5,
    answered,
    idempotencyKeyOk: true,
    payloadIntact: true,
  };
}

function judge(
  deliveries: DeliveryRecord[],
  options: { killAt?: number; outages?: Window[]; failedAt?: number[] } = {},
) {
  const byId = deliveriesById(deliveries);
  const kills =
    options.killAt === undefined
      ? []
      : inFlightAtKills(
          [{ at: options.killAt, controllerId: 'c1', held: [{ id: 't1', claimFrom: 1_000 }] }],
          byId,
          LEASE_MS,
        );
  const failures = new Map(options.failedAt ? [['t1', options.failedAt]] : []);
  return classifyDuplicates(byId, kills, options.outages ?? [], LEASE_MS, failures);
}

describe('the campaign judges second deliveries', () => {
  const accepted = delivery('t1', 1_010, 200);
  const again = delivery('t1', 17_000, 200);

  it('counts a second delivery with nothing to explain it as unexplained', () => {
    expect(judge([accepted, again])).toMatchObject({ deliveries: 1, unexplained: 1, unexplainedIds: ['t1'] });
  });

  it('explains it by a kill of the controller that sent the accepted delivery', () => {
    expect(judge([accepted, again], { killAt: 1_020 })).toMatchObject({ killed_in_flight: 1, unexplained: 0 });
  });

  it('does not let a kill of a controller that never sent it explain it', () => {
    const sentBeforeTheClaim = delivery('t1', 500, 200);
    expect(judge([sentBeforeTheClaim, again], { killAt: 1_020 })).toMatchObject({ unexplained: 1 });
  });

  it('explains it when the answer never reached the controller', () => {
    expect(judge([delivery('t1', 1_010, 200, false), again])).toMatchObject({ answer_not_received: 1 });
    expect(judge([accepted, again], { failedAt: [4_000] })).toMatchObject({ answer_not_received: 1 });
  });

  it('explains it by a database outage while the lease ran, and not by one long after', () => {
    const during: Window = { kind: 'proxy_cut', start: 5_000, end: 11_000 };
    const later: Window = { kind: 'proxy_cut', start: 40_000, end: 45_000 };
    expect(judge([accepted, again], { outages: [during] })).toMatchObject({ lease_lost_in_db_outage: 1 });
    expect(judge([accepted, again], { outages: [later] })).toMatchObject({ unexplained: 1 });
  });

  it('does not count a retry after a failed delivery as a duplicate', () => {
    expect(judge([delivery('t1', 1_010, 503), again])).toMatchObject({ deliveries: 0, unexplained: 0 });
  });

  it('flags two deliveries of one timer open at the same time', () => {
    const open: DeliveryRecord = { ...accepted, endedAt: null };
    expect(judge([open, again]).overlapping).toBe(1);
  });
});

describe('the campaign judges the api and the final rows', () => {
  const record = (status: number, error?: string) => ({ sentAt: 0, endedAt: 10, status, ...(error ? { error } : {}) });

  it('allows only 201 and 503, and counts no answer as forbidden', () => {
    expect(forbiddenApiAnswers([record(201), record(503)])).toEqual({});
    expect(forbiddenApiAnswers([record(201), record(500), record(0, 'TIMEOUT:sent'), record(400)])).toEqual({
      '500': 1,
      'no_answer:TIMEOUT:sent': 1,
      '400': 1,
    });
  });

  it('counts an accepted timer that did not end fired, failed, canceled or skipped as lost', () => {
    const row = (id: string, status: string) => ({ id, status, lastError: null, fireAt: 0, createdAt: 0 });
    const rows = [row('a', 'fired'), row('b', 'pending'), row('c', 'skipped'), row('e', 'failed')];
    const byId = deliveriesById([delivery('a', 10, 200)]);

    const result = outcomes(rows, new Set(['a', 'b', 'c', 'd', 'e']), byId);

    expect(result.lost).toBe(2);
    expect(new Set(result.lost_ids)).toEqual(new Set(['b', 'd']));
    expect(result.fired_without_2xx).toBe(0);
  });

  it('flags a timer recorded fired that the receiver never accepted', () => {
    const rows = [{ id: 'a', status: 'fired', lastError: null, fireAt: 0, createdAt: 0 }];
    const byId = deliveriesById([delivery('a', 10, 503)]);
    expect(outcomes(rows, new Set(['a']), byId).fired_without_2xx).toBe(1);
  });
});
