/**
 * The campaign's webhook receiver, in a child process of its own so that its
 * arrival times are not held up by the campaign's work. It records every request
 * it reads to the end — when it arrived, what it chose to answer, and when the
 * exchange ended (answered, or the client closed first) — and misbehaves for a
 * share of them. The parent asks for the records at the end.
 *
 * A delivery the receiver chose to answer 2xx is one it has processed: any later
 * delivery of the same timer is a duplicate it would have to deduplicate.
 */
import { ChildProcess, fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReceiverBehaviour, seededRandom } from './plan';

export type ReplyKind = 'ok' | 'slow' | 'error' | 'drop' | 'hang' | 'broken' | 'gone';

export interface DeliveryRecord {
  id: string;
  arrivedAt: number;
  reply: ReplyKind;
  /** The status chosen, or null for drop/hang. */
  status: number | null;
  /** When the answer was written, or the connection closed without one; null if neither happened. */
  endedAt: number | null;
  /** Whether the answer was written before the client went away. */
  answered: boolean;
  idempotencyKeyOk: boolean;
  /** A timer with its own payload: its body arrived with the byte count its X-Chaos-Bytes header names. */
  payloadIntact: boolean;
}

export const isAccepted = (d: DeliveryRecord): boolean => d.status !== null && d.status >= 200 && d.status < 300;

function choose(
  mode: string | null,
  b: ReceiverBehaviour,
  random: () => number,
): { reply: ReplyKind; status: number | null; delayMs: number } {
  if (mode === 'broken') return { reply: 'broken', status: 503, delayMs: 0 };
  if (mode === 'gone') return { reply: 'gone', status: 410, delayMs: 0 };
  let r = random();
  if ((r -= b.slow) < 0) return { reply: 'slow', status: 200, delayMs: 200 + Math.floor(random() * 1300) };
  if ((r -= b.error) < 0) return { reply: 'error', status: [500, 502, 503][Math.floor(random() * 3)], delayMs: 0 };
  if ((r -= b.drop) < 0) return { reply: 'drop', status: null, delayMs: 0 };
  if ((r -= b.hang) < 0) return { reply: 'hang', status: null, delayMs: 0 };
  return { reply: 'ok', status: 200, delayMs: 0 };
}

function serve(behaviour: ReceiverBehaviour, seed: number): void {
  const random = seededRandom(seed);
  const records: DeliveryRecord[] = [];
  // Held so they are not collected; they end when the client gives up.
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const id = url.pathname.split('/').pop() ?? '';
      const choice = choose(url.searchParams.get('mode'), behaviour, random);
      const record: DeliveryRecord = {
        id,
        arrivedAt: Date.now(),
        reply: choice.reply,
        status: choice.status,
        endedAt: null,
        answered: false,
        idempotencyKeyOk: req.headers['idempotency-key'] === id,
        payloadIntact: req.headers['x-chaos-bytes'] === undefined || Number(req.headers['x-chaos-bytes']) === bytes,
      };
      records.push(record);
      res.on('finish', () => {
        record.answered = true;
        record.endedAt = Date.now();
      });
      res.on('close', () => {
        record.endedAt ??= Date.now();
        hanging.delete(res);
      });
      const answer = () => res.writeHead(choice.status!, { 'Content-Type': 'application/json' }).end('{}');
      if (choice.reply === 'drop') req.socket.destroy();
      else if (choice.reply === 'hang') hanging.add(res);
      else if (choice.delayMs > 0) setTimeout(answer, choice.delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.send!({ type: 'ready', port: (server.address() as AddressInfo).port });
  });
  // The campaign went away (killed, interrupted): so does this helper.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: { type: string }) => {
    if (message.type === 'dump') process.send!({ type: 'records', records });
  });
}

export interface ReceiverHandle {
  url: string;
  records(): Promise<DeliveryRecord[]>;
  stop(): Promise<void>;
}

export async function startReceiverProcess(behaviour: ReceiverBehaviour, seed: number): Promise<ReceiverHandle> {
  const child: ChildProcess = fork(__filename, [], {
    env: { CHAOS_RECEIVER: JSON.stringify({ behaviour, seed }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: { type: string } & T) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        resolve(m);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`receiver exited (${code})`)));
    });
  const { port } = await next<{ port: number }>('ready');
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    async records() {
      const reply = next<{ records: DeliveryRecord[] }>('records');
      child.send({ type: 'dump' });
      return (await reply).records;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

if (require.main === module && process.env.CHAOS_RECEIVER) {
  const { behaviour, seed } = JSON.parse(process.env.CHAOS_RECEIVER) as { behaviour: ReceiverBehaviour; seed: number };
  serve(behaviour, seed);
}
