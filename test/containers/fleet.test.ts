/**
 * The production shape, run for real by a Docker engine: the images .cicd/.cicd.sh
 * built, and the project's docker-compose.yml brought up as its README says,
 * `up -d --scale timer-controller=3` with the monitoring profile, changed only by
 * environment variables (images, free host ports, API keys and webhook signing on).
 * Everything is observed from outside: the published api and Prometheus ports,
 * `docker inspect`, `docker logs`, and a webhook receiver on this host.
 *
 * The steps share one fleet and run in order, each leaving it whole for the next.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { percentile } from '../helpers/timers';
import type { Receiver } from '../helpers/receiver';
import { waitFor } from '../helpers/wait';
import { whileCreating } from './clients';
import { ContainerState, docker, ROOT, serviceOf } from './compose';
import {
  defineFleet,
  Fleet,
  inFlight,
  jsonLogs,
  processOne,
  startFleetReceiver,
  unsigned,
  waitUntilHealthy,
} from './fleet';
import { recordFigures, seconds } from './figures';
import { PrometheusApi } from './prometheusApi';
import { createTimerInSwaggerUi } from './swaggerUi';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CONTROLLERS = 3;
const FLEET = { mysql: 1, 'timer-api': 1, 'timer-controller': CONTROLLERS, prometheus: 1 };
const BURST = 3000;
const KILL_BURST = 2000;
/** The compose file's LEASE_MS: how long a dead controller's timers wait for another. */
const LEASE_MS = 30_000;

let fleet: Fleet;
let receiver: Receiver;
let prometheus: PrometheusApi;
let upStartedAt: number;
let upReturnedAt: number;

/** Deliveries the receiver got for one step's timers (their URLs carry the step's name). */
const deliveriesOf = (step: string) => receiver.deliveries.filter((d) => d.path.startsWith(`/hooks/${step}/`));
const urlFor = (step: string) => `${receiver.url}/${step}`;

function countsById(step: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of deliveriesOf(step)) counts.set(d.id, (counts.get(d.id) ?? 0) + 1);
  return counts;
}

async function controllers(): Promise<ContainerState[]> {
  return fleet.project.containers('timer-controller');
}

/** Which container a controller id belongs to: controllers name themselves `<hostname>-<pid>-<random>`. */
function containerOfControllerId(containers: ContainerState[], controllerId: string): ContainerState | undefined {
  return containers.find((c) => controllerId.startsWith(`${c.Config.Hostname}-`));
}

/**
 * The controller with the most webhook requests open right now, and how many: read
 * from each one's own /metrics inside its container (its port is not published).
 */
async function busiestController(): Promise<{ container: ContainerState; inFlight: number }> {
  const containers = await controllers();
  const counts = await Promise.all(containers.map((c) => inFlight(c.Id)));
  const busiest = counts.indexOf(Math.max(...counts));
  return { container: containers[busiest], inFlight: counts[busiest] };
}

beforeAll(async () => {
  fleet = await defineFleet('fleet', ['monitoring']);
  prometheus = new PrometheusApi(`http://127.0.0.1:${fleet.prometheusPort}`);
  upStartedAt = Date.now();
  await fleet.project.compose(['up', '-d', '--no-build', '--scale', `timer-controller=${CONTROLLERS}`]);
  upReturnedAt = Date.now();
  receiver = await startFleetReceiver(fleet.project);
}, 300_000);

afterAll(async () => {
  await receiver?.close();
  if (fleet && !process.env.KEEP_FLEET) await fleet.project.down();
}, 120_000);

