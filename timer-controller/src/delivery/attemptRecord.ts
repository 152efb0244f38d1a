/**
 * One sent request as the delivery history keeps it (timer_attempts): when it
 * left and came back (database clock), how long it took (host clock), what came
 * back, and what the controller did next.
 */
import type { AttemptOutcome, AttemptRecord, ClaimedTimer, ErrorClass } from '@timer/shared';
import { DeliveryError } from './answers';

/** The moment a request left. */
export interface SendStart {
  /** Database time (DbClock). */
  dbMs: number;
  /** Host time, for the duration. */
  hostMs: number;
  /** How long after its due time it left. */
  latenessMs: number;
}

export function attemptRecord(
  timer: ClaimedTimer,
  controllerId: string,
  start: SendStart,
  end: { dbMs: number; hostMs: number },
  outcome: AttemptOutcome,
  answer: { status: number } | { error: unknown },
): AttemptRecord {
  const failure = 'error' in answer ? describe(answer.error) : null;
  return {
    timerId: timer.id,
    leaseToken: timer.leaseToken,
    attempt: timer.attemptNumber,
    startedAt: new Date(start.dbMs),
    finishedAt: new Date(Math.max(end.dbMs, start.dbMs)),
    durationMs: Math.max(0, end.hostMs - start.hostMs),
    statusCode: 'status' in answer ? answer.status : (failure?.statusCode ?? null),
    errorClass: failure?.errorClass ?? null,
    error: failure?.message ?? null,
    outcome,
    controllerId,
    latenessMs: start.latenessMs,
  };
}

function describe(err: unknown): { statusCode: number | null; errorClass: ErrorClass; message: string } {
  if (err instanceof DeliveryError) {
    return { statusCode: err.statusCode, errorClass: err.errorClass, message: err.message };
  }
  return { statusCode: null, errorClass: 'network', message: err instanceof Error ? err.message : String(err) };
}
