/**
 * The delivery history as the api reads it: one timer's attempts, and the newest
 * of all timers (the dashboard). Attempts are written by the claims' outcome
 * writes, in the same transaction as the outcome (sql/insertAttempts.ts).
 */
import type { Knex } from 'knex';
import type { AttemptRecord } from '../timers/types';
import { AttemptQuery, listAttempts } from './sql/listAttempts';
import { listRecentAttempts } from './sql/listRecentAttempts';

export type { AttemptQuery };

export class Attempts {
  constructor(
    private readonly db: Knex,
    private readonly timeoutMs: number,
  ) {}

  list(query: AttemptQuery): Promise<AttemptRecord[]> {
    return listAttempts(this.db, this.timeoutMs, query);
  }

  /** The newest attempts of all timers (or of one tenant's), newest first. */
  recent(limit: number, tenant: string | null = null): Promise<AttemptRecord[]> {
    return listRecentAttempts(this.db, this.timeoutMs, limit, tenant);
  }
}
