/**
 * Prometheus metrics, one registry per process (both services share it under
 * `npm start`). Names follow Prometheus conventions: `_total` for counters,
 * `_seconds` for durations. Served at GET /metrics by both services.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const GIVE_BACK_RESULTS = ['given_back', 'not_held', 'started', 'unreachable'] as const;

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  readonly registry = new Registry();

  readonly timersCreated = new Counter({
    name: 'timers_created_total',
    help: 'Timers accepted by the api (201).',
    registers: [this.registry],
  });

  readonly timersCanceled = new Counter({
    name: 'timers_canceled_total',
    help: 'Timers canceled through the api.',
    registers: [this.registry],
  });

  readonly httpRequests = new Counter({
    name: 'timers_http_requests_total',
    help: 'Api requests answered, by method, route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'timers_http_request_duration_seconds',
    help: 'Time to answer an api request.',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly webhooks = new Counter({
    name: 'timers_webhooks_total',
    help: 'Webhook attempts by outcome: delivered (2xx), retry (will be retried), failed (given up).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookDuration = new Histogram({
    name: 'timers_webhook_duration_seconds',
    help: 'Time from sending a webhook to its answer (or error).',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly fireLateness = new Histogram({
    name: 'timers_fire_lateness_seconds',
    help: 'How late a webhook was sent: send time minus fire_at (retries count from their retry time).',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly claimBatchSize = new Histogram({
    name: 'timers_claim_batch_size',
    help: 'Timers taken by one claim query.',
    buckets: [0, 1, 5, 10, 25, 50, 100, 200, 500, 1000, 2000],
    registers: [this.registry],
  });

  readonly claimDuration = new Histogram({
    name: 'timers_claim_duration_seconds',
    help: 'Time of one claim transaction (SELECT … FOR UPDATE SKIP LOCKED + UPDATE + COMMIT).',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly dbErrors = new Counter({
    name: 'timers_db_errors_total',
    help: 'Database operations that failed, by the operation that failed.',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  readonly scheduleOccurrences = new Counter({
    name: 'timers_schedule_occurrences_total',
    help: 'Occurrences of schedules written as timers by this controller.',
    registers: [this.registry],
  });

  readonly scheduleCatchUps = new Counter({
    name: 'timers_schedule_catch_ups_total',
    help: 'Times a schedule had missed occurrences (no controller ran at their time) and only the latest was created.',
    registers: [this.registry],
  });

  private inFlightSource = (): number => 0;

  /** Read when scraped, not kept up to date on every request. */
  readonly inFlight: Gauge = new Gauge({
    name: 'timers_webhooks_in_flight',
    help: 'Webhook requests open right now.',
    registers: [this.registry],
    collect: () => this.inFlight.set(this.inFlightSource()),
  });

  countInFlight(source: () => number): void {
    this.inFlightSource = source;
  }

  readonly leasesLost = new Counter({
    name: 'timers_leases_lost_total',
    help: 'Outcomes not recorded because another controller had taken the timer over.',
    registers: [this.registry],
  });

  readonly giveBacks = new Counter({
    name: 'timers_give_backs_total',
    help:
      'Api calls asking a controller to give back a timer it holds, by result: given_back, not_held, started, ' +
      'unreachable (no answer in GIVE_BACK_TIMEOUT_MS, not registered, or refused).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly advertisedReachable = new Gauge({
    name: 'timers_controller_advertised_reachable',
    help: "1 when this controller's advertised address (CONTROLLER_ADVERTISE_URL) answered its last self-check, else 0.",
    registers: [this.registry],
  });

  constructor({ processMetrics = true }: { processMetrics?: boolean } = {}) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
    // Every outcome and operation is exported from the start, at 0: a labelled series
    // that first appears at 1 has no increase for rate() to see, so an alert on the
    // first failed webhook or the first claim error would miss it.
    for (const outcome of ['delivered', 'retry', 'failed', 'skipped']) this.webhooks.inc({ outcome }, 0);
    for (const operation of ['api', 'claim', 'record', 'schedules']) this.dbErrors.inc({ operation }, 0);
    for (const result of GIVE_BACK_RESULTS) this.giveBacks.inc({ result }, 0);
  }
}
