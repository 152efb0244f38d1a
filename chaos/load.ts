/**
 * The api's clients: POST /timers at a steady rate, whatever the api answers,
 * recording each answer's status and how long it took. A 201 is an accepted
 * timer, which must end fired, failed or canceled. No retries: a 503 is counted,
 * not hidden.
 */
import http from 'node:http';
import type { Plan } from './plan';
import { between } from './plan';

export interface ApiRecord {
  sentAt: number;
  endedAt: number;
  /** The HTTP status, or 0 when no answer came: TIMEOUT (none within ANSWER_LIMIT_MS) or a connection error code. */
  status: number;
  error?: string;
}

export interface LoadResult {
  records: ApiRecord[];
  accepted: string[];
  /** GET /healthz answers (no database involved): how responsive the api process itself was. */
  healthz: Array<{ sentAt: number; ms: number }>;
}

/**
 * A request the api has not answered after this long counts as hanging, which
 * the SPEC forbids. Slow answers short of it are reported as warnings (summary.ts).
 */
const ANSWER_LIMIT_MS = 30_000;
/** Most requests open at once, each on its own connection (none waits in the client): steady, not a flood. */
const MAX_OPEN = 512;

interface Answer {
  status: number;
  text: string;
  error?: string;
}

/**
 * POST /timers with Node's http client (cheaper per request than fetch); never
 * rejects. A kept-alive connection that the api closed for idleness just as the
 * request went out is reset before the api read anything: sent again, as Node's
 * documentation advises, since the api never saw it. The agent also drops a
 * connection idle for 4 s, before the api's keep-alive timeout closes it.
 */
async function post(agent: http.Agent, apiUrl: URL, body: string): Promise<Answer> {
  // Several idle connections can go stale together: each stale one is passed over, a few at most.
  for (let tries = 1; ; tries++) {
    const answer = await postOnce(agent, apiUrl, body);
    if (!answer.staleConnection || tries === 3) return answer;
  }
}

function postOnce(agent: http.Agent, apiUrl: URL, body: string): Promise<Answer & { staleConnection?: boolean }> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: apiUrl.hostname,
        port: apiUrl.port,
        path: '/timers',
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        timeout: ANSWER_LIMIT_MS,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', (err) => resolve({ status: 0, text: '', error: describe(err) }));
      },
    );
    // Where a request that got no answer stood: never connected, or sent in full and left unanswered.
    let stage = 'not_connected';
    req.on('socket', (socket) => {
      if (req.reusedSocket) stage = 'connected';
      else socket.once('connect', () => (stage = 'connected'));
    });
    req.on('finish', () => (stage = stage === 'connected' ? 'sent' : stage));
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer'), { code: 'TIMEOUT' })));
    req.on('error', (err) =>
      resolve({
        status: 0,
        text: '',
        error: `${describe(err)}:${stage}`,
        staleConnection: req.reusedSocket && (err as { code?: string }).code === 'ECONNRESET',
      }),
    );
    req.end(body);
  });
}

function describe(err: Error): string {
  return (err as { code?: string }).code ?? err.name;
}

/** A third of the api's timers send their own request: a 1 KiB JSON payload with a header, half of them with PUT. */
const OWN_REQUEST_SHARE = 1 / 3;
const PAYLOAD = { pad: 'p'.repeat(1000) };

function ownRequest(random: () => number): Record<string, unknown> {
  const r = random();
  if (r >= OWN_REQUEST_SHARE) return {};
  const bytes = String(Buffer.byteLength(JSON.stringify(PAYLOAD)));
  return { payload: PAYLOAD, headers: { 'X-Chaos-Bytes': bytes }, method: r < OWN_REQUEST_SHARE / 2 ? 'PUT' : 'POST' };
}

export async function createTimersSteadily(
  plan: Plan,
  apiUrl: string,
  receiverUrl: string,
  random: () => number,
): Promise<LoadResult> {
  const records: ApiRecord[] = [];
  const accepted: string[] = [];
  const open = new Set<Promise<void>>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_OPEN, timeout: 4000 });
  const api = new URL(apiUrl);
  const urlFor = () => {
    const r = random();
    if (r < plan.receiver.brokenUrl) return `${receiverUrl}?mode=broken`;
    if (r < plan.receiver.brokenUrl + plan.receiver.goneUrl) return `${receiverUrl}?mode=gone`;
    return receiverUrl;
  };
  const createOne = async () => {
    const body = JSON.stringify({ seconds: between(random, plan.delaySeconds), url: urlFor(), ...ownRequest(random) });
    const sentAt = Date.now();
    const { status, text, error } = await post(agent, api, body);
    records.push({ sentAt, endedAt: Date.now(), status, ...(error ? { error } : {}) });
    if (status === 201) accepted.push((JSON.parse(text) as { id: string }).id);
  };

  const probing = probeHealth(api);
  const started = Date.now();
  let sent = 0;
  while (sent < plan.apiTimers) {
    const due = Math.min(plan.apiTimers, Math.ceil(((Date.now() - started) / plan.createForMs) * plan.apiTimers));
    while (sent < due && open.size < MAX_OPEN) {
      sent += 1;
      const request = createOne().finally(() => open.delete(request));
      open.add(request);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(open);
  agent.destroy();
  return { records, accepted, healthz: await probing.stop() };
}

const PROBE_LIMIT_MS = 5000;

/** GET /healthz every 250 ms on a connection of its own, timing each answer, until stopped. */
function probeHealth(api: URL): { stop(): Promise<LoadResult['healthz']> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times: LoadResult['healthz'] = [];
  let running = true;
  const once = () =>
    new Promise<void>((resolve) => {
      const sentAt = Date.now();
      const req = http.get(
        { host: api.hostname, port: api.port, path: '/healthz', agent, timeout: PROBE_LIMIT_MS },
        (res) => {
          res.resume().on('end', () => resolve(void times.push({ sentAt, ms: Date.now() - sentAt })));
        },
      );
      // No answer in time counts as that long, and the probe carries on.
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(void times.push({ sentAt, ms: Date.now() - sentAt })));
    });
  const loop = (async () => {
    while (running) {
      await once();
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      agent.destroy();
      return times;
    },
  };
}
