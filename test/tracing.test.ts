/**
 * Tracing, end to end, on real processes: an api and a controller export their
 * spans over OTLP/HTTP (JSON) to a receiver in this test, as they would to a
 * collector. A timer created with a `traceparent` is one trace from the request
 * to the webhook: the api's request, the create and its INSERT, then on the
 * controller each claim, wait, request (two: a 503, then a 200) and outcome
 * write, with the receiver's `traceparent` pointing into it. The trace is
 * rendered as a text tree into test-output/trace.txt (the README shows it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTestDatabase, TestDatabase } from './helpers/db';
import { OtlpReceiver, ReceivedSpan, renderTrace, startOtlpReceiver } from './helpers/otlpReceiver';
import { killAll, ServiceProcess, spawnService } from './helpers/processes';
import { Receiver, startReceiver } from './helpers/receiver';
import { waitFor } from './helpers/wait';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const SHOWN = [
  'http.route',
  'http.response.status_code',
  'timer.attempt',
  'timer.outcome',
  'timer.lateness_ms',
  'db.operation.name',
  'timer.idempotent_replayed',
];

let t: TestDatabase;
let otlp: OtlpReceiver;
let receiver: Receiver;
let apiUrl: string;
let controller: ServiceProcess;
let env: Record<string, string>;
const processes: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase('tracing');
  otlp = await startOtlpReceiver();
  // The first request for each timer fails (503 unless its URL's `first` says otherwise), the next succeed.
  receiver = await startReceiver((delivery, nth) =>
    nth === 1 ? Number(new URLSearchParams(delivery.search).get('first') ?? 503) : 200,
  );
  env = {
    DATABASE_URL: t.url,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    POLL_INTERVAL_MS: '100',
    RETRY_BASE_MS: '200',
    RETRY_MAX_MS: '400',
  };
  const api = spawnService('api', env);
  controller = spawnService('controller', env);
  processes.push(api, controller);
  apiUrl = `http://127.0.0.1:${(await api.waitForLog('API listening')).port as number}`;
  await controller.waitForLog('Controller started');
});

afterAll(async () => {
  await killAll(processes);
  await receiver.close();
  await otlp.close();
  await t.drop();
});

async function post(
  route: string,
  headers: Record<string, string>,
  body: object = {},
): Promise<{ status: number; id: string }> {
  const res = await fetch(`${apiUrl}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, id: ((await res.json()) as { id: string }).id };
}

const createTimer = (headers: Record<string, string>, url = receiver.url, extra: object = {}) =>
  post('/timers', headers, { url, ...extra });
const traceOf = (traceparent: unknown) => String(traceparent).split('-')[1];
const spanOf = (traceparent: unknown) => String(traceparent).split('-')[2];

const named = (spans: ReceivedSpan[], name: string) => spans.filter((s) => s.name === name);
const one = (spans: ReceivedSpan[], name: string) => {
  const found = named(spans, name);
  expect(found.map((s) => s.name)).toEqual([name]);
  return found[0];
};

it('one trace holds the request, the create, the claims, both attempts and their outcome writes', async () => {
  const { status, id } = await createTimer({
    traceparent: `00-${TRACE_ID}-${CLIENT_SPAN_ID}-01`,
    tracestate: 'vendor=opaque',
  });
  expect(status).toBe(201);
  await waitFor('two requests to the receiver', () => receiver.deliveries.filter((d) => d.id === id).length === 2);
  await waitFor(
    "the api's spans and both outcome writes to be exported",
    () =>
      otlp.spans.filter((s) => s.traceId === TRACE_ID && s.name === 'UPDATE timers').length === 2 &&
      otlp.spans.some((s) => s.traceId === TRACE_ID && s.name === 'POST /timers'),
  );
  const trace = otlp.spans.filter((s) => s.traceId === TRACE_ID);
  const tree = renderTrace(otlp.spans, TRACE_ID, SHOWN);
  mkdirSync(path.join(__dirname, '..', 'test-output'), { recursive: true });
  writeFileSync(path.join(__dirname, '..', 'test-output', 'trace.txt'), `${tree}\n`);

  // The api: the request continues the client's span; the create is its child, the INSERT the create's.
  const request = one(trace, 'POST /timers');
  expect(request).toMatchObject({ service: 'timer-api', kind: 2, parentSpanId: CLIENT_SPAN_ID });
  expect(request.attributes).toMatchObject({ 'http.route': '/timers', 'http.response.status_code': 201 });
  const create = one(trace, 'timer.create');
  expect(create).toMatchObject({ service: 'timer-api', parentSpanId: request.spanId });
  expect(create.attributes['timer.id']).toBe(id);
  const insert = one(trace, 'INSERT timers');
  expect(insert).toMatchObject({ kind: 3, parentSpanId: create.spanId });
  expect(insert.attributes).toMatchObject({ 'db.system.name': 'mysql', 'db.collection.name': 'timers' });

  // The controller: every span of the timer is a child of the create, one claim per attempt.
  const controllerSpans = trace.filter((s) => s.service === 'timer-controller');
  expect(controllerSpans.length).toBeGreaterThan(0);
  const claims = named(trace, 'timer.claim');
  const waits = named(trace, 'timer.wait');
  const posts = named(trace, 'POST').sort((a, b) => a.startMs - b.startMs);
  expect([claims.length, waits.length, posts.length]).toEqual([2, 2, 2]);
  for (const s of [...claims, ...waits, ...posts]) expect(s.parentSpanId).toBe(create.spanId);
  // Each claim links to its batch's span, which is a trace of the controller's own.
  for (const claim of claims) {
    expect(claim.links).toHaveLength(1);
    const batch = otlp.spans.find((s) => s.spanId === claim.links[0].spanId);
    expect(batch).toMatchObject({ name: 'claim timers', parentSpanId: null, service: 'timer-controller' });
    expect(batch!.traceId).not.toBe(TRACE_ID);
  }

  // The requests: HTTP client spans with the outcome, the attempt and the lateness.
  expect(posts.map((p) => p.kind)).toEqual([3, 3]);
  expect(posts.map((p) => p.attributes['http.response.status_code'])).toEqual([503, 200]);
  expect(posts.map((p) => p.attributes['timer.outcome'])).toEqual(['retry', 'delivered']);
  expect(posts.map((p) => p.attributes['timer.attempt'])).toEqual([1, 2]);
  expect(posts.map((p) => p.statusCode)).toEqual([2, 0]);
  expect(posts[0].attributes).toMatchObject({ 'error.type': '503', 'server.address': '127.0.0.1' });
  for (const p of posts) expect(typeof p.attributes['timer.lateness_ms']).toBe('number');

  // Each outcome write is a child of the request whose outcome it records.
  const writes = named(trace, 'UPDATE timers');
  expect(writes.map((w) => w.parentSpanId).sort()).toEqual(posts.map((p) => p.spanId).sort());
  expect(writes.every((w) => w.attributes['timer.outcome.recorded'] === true)).toBe(true);

  // The receiver got each request's own span as its parent, and the caller's tracestate.
  const sent = receiver.deliveries.filter((d) => d.id === id);
  expect(sent.map((d) => d.headers.traceparent)).toEqual(posts.map((p) => `00-${TRACE_ID}-${p.spanId}-01`));
  expect(sent.map((d) => d.headers.tracestate)).toEqual(['vendor=opaque', 'vendor=opaque']);

  // The controller's log lines about the timer name the span they were logged in.
  const delivered = await controller.waitForLog('Webhook delivered', (l) => l.timerId === id);
  expect(delivered).toMatchObject({ trace_id: TRACE_ID, span_id: posts[1].spanId });
});

it('an idempotent repeat keeps the original trace and links to it', async () => {
  const key = { 'idempotency-key': 'tracing-repeat' };
  const first = await createTimer({ ...key, traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` });
  const repeat = await createTimer({ ...key, traceparent: `00-${'3'.repeat(32)}-${'4'.repeat(16)}-01` });
  expect([first.status, repeat.status]).toEqual([201, 200]);
  expect(repeat.id).toBe(first.id);

  await waitFor(
    'the first timer to be delivered',
    () => receiver.deliveries.filter((d) => d.id === first.id).length === 2,
  );
  // The deliveries are in the first request's trace, not the repeat's.
  for (const d of receiver.deliveries.filter((x) => x.id === first.id)) {
    expect(String(d.headers.traceparent)).toMatch(new RegExp(`^00-${'1'.repeat(32)}-`));
  }
  const original = await waitFor('the first create span', () =>
    otlp.spans.find((s) => s.traceId === '1'.repeat(32) && s.name === 'timer.create'),
  );
  const repeated = await waitFor('the repeat create span', () =>
    otlp.spans.find((s) => s.traceId === '3'.repeat(32) && s.name === 'timer.create'),
  );
  expect(repeated.attributes).toMatchObject({ 'timer.id': first.id, 'timer.idempotent_replayed': true });
  expect(repeated.links).toEqual([{ traceId: original.traceId, spanId: original.spanId }]);
  expect(otlp.spans.some((s) => s.traceId === '3'.repeat(32) && s.name === 'INSERT timers')).toBe(false);
});

it("a replay starts a new series in the replay's trace, linked to the creation", async () => {
  const created = await createTimer(
    { traceparent: `00-${'5'.repeat(32)}-${'6'.repeat(16)}-01` },
    `${receiver.url}?first=410`,
  );
  await waitFor('the timer to fail on its 410', async () => {
    const res = await fetch(`${apiUrl}/timers/${created.id}`);
    return ((await res.json()) as { status: string }).status === 'failed';
  });
  const replayTrace = '7'.repeat(32);
  const replay = await post(`/timers/${created.id}/retry`, { traceparent: `00-${replayTrace}-${'8'.repeat(16)}-01` });
  expect(replay.status).toBe(200);
  const second = await waitFor(
    'the replayed delivery',
    () => receiver.deliveries.filter((d) => d.id === created.id)[1],
  );
  expect(traceOf(second.headers.traceparent)).toBe(replayTrace);

  const request = await waitFor('the replayed request span', () =>
    otlp.spans.find((s) => s.spanId === spanOf(second.headers.traceparent)),
  );
  const replaySpan = await waitFor('the replay span', () =>
    otlp.spans.find((s) => s.traceId === replayTrace && s.name === 'timer.replay'),
  );
  const creation = await waitFor('the create span', () =>
    otlp.spans.find((s) => s.traceId === '5'.repeat(32) && s.name === 'timer.create'),
  );
  expect(request.parentSpanId).toBe(replaySpan.spanId);
  expect(request.links).toEqual([{ traceId: creation.traceId, spanId: creation.spanId }]);
  expect(request.attributes['timer.attempt']).toBe(2);
});

it("a schedule's occurrences start their own traces, linked to the schedule's creation", async () => {
  const scheduleTrace = '9'.repeat(32);
  const schedule = await post(
    '/schedules',
    { traceparent: `00-${scheduleTrace}-${'a'.repeat(16)}-01` },
    { cron: '* * * * * *', url: `${receiver.url}?first=200&schedule=1` },
  );
  expect(schedule.status).toBe(201);
  const delivery = await waitFor('an occurrence delivered', () =>
    receiver.deliveries.find((d) => d.search.includes('schedule=1')),
  );
  await fetch(`${apiUrl}/schedules/${schedule.id}`, { method: 'DELETE' });

  const occurrenceTrace = traceOf(delivery.headers.traceparent);
  expect(occurrenceTrace).not.toBe(scheduleTrace);
  const request = await waitFor('the occurrence request span', () =>
    otlp.spans.find((s) => s.spanId === spanOf(delivery.headers.traceparent)),
  );
  const occurrence = await waitFor('the occurrence span', () =>
    otlp.spans.find((s) => s.traceId === occurrenceTrace && s.name === 'schedule.occurrence'),
  );
  const creation = await waitFor('the schedule.create span', () =>
    otlp.spans.find((s) => s.traceId === scheduleTrace && s.name === 'schedule.create'),
  );
  expect(occurrence).toMatchObject({ parentSpanId: null, service: 'timer-controller' });
  expect(occurrence.attributes).toMatchObject({ 'schedule.id': schedule.id, 'timer.id': delivery.id });
  expect(occurrence.links).toEqual([{ traceId: scheduleTrace, spanId: creation.spanId }]);
  expect(request.parentSpanId).toBe(occurrence.spanId);
});

it("a retry sent by another controller, after a restart, is still in the creator's trace", async () => {
  const traceId = 'c'.repeat(32);
  // Three seconds between the 503 and the retry: time to replace the controller.
  const created = await createTimer({ traceparent: `00-${traceId}-${'d'.repeat(16)}-01` }, receiver.url, {
    retry: { base_ms: 3000, max_ms: 3000 },
  });
  await waitFor('the first request', () => receiver.deliveries.some((d) => d.id === created.id));
  await controller.waitForLog('Webhook failed, will retry', (l) => l.timerId === created.id);
  controller.kill('SIGKILL');
  await controller.exited;
  const replacement = spawnService('controller', env);
  processes.push(replacement);

  const second = await waitFor(
    'the retry from the new controller',
    () => receiver.deliveries.filter((d) => d.id === created.id)[1],
    { timeoutMs: 30_000 },
  );
  expect(traceOf(second.headers.traceparent)).toBe(traceId);
  const create = await waitFor('the create span', () =>
    otlp.spans.find((s) => s.traceId === traceId && s.name === 'timer.create'),
  );
  const retry = await waitFor('the retry span', () =>
    otlp.spans.find((s) => s.spanId === spanOf(second.headers.traceparent)),
  );
  expect(retry).toMatchObject({ parentSpanId: create.spanId, service: 'timer-controller' });
  expect(retry.attributes).toMatchObject({ 'timer.attempt': 2, 'timer.outcome': 'delivered' });
  // Sent by the new controller, which knew the trace only from the row.
  const failedBy = (await controller.waitForLog('Webhook failed, will retry', (l) => l.timerId === created.id))
    .controllerId;
  const deliveredBy = (await replacement.waitForLog('Webhook delivered', (l) => l.timerId === created.id)).controllerId;
  expect(deliveredBy).not.toBe(failedBy);
});
