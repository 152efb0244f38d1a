/**
 * A schedule's rule: a cron expression read in an IANA time zone, by croner
 * (github.com/hexagon/croner). Standard five fields (minute hour day-of-month month
 * day-of-week), or six with seconds first; names (JAN, MON), ranges, lists, steps,
 * L, W, # and the @daily-style nicknames. Day-of-month and day-of-week combine
 * with OR when both are restricted, as in Vixie cron.
 *
 * Daylight saving time is croner's rule, and this file's tests pin it:
 * - a job at one fixed time of day (`30 2 * * *`: a single second, minute and
 *   hour) whose time falls in the hour skipped in spring runs at the first valid
 *   time after the gap (03:00); on the autumn night whose 02:30 happens twice it
 *   runs once, at the first 02:30;
 * - any other job (`*\/30 * * * *`, `0 * * * *`, `30 2,14 * * *`) follows the
 *   clock as it is: the skipped local times never happen, and a local time that
 *   happens twice runs twice.
 *
 * Everything here is a pure function of the rule and the times it is given.
 */
import { Cron } from 'croner';

export const MAX_CRON_LENGTH = 128;
export const DEFAULT_TIMEZONE = 'UTC';

export class CronRule {
  private constructor(
    private readonly cron: Cron,
    readonly expression: string,
    readonly timezone: string,
  ) {}

  /** The rule, or a sentence that says what is wrong with it (and names the field). */
  static parse(expression: string, timezone: string = DEFAULT_TIMEZONE): CronRule | CronProblem {
    const zone = checkTimezone(timezone);
    if (zone) return zone;
    if (expression.length > MAX_CRON_LENGTH) {
      return { path: 'cron', message: `cron must be at most ${MAX_CRON_LENGTH} characters` };
    }
    const pattern = expression.trim();
    const fields = pattern.split(/\s+/).length;
    if (!pattern.startsWith('@') && fields !== 5 && fields !== 6) {
      return { path: 'cron', message: `cron must have 5 fields (or 6, seconds first), not ${fields}` };
    }
    let cron: Cron;
    try {
      cron = new Cron(pattern, { timezone, paused: true, mode: '5-or-6-parts' });
    } catch (err) {
      const reason = (err instanceof Error ? err.message : String(err)).replace(/^CronPattern: /, '');
      return { path: 'cron', message: `cron is not a valid expression: ${reason}` };
    }
    return new CronRule(cron, pattern, timezone);
  }

  /** The first occurrence strictly after `afterMs`, or null if the rule never fires again. */
  nextAfter(afterMs: number): number | null {
    return this.cron.nextRun(new Date(afterMs))?.getTime() ?? null;
  }

  /**
   * The shortest time between two consecutive occurrences among the next `samples`
   * after `afterMs` (Infinity for a rule that fires once or never). A sample, not
   * a proof: enough for the rules people write, whose gaps repeat within a day or
   * a month ("0 9 1 * *", "*\/10 * * * * *"), and for a limit meant to keep a
   * schedule from firing every second.
   */
  shortestGapMs(afterMs: number, samples = 100): number {
    const runs = this.cron.nextRuns(samples, new Date(afterMs)).map((d) => d.getTime());
    let shortest = Infinity;
    for (let i = 1; i < runs.length; i++) shortest = Math.min(shortest, runs[i] - runs[i - 1]);
    return shortest;
  }

  /** The latest occurrence at or before `atMs`, or null if there is none. */
  latestAtOrBefore(atMs: number): number | null {
    // previousRuns counts strictly earlier runs; occurrences are whole seconds.
    const [latest] = this.cron.previousRuns(1, new Date(atMs + 1));
    return latest?.getTime() ?? null;
  }
}

export interface CronProblem {
  path: 'cron' | 'timezone';
  message: string;
}

export function isCronProblem(value: CronRule | CronProblem): value is CronProblem {
  return !(value instanceof CronRule);
}

/** An IANA zone name Node's ICU knows ("Europe/Berlin", "UTC"); not an offset like "+02:00". */
function checkTimezone(timezone: string): CronProblem | null {
  const problem = { path: 'timezone' as const, message: 'timezone must be an IANA time zone such as Europe/Berlin' };
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(timezone)) return problem;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return null;
  } catch {
    return problem;
  }
}
