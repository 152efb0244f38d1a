/**
 * One compose fleet for a container test: the variables it runs with (the images
 * prepare.sh made, free host ports, API keys and webhook signing on), bringing it up,
 * waiting for the images' own HEALTHCHECKs, and a receiver for its webhooks on this
 * host, at the address the containers reach it by (their network's gateway).
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { freePort } from '../helpers/ports';
import { Delivery, Receiver, startReceiver } from '../helpers/receiver';
import { waitFor } from '../helpers/wait';
import { ComposeProject, ContainerState, docker, gatewayOf, removeAbandonedProjects, serviceOf } from './compose';
import { FleetApi } from './fleetApi';

/** Every project these tests start is named `timer-ct-<pid>-<what>`. */
const PROJECT_PREFIX = 'timer-ct-';

/** What prepare.sh built and exported; the test cannot run without it. */
export function preparedImages(): Record<string, string> {
  const names = ['NODE_IMAGE', 'MYSQL_IMAGE', 'PROMETHEUS_IMAGE', 'TIMER_IMAGE_TAG'];
  const missing = names.filter((n) => !process.env[n]);
  if (missing.length > 0) {
    throw new Error(`${missing.join(', ')} not set: run the container test with \`npm run test:containers\``);
  }
  return Object.fromEntries(names.map((n) => [n, process.env[n]!]));
}

export interface Fleet {
  project: ComposeProject;
  api: FleetApi;
  apiKey: string;
  webhookSecret: string;
  apiPort: number;
  prometheusPort: number;
}

export async function defineFleet(what: string, profiles: string[] = []): Promise<Fleet> {
  await removeAbandonedProjects(PROJECT_PREFIX);
  const apiKey = `tk_containers_${randomBytes(12).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;
  const [apiPort, prometheusPort] = [await freePort(), await freePort()];
  const env = {
    ...preparedImages(),
    API_HOST_PORT: String(apiPort),
    PROMETHEUS_HOST_PORT: String(prometheusPort),
    API_KEYS: apiKey,
    WEBHOOK_SECRET: webhookSecret,
    // Required of separate api and controller processes.
    INTERNAL_TOKEN: randomBytes(24).toString('hex'),
    // The controllers' line per delivered webhook (with its timerId) is written at
    // debug level; debug shows it wherever its level is.
    LOG_LEVEL: 'debug',
    // Every delivery on its own line: a burst of 3,000 passes the default 100 lines a second,
    // over which deliveries are only counted, and the test looks for each timer by name.
    DELIVERY_LOG_PER_SECOND: '100000',
  };
  const project = new ComposeProject(`${PROJECT_PREFIX}${process.pid}-${what}`, env, profiles);
  return {
    project,
    api: new FleetApi(`http://127.0.0.1:${apiPort}`, apiKey),
    apiKey,
    webhookSecret,
    apiPort,
    prometheusPort,
  };
}

export const SERVICES_WITH_HEALTHCHECK = ['mysql', 'timer-api', 'timer-controller'];

/** Waits until every container with a HEALTHCHECK is healthy (and the rest run); returns them. */
export async function waitUntilHealthy(
  project: ComposeProject,
  expected: Record<string, number>,
  timeoutMs = 180_000,
): Promise<ContainerState[]> {
  return waitFor(
    `${project.name} to be healthy (${JSON.stringify(expected)})`,
    async () => {
      const containers = await project.containers();
      const counts: Record<string, number> = {};
      for (const c of containers) {
        const ok = c.State.Health ? c.State.Health.Status === 'healthy' : c.State.Running;
        if (ok) counts[serviceOf(c)] = (counts[serviceOf(c)] ?? 0) + 1;
      }
      const done = Object.entries(expected).every(([service, n]) => counts[service] === n);
      return done ? containers : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

/** A receiver on the fleet network's gateway address, answering 200 unless told otherwise. */
export async function startFleetReceiver(project: ComposeProject): Promise<Receiver> {
  const [api] = await project.containers('timer-api');
  return startReceiver(() => 200, { host: gatewayOf(api) });
}

/** Deliveries whose Standard Webhooks signature does not verify with the fleet's secret. */
export function unsigned(deliveries: Delivery[], secret: string): Delivery[] {
  const webhook = new Webhook(secret);
  return deliveries.filter((d) => {
    try {
      webhook.verify(d.rawBody, d.headers as Record<string, string>);
      return false;
    } catch {
      return true;
    }
  });
}

/** The JSON log lines of a container, and any line that is not JSON. */
export async function jsonLogs(
  project: ComposeProject,
  id: string,
): Promise<{ lines: Array<Record<string, unknown>>; notJson: string[] }> {
  const lines: Array<Record<string, unknown>> = [];
  const notJson: string[] = [];
  for (const line of await project.logs(id)) {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      notJson.push(line);
    }
  }
  return { lines, notJson };
}

/** PID 1 of a running container: its user id and command line (read by node inside it). */
export async function processOne(id: string): Promise<{ uid: string; command: string[] }> {
  const script = [
    "const fs = require('fs');",
    "const uid = /^Uid:\\s+(\\d+)/m.exec(fs.readFileSync('/proc/1/status', 'utf8'))[1];",
    "const command = fs.readFileSync('/proc/1/cmdline', 'utf8').split('\\0').filter(Boolean);",
    'process.stdout.write(JSON.stringify({ uid, command }));',
  ].join(' ');
  return JSON.parse(await docker(['exec', id, 'node', '-e', script])) as { uid: string; command: string[] };
}

/** A controller's webhook requests open now (timers_webhooks_in_flight), read inside its container. */
export async function inFlight(id: string): Promise<number> {
  const script = [
    "fetch('http://127.0.0.1:' + (process.env.CONTROLLER_PORT || 3001) + '/metrics')",
    '.then((res) => res.text())',
    '.then((text) => process.stdout.write(/^timers_webhooks_in_flight (\\S+)/m.exec(text)[1]));',
  ].join('');
  return Number(await docker(['exec', id, 'node', '-e', script]));
}
