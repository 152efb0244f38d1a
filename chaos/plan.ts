/**
 * The campaign's schedule: how many timers, when each fault strikes, how the
 * receiver misbehaves, and the settings the services run with. Times are
 * milliseconds after load starts. `full` is the published run (about three
 * minutes); `quick` is the same shape, scaled down for CI.
 */
export interface Plan {
  name: 'quick' | 'full';
  seed: number;
  /** Timers created through the api at a steady rate over [0, createForMs]. */
  apiTimers: number;
  createForMs: number;
  /** Each api timer's delay in whole seconds (the api takes no finer unit), uniform in this range. */
  delaySeconds: [number, number];
  /** Timers written straight to the table, all due at the same instant. */
  burst: { timers: number; dueAtMs: number };
  /** The database connection cut at the proxy. */
  cuts: Array<{ atMs: number; forMs: number }>;
  /** The private MariaDB killed with SIGKILL and started again (skipped on the shared server). */
  databaseCrash: { atMs: number; downMs: number };
  /** One controller SIGKILLed (in turn) every `everyMs`, and started again at once. */
  kills: { fromMs: number; untilMs: number; everyMs: [number, number] };
  /** After the last fault, how long every timer has to reach fired, failed or canceled. */
  settleMaxMs: number;
  receiver: ReceiverBehaviour;
}

/** Shares of requests the receiver answers badly; the rest get 200 at once. */
export interface ReceiverBehaviour {
  /** 200 after 200–1500 ms (well inside WEBHOOK_TIMEOUT_MS). */
  slow: number;
  /** 500, 502 or 503: retried. */
  error: number;
  /** The connection closed without an answer: retried. */
  drop: number;
  /** No answer at all: the controller times out and retries. */
  hang: number;
  /** Shares of api timers whose URL always answers 503 (fail after MAX_ATTEMPTS) or 410 (fail at once). */
  brokenUrl: number;
  goneUrl: number;
}

const RECEIVER: ReceiverBehaviour = {
  slow: 0.04,
  error: 0.03,
  drop: 0.02,
  hang: 0.01,
  brokenUrl: 0.004,
  goneUrl: 0.004,
};

export const PLANS: Record<Plan['name'], Omit<Plan, 'seed'>> = {
  full: {
    name: 'full',
    apiTimers: 50_000,
    createForMs: 130_000,
    delaySeconds: [1, 25],
    burst: { timers: 10_000, dueAtMs: 60_000 },
    cuts: [
      { atMs: 25_000, forMs: 6_000 },
      { atMs: 61_000, forMs: 8_000 }, // while the burst drains
      { atMs: 110_000, forMs: 10_000 },
    ],
    databaseCrash: { atMs: 85_000, downMs: 3_000 },
    kills: { fromMs: 5_000, untilMs: 150_000, everyMs: [4_000, 7_000] },
    settleMaxMs: 120_000,
    receiver: RECEIVER,
  },
  quick: {
    name: 'quick',
    apiTimers: 5_000,
    createForMs: 40_000,
    delaySeconds: [1, 10],
    burst: { timers: 2_000, dueAtMs: 20_000 },
    cuts: [
      { atMs: 8_000, forMs: 5_000 },
      { atMs: 21_000, forMs: 6_000 }, // while the burst drains
      { atMs: 40_000, forMs: 5_000 },
    ],
    databaseCrash: { atMs: 31_000, downMs: 2_000 },
    kills: { fromMs: 3_000, untilMs: 48_000, everyMs: [3_000, 5_000] },
    settleMaxMs: 60_000,
    receiver: RECEIVER,
  },
};

/**
 * What the services run with. The lease outlasts the longest cut plus a
 * database back-off, so a cut alone never lets a lease run out under a sent
 * webhook; and it is short enough that timers held by a killed controller are
 * sent again well within the run. LEASE_MS ≥ WEBHOOK_TIMEOUT_MS + 1000.
 */
export const SERVICE_ENV: Record<string, string> = {
  LEASE_MS: '15000',
  WEBHOOK_TIMEOUT_MS: '3000',
  MAX_ATTEMPTS: '5',
  RETRY_BASE_MS: '500',
  RETRY_MAX_MS: '4000',
  DB_RETRY_MAX_MS: '2000',
  POLL_INTERVAL_MS: '500',
  LOOKAHEAD_MS: '1000',
  LOG_LEVEL: 'info',
};

export const LEASE_MS = Number(SERVICE_ENV.LEASE_MS);

/** mulberry32: a small seeded generator, so a campaign's schedule can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function between(random: () => number, [low, high]: [number, number]): number {
  return low + Math.floor(random() * (high - low + 1));
}
