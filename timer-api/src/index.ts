export { createApp } from './app';
export type { AppDeps } from './app';
export { startApi } from './server';
export { buildOpenApiDocument } from './openapi';
export { ERROR_CATALOGUE, AppError } from './errors';
export { checkWebhookUrl, toView } from './domain/timers';
export { LocalPendingQuota, StorePendingQuota } from './domain/pendingQuota';
export type { PendingQuota, LiveTimerCounter } from './domain/pendingQuota';