it('brings every container to healthy: the database, the api and three controllers', async () => {
  const containers = await waitUntilHealthy(fleet.project, FLEET);
  const healthyAt = Date.now();
  const images = await Promise.all(
    ['timer-api', 'timer-controller'].map(async (service) => {
      const size = Number(
        await docker(['image', 'inspect', '--format', '{{.Size}}', `${service}:${process.env.TIMER_IMAGE_TAG}`]),
      );
      return [service, `${Math.round(size / 1e6)} MB`];
    }),
  );
  expect(
    containers
      .filter((c) => c.State.Health)
      .map(serviceOf)
      .sort(),
  ).toEqual(['mysql', 'timer-api', ...Array<string>(CONTROLLERS).fill('timer-controller')]);
  // In every service container, PID 1 is node itself (no init in front), running as `node`.
  for (const c of containers.filter((x) => serviceOf(x).startsWith('timer-'))) {
    const { uid, command } = await processOne(c.Id);
    expect({ service: serviceOf(c), uid, command }).toEqual({
      service: serviceOf(c),
      uid: '1000',
      command: ['node', `${serviceOf(c)}/dist/main.js`],
    });
  }
  // Keys are on: without one, the api refuses.
  const refused = await fetch(`${fleet.api.base}/timers`, { signal: AbortSignal.timeout(10_000) });
  expect(refused.status).toBe(401);
  recordFigures('fleet', {
    compose: fleet.project.tool,
    imageSizes: Object.fromEntries(images),
    upCommandS: seconds(upReturnedAt - upStartedAt),
    upToAllHealthyS: seconds(healthyAt - upStartedAt),
    // The figures mean little on a machine busy with other work.
    machine: { cores: os.cpus().length, loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10) },
  });
});

it('creates a timer from Swagger UI at /docs ("Try it out"), and it fires', async () => {
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM });
    const page = await browser.newPage();
    const shown = await createTimerInSwaggerUi(page, `${fleet.api.base}/docs/`, fleet.apiKey, {
      seconds: 1,
      url: urlFor('swagger'),
    });
    expect(shown.status).toBe(201);
    const { id } = JSON.parse(shown.body) as { id: string };
    await waitFor('the timer created in Swagger UI to fire', () => countsById('swagger').get(id) === 1, {
      timeoutMs: 30_000,
    });
  } finally {
    await browser?.close();
  }
});

it(`fires a burst of ${BURST} timers exactly once, each controller delivering some, signed`, async () => {
  // Due within 10 s of each other, starting far enough ahead for all of them to be
  // created first, even on a busy machine. (Due at one instant, the first controller to
  // poll may claim them all, up to MAX_HELD, and the others get none.)
  const firstDue = Date.now() + 40_000;
  const dueAt = (i: number) => firstDue + Math.floor((i * 10_000) / BURST);
  const createdFrom = Date.now();
  const ids = await fleet.api.createTimers(BURST, (i) => ({
    fire_at: new Date(dueAt(i)).toISOString(),
    url: urlFor('burst'),
  }));
  const createdAt = Date.now();
  await waitFor(`${BURST} deliveries`, () => countsById('burst').size === BURST, { timeoutMs: 120_000 });

  const counts = countsById('burst');
  const histories = await fleet.api.attemptsOf(ids);
  const containers = await controllers();
  const perContainer = new Map<string, number>(containers.map((c) => [c.Id, 0]));
  for (const attempts of histories.values()) {
    const container = containerOfControllerId(containers, attempts[0]?.controller_id ?? '');
    if (container) perContainer.set(container.Id, perContainer.get(container.Id)! + 1);
  }
  const dueOf = new Map(ids.map((id, i) => [id, dueAt(i)]));
  const lateness = deliveriesOf('burst')
    .map((d) => d.arrivedAt - dueOf.get(d.id)!)
    .sort((a, b) => a - b);
  recordFigures('burst', {
    timers: BURST,
    createdInS: seconds(createdAt - createdFrom),
    allCreatedBeforeDue: createdAt < firstDue,
    deliveredOnce: [...counts.values()].filter((n) => n === 1).length,
    duplicates: [...counts.values()].filter((n) => n > 1).length,
    perController: [...perContainer.values()].sort((a, b) => b - a),
    arrivalAfterDueMs: { p50: percentile(lateness, 50), p99: percentile(lateness, 99), max: lateness.at(-1) },
  });

  expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
  expect(unsigned(deliveriesOf('burst'), fleet.webhookSecret)).toEqual([]);
  for (const [id, attempts] of histories) {
    expect({ id, attempts: attempts.map((a) => a.outcome) }).toEqual({ id, attempts: ['delivered'] });
    expect(containerOfControllerId(containers, attempts[0].controller_id)).toBeDefined();
  }
  for (const delivered of perContainer.values()) expect(delivered).toBeGreaterThan(0);
});

