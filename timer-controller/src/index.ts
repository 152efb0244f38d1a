/** The controller package: what the process entry, the standalone mode and the tests use. */
export { Controller } from './controller';
export type { ControllerConfig, ControllerDeps } from './controllerDeps';
export { GIVE_BACK_FALLBACK_MS } from './giveBack';
export type { GiveBack } from './giveBack';
export { startController } from './service';
export { startHealthServer } from './http/healthServer';
export { requireInternalToken } from './http/internalAuth';
export { PollLoop } from './pollLoop';
export { Claimer } from './claim/claimer';
export { Nudges } from './claim/nudges';
export { Wheel } from './wheel/wheel';
export type { Removal, WheelSink } from './wheel/wheel';
export { Delivery } from './delivery/delivery';
export { openGate } from './delivery/gate';
export type { DeliveryGate, GateVerdict } from './delivery/gate';
export { HttpSender } from './delivery/httpSender';
export type { Sending, WebhookSender } from './delivery/httpSender';
export { WebhookRequests } from './delivery/prepareRequest';
export { serviceKeys, signingKeyBytes, TenantSigningKeys } from './delivery/signingKeys';
export type { SigningKeys } from './delivery/signingKeys';
export type { PreparedRequest } from './delivery/prepareRequest';
export {
  classifyAnswer,
  classifyStatus,
  DeliveryError,
  PermanentDeliveryError,
  SendAborted,
  internalError,
} from './delivery/answers';
export { buildWebhookUrl, deliveryKey, timerHeaders, webhookBody } from './delivery/webhookRequest';
export { parseRetryAfter } from './delivery/retryAfter';
export { effectiveRetryPolicy, nextStep } from './delivery/retryPolicy';
export { FencedWrites } from './fenced/fencedWrites';
export type { UnsentReason } from './fenced/fencedWrites';
export { Cleanup } from './maintenance/cleanup';
export type { CleanupRun } from './maintenance/cleanup';
export { OccurrenceLoop } from './schedules/occurrenceLoop';
export type { OccurrenceConfig, OccurrenceLoopDeps } from './schedules/occurrenceLoop';
export { MAX_OCCURRENCES_PER_PASS } from './schedules/occurrencePlanner';
export type { Held } from './held';
