/**
 * What both services' HTTP servers promise any client, checked on the real
 * processes: request headers must arrive within HEADERS_TIMEOUT_MS (a client
 * that trickles them is cut off then, not ~30 s later when Node's default sweep
 * comes round); every answer carries `X-Content-Type-Options: nosniff`; Swagger
 * UI cannot be framed by another site.
 */
import net from 'node:net';
import { createTestDatabase, TestDatabase } from './helpers/db';
import { killAll, ServiceProcess, spawnService } from './helpers/processes';

const HEADERS_TIMEOUT_MS = 1000;

let t: TestDatabase;
const services: ServiceProcess[] = [];
let apiPort: number;
let controllerPort: number;

beforeAll(async () => {
  t = await createTestDatabase('http_hardening');
  const env = { DATABASE_URL: t.url, HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS) };
  const api = spawnService('api', env);
  const controller = spawnService('controller', env);
  services.push(api, controller);
  apiPort = (await api.waitForLog('API listening')).port as number;
  controllerPort = (await controller.waitForLog('Controller health server listening')).port as number;
});

afterAll(async () => {
  await killAll(services);
  await t.drop();
});

/** Sends a request line and then one header byte every 200 ms, never ending the headers; ms until the server hangs up. */
function trickleHeaders(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => socket.write('POST /timers HTTP/1.1\r\nHost: x\r\nX-Slow: '));
    const drip = setInterval(() => socket.write('a'), 200);
    const giveUp = setTimeout(() => socket.destroy(new Error('still open after 20 s')), 20_000);
    socket.on('error', () => undefined);
    socket.on('close', (hadError) => {
      clearInterval(drip);
      clearTimeout(giveUp);
      if (Date.now() - started >= 20_000 && hadError) reject(new Error('the server never hung up'));
      else resolve(Date.now() - started);
    });
    socket.resume();
  });
}

it.each([
  ['api', () => apiPort],
  ['controller', () => controllerPort],
])('the %s cuts off a client that trickles its headers at HEADERS_TIMEOUT_MS', async (_service, port) => {
  const ms = await trickleHeaders(port());
  expect(ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
  // The bound plus the sweep interval (a tenth of it, at least 100 ms), with room for a busy machine.
  expect(ms).toBeLessThan(HEADERS_TIMEOUT_MS + 1500);
});

it('marks every answer nosniff, errors and documents included', async () => {
  for (const url of [
    `http://127.0.0.1:${apiPort}/timers/nope`,
    `http://127.0.0.1:${apiPort}/healthz`,
    `http://127.0.0.1:${apiPort}/openapi.json`,
    `http://127.0.0.1:${apiPort}/docs/`,
    `http://127.0.0.1:${controllerPort}/metrics`,
    `http://127.0.0.1:${controllerPort}/nowhere`,
  ]) {
    const res = await fetch(url);
    await res.arrayBuffer();
    expect([url, res.headers.get('x-content-type-options')]).toEqual([url, 'nosniff']);
  }
});

it('does not let another site frame Swagger UI', async () => {
  for (const path of ['/docs/', '/docs/index.html']) {
    const res = await fetch(`http://127.0.0.1:${apiPort}${path}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('swagger');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  }
});