it('writes JSON log lines on each controller (docker logs), naming the timers it delivered', async () => {
  const containers = await controllers();
  const burstIds = new Set(countsById('burst').keys());
  const histories = await fleet.api.attemptsOf([...burstIds]);
  for (const container of containers) {
    const { lines, notJson } = await jsonLogs(fleet.project, container.Id);
    expect(notJson).toEqual([]);
    for (const line of lines)
      expect(line).toEqual(expect.objectContaining({ level: expect.any(String), message: expect.any(String) }));
    const named = new Set(lines.map((l) => l.timerId).filter((id): id is string => typeof id === 'string'));
    const deliveredHere = [...histories]
      .filter(([, attempts]) => containerOfControllerId([container], attempts[0].controller_id))
      .map(([id]) => id);
    expect(deliveredHere.length).toBeGreaterThan(0);
    expect(deliveredHere.filter((id) => !named.has(id))).toEqual([]);
  }
});

it('is scraped by Prometheus: the api and the three controllers up, the fired counter growing', async () => {
  await waitFor(
    'Prometheus to find the api and three controllers up',
    async () => {
      const up = await prometheus.upByJob();
      return up['timer-api'] === 1 && up['timer-controller'] === CONTROLLERS;
    },
    { timeoutMs: 90_000, intervalMs: 1000 },
  );
  const delivered = 'sum(timers_webhooks_total{job="timer-controller", outcome="delivered"})';
  const before = await prometheus.scalar(delivered);
  const ids = await fleet.api.createTimers(50, () => ({ seconds: 0, url: urlFor('scraped') }));
  await waitFor('50 deliveries', () => countsById('scraped').size === ids.length, { timeoutMs: 30_000 });
  const after = await waitFor(
    'the delivered counter to grow by 50',
    async () => {
      const value = await prometheus.scalar(delivered);
      return value >= (Number.isNaN(before) ? 0 : before) + 50 && value;
    },
    { timeoutMs: 90_000, intervalMs: 1000 },
  );

  // Every query of the Grafana dashboard is one this Prometheus answers, with data.
  const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'deploy/grafana/timer-service.json'), 'utf8')) as {
    panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
  };
  for (const panel of dashboard.panels) {
    for (const { expr } of panel.targets ?? []) {
      const result = await prometheus.query(expr.replaceAll('$__rate_interval', '1m'));
      expect({ panel: panel.title, expr, series: result.length > 0 }).toEqual({
        panel: panel.title,
        expr,
        series: true,
      });
    }
  }

  const rules = await prometheus.alertingRules();
  expect(rules.length).toBeGreaterThanOrEqual(9);
  for (const rule of rules) expect({ rule: rule.name, health: rule.health }).toEqual({ rule: rule.name, health: 'ok' });
  expect(rules.filter((r) => r.state === 'firing').map((r) => r.name)).toEqual([]);
  recordFigures('prometheus', {
    targetsUp: await prometheus.upByJob(),
    deliveredCounterBefore: before,
    deliveredCounterAfter: after,
  });
});

