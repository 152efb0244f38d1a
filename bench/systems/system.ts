/**
 * A timer system under measurement — ours on MariaDB or SQLite, or a peer built
 * on a job-queue library — as the workloads (../workload.ts) drive it: started
 * for a workload, fed timers in bulk or through its HTTP front, asked whether
 * everything is recorded, and metered all along.
 */
import type { CostMeter } from '../meters/cost';

export type Workload = 'burst' | 'steady';

export interface Running {
  /** `POST /timers` on the system's front; started for the steady workload only. */
  frontUrl: string | undefined;
  /** Its processes by role, and its database server. */
  meter: CostMeter;
  /** Creates `count` timers due at `fireAt`, the system's fastest bulk way through its own API; their ids. */
  bulkCreate(count: number, url: string, fireAt: Date): Promise<string[]>;
  /** Nothing left to send, and at least `count` timers recorded as sent (not only delivered). */
  allRecorded(count: number): Promise<boolean>;
  stop(): Promise<void>;
}

export interface System {
  /** ours-mariadb, bullmq-redis, … */
  name: string;
  /** Its settings, stated: each system gets its best, never a handicap. */
  settings: string;
  /** How bulkCreate creates a burst. */
  bulkCreation: string;
  start(receiverUrl: string, workload: Workload): Promise<Running>;
}
