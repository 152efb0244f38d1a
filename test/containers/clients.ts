/**
 * Clients that keep creating timers while something breaks, and behave as the SPEC
 * asks clients to: after a 503 they wait its Retry-After before the next request.
 * Every answer is kept (status, Retry-After, how long it took), and so is every
 * request that got no answer at all.
 */
import type { FleetApi } from './fleetApi';

export interface CreateAnswer {
  /** The HTTP status, or 'none' when the request failed without an answer. */
  status: number | 'none';
  retryAfter: string | null;
  id?: string;
  sentAt: number;
  tookMs: number;
  error?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function keepCreating(
  api: FleetApi,
  { clients, pauseMs, body }: { clients: number; pauseMs: number; body: () => object },
): { stop(): Promise<CreateAnswer[]> } {
  const answers: CreateAnswer[] = [];
  let stopping = false;
  const client = async () => {
    while (!stopping) {
      const sentAt = Date.now();
      try {
        const answer = await api.request('POST', '/timers', body(), 15_000);
        const retryAfter = answer.headers.get('retry-after');
        const id = answer.status === 201 ? (answer.body as { id: string }).id : undefined;
        answers.push({ status: answer.status, retryAfter, id, sentAt, tookMs: Date.now() - sentAt });
        await sleep(answer.status === 503 ? Math.min(Number(retryAfter) || 1, 5) * 1000 : pauseMs);
      } catch (err) {
        answers.push({ status: 'none', retryAfter: null, sentAt, tookMs: Date.now() - sentAt, error: String(err) });
        await sleep(1000);
      }
    }
  };
  const running = Array.from({ length: clients }, client);
  return {
    stop: async () => {
      stopping = true;
      await Promise.all(running);
      return answers;
    },
  };
}

/** Runs `during` while clients create timers; the clients stop however `during` ends. */
export async function whileCreating<T>(
  api: FleetApi,
  options: { clients: number; pauseMs: number; body: () => object },
  during: () => Promise<T>,
): Promise<{ answers: CreateAnswer[]; result: T }> {
  const clients = keepCreating(api, options);
  try {
    const result = await during();
    return { answers: await clients.stop(), result };
  } finally {
    await clients.stop();
  }
}
