/**
 * What a Controller is built from: its settings, the store's claims (and flows),
 * the clocks, and the parts tests replace (sender, gate, signing keys).
 */
import type { Claims, Clock, Config, DbClock, Flows, Logger, Metrics, Tracing } from '@timer/shared';
import type { DeliveryTally } from './delivery/deliveryLog';
import type { DeliveryGate } from './delivery/gate';
import type { WebhookSender } from './delivery/httpSender';
import type { SigningKeys } from './delivery/signingKeys';

export type ControllerConfig = Pick<
  Config,
  | 'controllerId'
  | 'pollIntervalMs'
  | 'lookaheadMs'
  | 'claimBatchSize'
  | 'maxInFlight'
  | 'maxHeld'
  | 'leaseMs'
  | 'webhookTimeoutMs'
  | 'maxAttempts'
  | 'retryBaseMs'
  | 'retryMaxMs'
  | 'dbRetryBaseMs'
  | 'dbRetryMaxMs'
  | 'shutdownGraceMs'
  | 'webhookSecrets'
  | 'webhookTargets'
  | 'deliveryLogPerSecond'
  | 'nudgeMinIntervalMs'
  | 'breakerFailures'
  | 'breakerOpenMs'
>;

export interface ControllerDeps {
  config: ControllerConfig;
  /** The claims part of the store (an in-memory one in tests), and the flows (flow control) where there are. */
  store: {
    claims: Pick<Claims, keyof Claims>;
    flows?: Pick<Flows, 'list' | 'claim' | 'endLeases' | 'blockedOrigins' | 'backOff' | 'failed' | 'healed'>;
  };
  logger: Logger;
  /** The host's clock: every wait, back-off and duration. */
  clock: Clock;
  /** The database's clock on top of it: when a claimed timer is due, and how late it was sent. */
  dbClock?: DbClock;
  sender?: WebhookSender;
  /** Each tenant's signing keys (signingKeys.ts); WEBHOOK_SECRET for every timer unless given. */
  signingKeys?: SigningKeys;
  /** Asked just before each request starts (flow control); lets everything through by default. */
  gate?: DeliveryGate;
  metrics?: Metrics;
  /** OpenTelemetry when on (README "Tracing"); off by default. */
  tracing?: Tracing;
  random?: () => number;
  /** Counts every request's lateness and outcome per minute (the delivery rollups); off when absent. */
  tally?: DeliveryTally;
}
