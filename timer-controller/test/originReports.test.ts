/**
 * How a controller tells the fleet about an origin's answers: one write at a time
 * per origin, the answers that came meanwhile folded into the next write, in
 * order (a success resets what came before it); a write that fails is kept for
 * the next answer and nothing retries on its own. The writes are a stand-in whose
 * answers the test releases by hand; the SQL they stand for is tested on both
 * databases in shared/test/flows.test.ts.
 */
import { OriginReports } from '../src/delivery/originReports';

const ORIGIN = 'http://receiver.test:80';

interface Call {
  kind: 'failed' | 'healed';
  count?: number;
  settle(result: boolean | Error): void;
}

function rig() {
  const calls: Call[] = [];
  const events: string[] = [];
  const call = (kind: Call['kind'], count?: number) =>
    new Promise<boolean>((resolve, reject) => {
      calls.push({ kind, count, settle: (r) => (r instanceof Error ? reject(r) : resolve(r)) });
    });
  const reports = new OriginReports({
    flows: { failed: (_origin, _breaker, count) => call('failed', count), healed: () => call('healed') },
    breaker: { threshold: 5, openMs: 5000 },
    opened: (origin) => events.push(`opened ${origin}`),
    closed: (origin) => events.push(`closed ${origin}`),
    unrecorded: (origin) => events.push(`unrecorded ${origin}`),
  });
  const written = () => calls.map((c) => (c.kind === 'failed' ? `failed ${c.count}` : 'healed'));
  return { reports, calls, events, written };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

it('folds the answers that come while a write is under way into one next write', async () => {
  const { reports, calls, written } = rig();
  reports.failure(ORIGIN);
  for (let i = 0; i < 40; i++) reports.failure(ORIGIN);
  expect(written()).toEqual(['failed 1']);

  calls[0].settle(false);
  await tick();
  expect(written()).toEqual(['failed 1', 'failed 40']);
  calls[1].settle(false);
  await tick();
  expect(reports.pending(ORIGIN)).toBe(false);
});

it('a success resets the failures before it: one heal, then the failures after it', async () => {
  const { reports, calls, written } = rig();
  reports.failure(ORIGIN);
  reports.failure(ORIGIN);
  reports.failure(ORIGIN);
  reports.success(ORIGIN);
  reports.failure(ORIGIN);
  reports.failure(ORIGIN);

  calls[0].settle(false);
  await tick();
  calls[1].settle(false);
  await tick();
  expect(written()).toEqual(['failed 1', 'healed', 'failed 2']);
});

it('says when a write opened or closed the breaker', async () => {
  const { reports, calls, events } = rig();
  reports.failure(ORIGIN);
  calls[0].settle(true);
  await tick();
  reports.success(ORIGIN);
  calls[1].settle(true);
  await tick();
  expect(events).toEqual([`opened ${ORIGIN}`, `closed ${ORIGIN}`]);
});

it('keeps a failed write for the next answer, without retrying on its own', async () => {
  const { reports, calls, events, written } = rig();
  reports.failure(ORIGIN);
  reports.failure(ORIGIN);
  calls[0].settle(new Error('database away'));
  await tick();
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(written()).toEqual(['failed 1']);
  expect(events).toEqual([`unrecorded ${ORIGIN}`]);
  expect(reports.pending(ORIGIN)).toBe(true);

  reports.failure(ORIGIN);
  expect(written()).toEqual(['failed 1', 'failed 3']);
});

it('a heal that failed goes before the failures that came after it, and a later success drops them', async () => {
  const { reports, calls, written } = rig();
  reports.success(ORIGIN);
  calls[0].settle(new Error('database away'));
  await tick();
  reports.failure(ORIGIN);
  expect(written()).toEqual(['healed', 'healed']);
  calls[1].settle(false);
  await tick();
  expect(written()).toEqual(['healed', 'healed', 'failed 1']);

  calls[2].settle(new Error('database away'));
  await tick();
  reports.failure(ORIGIN);
  reports.success(ORIGIN);
  // Nothing under way: the failure started a write of the kept one plus itself…
  expect(written()).toEqual(['healed', 'healed', 'failed 1', 'failed 2']);
  calls[3].settle(false);
  await tick();
  // …and the success after it is a heal alone.
  expect(written()).toEqual(['healed', 'healed', 'failed 1', 'failed 2', 'healed']);
});
