/**
 * A small table kept in memory and read again in the background: a reader gets
 * the copy at once while it is younger than `maxAgeMs`, starts a reload once it
 * is `refreshMs` old, and waits for that reload when the copy is older than
 * `maxAgeMs` (or there is none yet). So a change made on any replica holds on
 * every one within `maxAgeMs` plus one query. A reload that fails is logged
 * once and tried again by the next reader; a reader that waits for it gets its
 * error.
 */
import type { Clock } from './clock';
import type { Logger } from './logger';
import { errorFields } from './logger';

export interface RefreshingCopyOptions<T> {
  /** Reads the table; `previous` is the copy it replaces (null the first time). */
  load: (previous: T | null) => Promise<T>;
  refreshMs: number;
  maxAgeMs: number;
  clock: Pick<Clock, 'now'>;
  logger: Logger;
  /** What the log says when a background reload fails. */
  what: string;
}

export class RefreshingCopy<T> {
  private copy: T | null = null;
  private loadedAt: number | null = null;
  private loading: Promise<T> | null = null;

  constructor(private readonly options: RefreshingCopyOptions<T>) {}

  /** The copy, read again first when it is too old to use. */
  async get(): Promise<T> {
    return this.current() ?? this.reload();
  }

  /**
   * The copy when it is young enough to use without waiting (starting a reload
   * once it is `refreshMs` old), else null: get() without a promise, for callers
   * on every request.
   */
  current(): T | null {
    const { clock, refreshMs, maxAgeMs } = this.options;
    const age = this.loadedAt === null ? Infinity : clock.now() - this.loadedAt;
    if (this.copy === null || age >= Math.max(refreshMs, maxAgeMs)) return null;
    if (age >= refreshMs) void this.reload(); // a failure is logged there
    return this.copy;
  }

  /** The reload under way, or a new one. */
  private reload(): Promise<T> {
    if (this.loading === null) {
      this.loading = this.load().finally(() => {
        this.loading = null;
      });
      // Once per failed reload, however many readers came while it ran.
      const { logger, what } = this.options;
      this.loading.catch((err: unknown) => logger.warn(`${what} could not be reloaded`, errorFields(err)));
    }
    return this.loading;
  }

  /** The copy as it is now, without reading it again (null before the first read). */
  peek(): T | null {
    return this.copy;
  }

  private async load(): Promise<T> {
    const startedAt = this.options.clock.now();
    const copy = await this.options.load(this.copy);
    this.copy = copy;
    this.loadedAt = startedAt;
    return copy;
  }
}
