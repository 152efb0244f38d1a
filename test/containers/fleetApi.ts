/**
 * The fleet's api as a client sees it, through its published port with an API key:
 * create timers (one, or thousands with bounded concurrency), read their delivery
 * history. Every request has a deadline, so a hung api fails the test instead of
 * stalling it.
 */

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface Attempt {
  attempt: number;
  controller_id: string;
  outcome: string;
  status_code: number | null;
}

export class FleetApi {
  constructor(
    readonly base: string,
    private readonly key: string,
  ) {}

  async request(method: string, route: string, body?: unknown, timeoutMs = 15_000): Promise<Answer> {
    const res = await fetch(`${this.base}${route}`, {
      method,
      headers: { Authorization: `Bearer ${this.key}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: keep the text for the failure message */
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  async createTimer(body: object): Promise<string> {
    const answer = await this.request('POST', '/timers', body);
    if (answer.status !== 201) throw new Error(`POST /timers: ${answer.status} ${JSON.stringify(answer.body)}`);
    return (answer.body as { id: string }).id;
  }

  /** `count` timers, `concurrency` requests at a time; their ids in creation order. */
  async createTimers(count: number, bodyOf: (index: number) => object, concurrency = 32): Promise<string[]> {
    const ids: string[] = new Array<string>(count);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < count; i = next++) ids[i] = await this.createTimer(bodyOf(i));
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return ids;
  }

  async attempts(id: string): Promise<Attempt[]> {
    const answer = await this.request('GET', `/timers/${id}/attempts?limit=100`);
    if (answer.status !== 200) throw new Error(`GET attempts of ${id}: ${answer.status}`);
    return (answer.body as { items: Attempt[] }).items;
  }

  /** The delivery history of many timers, `concurrency` requests at a time. */
  async attemptsOf(ids: string[], concurrency = 16): Promise<Map<string, Attempt[]>> {
    const histories = new Map<string, Attempt[]>();
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < ids.length; i = next++) histories.set(ids[i], await this.attempts(ids[i]));
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return histories;
  }
}