it('loses nothing when a controller is killed mid-burst; only what it had in flight comes twice', async () => {
  // Answers take 1.5 s: controllers hold requests open, and timers claimed but not yet
  // sent, when one of them dies.
  receiver.respond = (d) => (d.path.startsWith('/hooks/kill/') ? { status: 200, delayMs: 1500 } : 200);
  const fireAt = new Date(Date.now() + 20_000);
  const ids = await fleet.api.createTimers(KILL_BURST, () => ({ fire_at: fireAt.toISOString(), url: urlFor('kill') }));
  await waitFor('the burst to be under way', () => countsById('kill').size >= 200, { timeoutMs: 60_000 });

  // The controller with the most requests open: its death must leave work behind.
  const { container: victim, inFlight: inFlightAtKill } = await waitFor(
    'a controller with requests open',
    async () => {
      const busiest = await busiestController();
      return busiest.inFlight >= 20 ? busiest : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  let killedAt = 0;
  let deliveredBeforeKill = 0;
  let allDeliveredAt = 0;
  try {
    await docker(['kill', victim.Id]);
    killedAt = Date.now();
    deliveredBeforeKill = countsById('kill').size;
    await waitFor(`all ${KILL_BURST} timers delivered`, () => countsById('kill').size === KILL_BURST, {
      timeoutMs: 150_000,
    });
    allDeliveredAt = Date.now();
    // What the killed controller had sent is sent again once its lease has run out:
    // wait for that, then for 3 s without any request.
    await waitFor(
      'the leases to run out and the receiver to go quiet',
      () => Date.now() > killedAt + LEASE_MS + 5000 && Date.now() - (receiver.deliveries.at(-1)?.arrivedAt ?? 0) > 3000,
      { timeoutMs: 120_000, intervalMs: 200 },
    );
  } finally {
    receiver.respond = () => 200;
  }

  const counts = countsById('kill');
  const twice = ids.filter((id) => counts.get(id)! > 1);
  const [killed] = await fleet.project.inspect([victim.Id]);
  recordFigures('kill', {
    timers: KILL_BURST,
    deliveredBeforeKill,
    inFlightAtKill,
    lost: ids.filter((id) => !counts.has(id)).length,
    duplicates: twice.length,
    killToAllDeliveredS: seconds(allDeliveredAt - killedAt),
    killedExitCode: killed.State.ExitCode,
    restartedByDocker: killed.State.Running,
  });

  expect(ids.filter((id) => !counts.has(id))).toEqual([]);
  expect(ids.filter((id) => counts.get(id)! > 2)).toEqual([]);
  // It died with requests open, so some receivers were asked twice: the window was hit.
  expect(twice.length).toBeGreaterThan(0);
  // A second request only for what the killed controller had sent and not yet recorded
  // (its open requests, up to MAX_IN_FLIGHT, and answers it had not yet written): the
  // first request left in the seconds before the kill, its attempt is missing from the
  // history (no live controller sent it), and another controller sent it again, as a
  // later attempt, once the lease ran out.
  const histories = await fleet.api.attemptsOf(twice);
  for (const id of twice) {
    const [first, second] = deliveriesOf('kill').filter((d) => d.id === id);
    const firstAttempt = Number(first.headers['timer-attempt']);
    // Arrival times are taken by the receiver on this test's own event loop, so a
    // request that reached it just before the kill may be stamped a little after.
    expect(first.arrivedAt).toBeGreaterThan(killedAt - 5000);
    expect(first.arrivedAt).toBeLessThan(killedAt + 1000);
    expect(Number(second.headers['timer-attempt'])).toBeGreaterThan(firstAttempt);
    const recorded = histories.get(id)!;
    expect(recorded.map((a) => a.attempt)).not.toContain(firstAttempt);
    expect(recorded.map((a) => a.outcome)).toEqual(['delivered']);
  }
  expect(unsigned(deliveriesOf('kill'), fleet.webhookSecret)).toEqual([]);
});

afterEach(async () => {
  // A step that failed may have left a controller killed; the next steps want three
  // of them, as an operator would start it again.
  const stopped = (await controllers()).filter((c) => !c.State.Running);
  if (stopped.length === 0) return;
  await docker(['start', ...stopped.map((c) => c.Id)]);
  await waitUntilHealthy(fleet.project, FLEET);
});

it('rides out a database restart: 201 or 503 with Retry-After, no container restarts, every accepted timer fires', async () => {
  const services = async () => [...(await fleet.project.containers('timer-api')), ...(await controllers())];
  const before = new Map(
    (await services()).map((c) => [c.Id, { restarts: c.RestartCount, startedAt: c.State.StartedAt }]),
  );
  const { answers, result: times } = await whileCreating(
    fleet.api,
    { clients: 8, pauseMs: 50, body: () => ({ seconds: 2, url: urlFor('dbrestart') }) },
    async () => {
      await sleep(3000);
      const restartAt = Date.now();
      await fleet.project.compose(['restart', 'mysql']);
      const restartedAt = Date.now();
      await waitUntilHealthy(fleet.project, FLEET);
      const healthyAgainAt = Date.now();
      await sleep(5000);
      return { restartAt, restartedAt, healthyAgainAt };
    },
  );
  const { restartAt, restartedAt, healthyAgainAt } = times;

  const byStatus: Record<string, number> = {};
  for (const a of answers) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
  expect(answers.filter((a) => a.status !== 201 && a.status !== 503)).toEqual([]);
  expect(answers.filter((a) => a.status === 503 && !a.retryAfter)).toEqual([]);

  const accepted = answers.filter((a) => a.status === 201).map((a) => a.id!);
  await waitFor(
    `${accepted.length} accepted timers to fire`,
    () => accepted.every((id) => countsById('dbrestart').has(id)),
    {
      timeoutMs: 120_000,
      intervalMs: 250,
    },
  );
  const allFiredAt = Date.now();
  const counts = countsById('dbrestart');
  const twice = accepted.filter((id) => counts.get(id)! > 1);
  expect(twice).toEqual([]);

  const after = await services();
  for (const c of after) {
    expect({ container: c.Name, ...before.get(c.Id) }).toEqual({
      container: c.Name,
      restarts: c.RestartCount,
      startedAt: c.State.StartedAt,
    });
  }
  const unavailable = answers.filter((a) => a.status === 503);
  recordFigures('databaseRestart', {
    restartCommandS: seconds(restartedAt - restartAt),
    restartToHealthyS: seconds(healthyAgainAt - restartAt),
    answers: byStatus,
    unavailableWindowS: unavailable.length
      ? seconds(Math.max(...unavailable.map((a) => a.sentAt)) - Math.min(...unavailable.map((a) => a.sentAt)))
      : 0,
    slowestAnswerMs: Math.max(...answers.map((a) => a.tookMs)),
    accepted: accepted.length,
    firedOnce: accepted.filter((id) => counts.get(id) === 1).length,
    lastFiredAfterHealthyS: seconds(allFiredAt - healthyAgainAt),
    serviceContainerRestarts: 0,
  });
});

it('stops every controller with exit code 0 within its grace period, having finished what it held', async () => {
  // Answers take 2 s: each controller has requests open when it is told to stop.
  receiver.respond = (d) => (d.path.startsWith('/hooks/stop/') ? { status: 200, delayMs: 2000 } : 200);
  const ids = await fleet.api.createTimers(150, () => ({ seconds: 0, url: urlFor('stop') }));
  await waitFor('requests in flight', () => countsById('stop').size >= 100, { timeoutMs: 30_000 });

  const stopAt = Date.now();
  await fleet.project.compose(['stop']);
  const stopped = await controllers();
  for (const c of stopped) {
    const tookMs = Date.parse(c.State.FinishedAt) - stopAt;
    expect({ container: c.Name, exitCode: c.State.ExitCode }).toEqual({ container: c.Name, exitCode: 0 });
    expect(tookMs).toBeLessThan(45_000); // stop_grace_period
  }
  const [api] = await fleet.project.containers('timer-api');
  expect(api.State.ExitCode).toBe(0);

  // Started again, the database shows every one of them fired once: the controllers
  // waited for the answers and wrote them down before they exited.
  await fleet.project.compose(['start']);
  await waitUntilHealthy(fleet.project, FLEET);
  const histories = await fleet.api.attemptsOf(ids);
  for (const [id, attempts] of histories) {
    expect({ id, outcomes: attempts.map((a) => a.outcome) }).toEqual({ id, outcomes: ['delivered'] });
  }
  recordFigures('stop', {
    controllersExitCodes: stopped.map((c) => c.State.ExitCode),
    controllerStopS: stopped.map((c) => seconds(Date.parse(c.State.FinishedAt) - stopAt)),
    timers: ids.length,
    // Sent less than the 2 s answer time before the stop: open when it came.
    inFlightAtStop: deliveriesOf('stop').filter((d) => d.arrivedAt < stopAt && d.arrivedAt > stopAt - 2000).length,
    deliveredOnceAfterRestart: histories.size,
  });
});
