/**
 * Tracing off means off: a process started without an OTLP endpoint (or with
 * OTEL_SDK_DISABLED=true) runs, creates and delivers timers without our code
 * loading any @opentelemetry module, and its webhooks carry no traceparent. The
 * one exception predates tracing and is not ours: prom-client requires the
 * OpenTelemetry API package (a no-op without an SDK) for its exemplars, and the
 * test pins it to exactly that. With an endpoint, the same process loads the
 * SDK and only the exporter asked for. Who loaded what comes from the real
 * process (`npm start`: api and controller in one), reported by a preloaded
 * script when it exits.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, TestDatabase } from './helpers/db';
import { OtlpReceiver, startOtlpReceiver } from './helpers/otlpReceiver';
import { killAll, ServiceProcess, spawnService } from './helpers/processes';
import { Receiver, startReceiver } from './helpers/receiver';
import { waitFor } from './helpers/wait';

let t: TestDatabase;
let receiver: Receiver;
let otlp: OtlpReceiver;
let dir: string;
const processes: ServiceProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase('tracing_off');
  receiver = await startReceiver();
  otlp = await startOtlpReceiver();
  dir = await mkdtemp(path.join(os.tmpdir(), 'tracing-off-'));
});

afterAll(async () => {
  await killAll(processes);
  await receiver.close();
  await otlp.close();
  await t.drop();
  await rm(dir, { recursive: true, force: true });
});

/** Runs `npm start` with `env`, fires one timer through it, stops it; what it loaded and what the receiver got. */
async function fireOneTimer(name: string, env: Record<string, string>) {
  const report = path.join(dir, `${name}.json`);
  const service = spawnService('standalone', {
    DATABASE_URL: t.url,
    POLL_INTERVAL_MS: '100',
    NODE_OPTIONS: `--require ${path.join(__dirname, 'helpers', 'reportModules.js')}`,
    REPORT_MODULES_TO: report,
    ...env,
  });
  processes.push(service);
  const port = (await service.waitForLog('API listening')).port as number;
  await service.waitForLog('Controller started');
  const res = await fetch(`http://127.0.0.1:${port}/timers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
    body: JSON.stringify({ url: receiver.url }),
  });
  const { id } = (await res.json()) as { id: string };
  const delivery = await waitFor('the webhook', () => receiver.deliveries.find((d) => d.id === id));
  const starting = await service.waitForLog('Starting');
  service.kill('SIGTERM');
  expect(await service.exited).toEqual({ code: 0, signal: null });
  const loads = JSON.parse(await readFile(report, 'utf8')) as Array<{ request: string; from: string | null }>;
  const packages = new Set(loads.map((l) => l.request.split('/')[1]));
  // Every load not made by an OpenTelemetry package itself, by the package that made it.
  const loaders = new Set(
    loads.filter((l) => !l.from?.includes('/@opentelemetry/')).map((l) => `${l.request} from ${packageOf(l.from)}`),
  );
  return { delivery, packages, loaders, starting };
}

/** `node_modules/prom-client/lib/x.js` → prom-client; our own dist files → their workspace. */
function packageOf(file: string | null): string {
  if (file === null) return 'unknown';
  const inModules = file.split('node_modules/').pop()!;
  if (inModules !== file)
    return inModules.startsWith('@') ? inModules.split('/').slice(0, 2).join('/') : inModules.split('/')[0];
  return path.relative(path.join(__dirname, '..'), file).split(path.sep)[0];
}

/** What prom-client loads whatever the settings (lib/metrics/processCpuTotal.js, for exemplars). */
const PROM_CLIENT_ONLY = ['@opentelemetry/api from prom-client'];

it('with no endpoint, our code loads no @opentelemetry module and the webhook carries no traceparent', async () => {
  const { delivery, loaders, starting } = await fireOneTimer('off', {});
  expect([...loaders]).toEqual(PROM_CLIENT_ONLY);
  expect(delivery.headers.traceparent).toBeUndefined();
  expect(starting.tracing).toBe('off');
});

it('OTEL_SDK_DISABLED=true keeps it off even with an endpoint', async () => {
  const { loaders } = await fireOneTimer('disabled', {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
    OTEL_SDK_DISABLED: 'true',
  });
  expect([...loaders]).toEqual(PROM_CLIENT_ONLY);
});

it('with an endpoint, the SDK and only the exporter asked for are loaded', async () => {
  const { delivery, packages, loaders, starting } = await fireOneTimer('on', {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  });
  expect(packages).toContain('sdk-trace-base');
  expect(packages).toContain('exporter-trace-otlp-http');
  expect(packages).not.toContain('exporter-trace-otlp-proto');
  expect(loaders).toContain('@opentelemetry/sdk-trace-base from shared');
  expect(String(delivery.headers.traceparent)).toMatch(new RegExp(`^00-${'a'.repeat(32)}-[0-9a-f]{16}-01$`));
  expect(starting.tracing).toBe(`on (http/json to ${otlp.endpoint}/v1/traces, parentbased_always_on)`);
  // The last spans were exported on the way out.
  expect(otlp.spans.some((s) => s.traceId === 'a'.repeat(32) && s.service === 'timer-service')).toBe(true);
});

it('by default the protobuf exporter is loaded, and sends OTLP protobuf with the configured headers', async () => {
  const { packages, delivery } = await fireOneTimer('protobuf', {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
    OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=k1',
  });
  expect(packages).toContain('exporter-trace-otlp-proto');
  expect(packages).not.toContain('exporter-trace-otlp-http');
  expect(delivery.headers.traceparent).toBeDefined();
  expect(otlp.protobuf.length).toBeGreaterThan(0);
  expect(otlp.protobuf[0].headers['x-api-key']).toBe('k1');
  expect(otlp.protobuf[0].bytes).toBeGreaterThan(100);
});
