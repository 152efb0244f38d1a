export { createApp } from './app';
export type { AppDeps } from './app';
export { startApi } from './server';
export { buildOpenApiDocument } from './openapi';
export { ERROR_CATALOGUE, AppError } from './errors';
export { checkWebhookUrl } from './domain/timerRequest';
export { toView } from './domain/views';
export { LocalPendingQuota, StorePendingQuota } from './domain/pendingQuota';
export type { PendingQuota, LiveTimerCounter } from './domain/pendingQuota';
