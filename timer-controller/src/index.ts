export { Controller } from './controller';
export type { ControllerConfig, ControllerDeps } from './controller';
export { startController } from './server';
export { PollLoop } from './pollLoop';
export { OutcomeRecorder } from './outcomes';
export { Cleanup } from './cleanup';
export type { CleanupRun } from './cleanup';
export { parseRetryAfter } from './retryAfter';
export { effectiveRetryPolicy, nextStep } from './retryPolicy';
export {
  WebhookSender,
  Sending,
  DeliveryError,
  PermanentDeliveryError,
  buildWebhookUrl,
  unpreparable,
  webhookBody,
  classifyStatus,
  classifyAnswer,
  timerHeaders,
} from './webhook';
export { OccurrenceMaker, MAX_OCCURRENCES_PER_PASS } from './occurrences';
export type { OccurrenceConfig, OccurrenceMakerDeps } from './occurrences';
