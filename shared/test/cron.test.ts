/**
 * Schedules' rules on fixed dates: which instants a cron expression names in a
 * time zone, across both daylight-saving transitions, and which occurrences a
 * controller creates, after downtime too. Pure functions: no clock, no database.
 * Europe/Berlin in 2026 springs forward on 29 March (02:00 CET → 03:00 CEST) and
 * falls back on 25 October (03:00 CEST → 02:00 CET).
 */
import { CronRule, isCronProblem, planOccurrences } from '@timer/shared';

function rule(cron: string, timezone = 'Europe/Berlin'): CronRule {
  const parsed = CronRule.parse(cron, timezone);
  if (isCronProblem(parsed)) throw new Error(parsed.message);
  return parsed;
}

/** The next `n` occurrences strictly after `from`, as ISO instants. */
function next(r: CronRule, from: string, n: number): string[] {
  const out: string[] = [];
  let at = Date.parse(from);
  for (let i = 0; i < n; i++) {
    const t = r.nextAfter(at);
    if (t === null) break;
    out.push(new Date(t).toISOString());
    at = t;
  }
  return out;
}

const ms = (iso: string) => Date.parse(iso);

describe('reading a cron expression', () => {
  it('reads five fields as minute, hour, day of month, month, day of week, in the time zone given', () => {
    expect(next(rule('*/5 * * * *', 'UTC'), '2026-06-01T10:02:00Z', 3)).toEqual([
      '2026-06-01T10:05:00.000Z',
      '2026-06-01T10:10:00.000Z',
      '2026-06-01T10:15:00.000Z',
    ]);
    // 09:00 in Berlin in summer is 07:00 UTC; in New York, 13:00 UTC.
    expect(next(rule('0 9 * * *'), '2026-06-01T00:00:00Z', 1)).toEqual(['2026-06-01T07:00:00.000Z']);
    expect(next(rule('0 9 * * *', 'America/New_York'), '2026-06-01T00:00:00Z', 1)).toEqual([
      '2026-06-01T13:00:00.000Z',
    ]);
  });

  it('reads an optional sixth field, first, as seconds', () => {
    expect(next(rule('*/1 * * * * *', 'UTC'), '2026-06-01T10:00:00.400Z', 3)).toEqual([
      '2026-06-01T10:00:01.000Z',
      '2026-06-01T10:00:02.000Z',
      '2026-06-01T10:00:03.000Z',
    ]);
  });

  it('combines day of month and day of week with OR, as cron does', () => {
    // The 13th, and every Friday: 2026-02-06 is a Friday, the 13th is one too.
    expect(next(rule('0 0 13 * FRI', 'UTC'), '2026-02-01T00:00:00Z', 3)).toEqual([
      '2026-02-06T00:00:00.000Z',
      '2026-02-13T00:00:00.000Z',
      '2026-02-20T00:00:00.000Z',
    ]);
  });

  it('uses UTC when no time zone is given', () => {
    expect(next(rule('0 12 * * *', 'UTC'), '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-01T12:00:00.000Z']);
    const parsed = CronRule.parse('0 12 * * *');
    expect(!isCronProblem(parsed) && parsed.timezone).toBe('UTC');
  });

  it.each([
    ['* * * *', 'cron'],
    ['* * * * * * *', 'cron'],
    ['61 * * * *', 'cron'],
    ['*/0 * * * *', 'cron'],
    ['every minute', 'cron'],
    ['x'.repeat(129), 'cron'],
  ])('refuses the expression %j, naming the field', (cron, path) => {
    const parsed = CronRule.parse(cron, 'UTC');
    expect(isCronProblem(parsed) && parsed.path).toBe(path);
  });

  it('says how many fields it wants', () => {
    expect(CronRule.parse('*/5 * * *', 'UTC')).toEqual({
      path: 'cron',
      message: 'cron must have 5 fields (or 6, seconds first), not 4',
    });
  });

  it.each(['Mars/Olympus_Mons', '+02:00', 'Europe/', '', 'Europe/Berlin; DROP'])('refuses the time zone %j', (tz) => {
    const parsed = CronRule.parse('* * * * *', tz);
    expect(isCronProblem(parsed) && parsed).toEqual({ path: 'timezone', message: expect.stringMatching(/IANA/) });
  });

  it('finds no next occurrence for a date that never comes', () => {
    expect(rule('0 0 30 2 *', 'UTC').nextAfter(ms('2026-01-01T00:00:00Z'))).toBeNull();
  });

  it('finds the latest occurrence at or before an instant', () => {
    const r = rule('*/5 * * * *', 'UTC');
    expect(r.latestAtOrBefore(ms('2026-06-01T10:07:30Z'))).toBe(ms('2026-06-01T10:05:00Z'));
    expect(r.latestAtOrBefore(ms('2026-06-01T10:05:00Z'))).toBe(ms('2026-06-01T10:05:00Z'));
  });
});

describe('daylight saving time (Europe/Berlin)', () => {
  describe('spring forward, 29 March 2026: 02:00–02:59 do not exist', () => {
    it('runs a fixed-time job whose time is skipped once, at 03:00, the first valid time after the gap', () => {
      expect(next(rule('30 2 * * *'), '2026-03-28T00:00:00Z', 3)).toEqual([
        '2026-03-28T01:30:00.000Z', // 02:30 CET
        '2026-03-29T01:00:00.000Z', // 03:00 CEST: 02:30 did not exist
        '2026-03-30T00:30:00.000Z', // 02:30 CEST
      ]);
    });

    it('skips the times that do not exist for an interval job', () => {
      expect(next(rule('*/30 * * * *'), '2026-03-29T00:10:00Z', 3)).toEqual([
        '2026-03-29T00:30:00.000Z', // 01:30 CET
        '2026-03-29T01:00:00.000Z', // 03:00 CEST: 02:00 and 02:30 never happened
        '2026-03-29T01:30:00.000Z', // 03:30 CEST
      ]);
    });
  });

  describe('fall back, 25 October 2026: 02:00–02:59 happen twice', () => {
    it('runs a fixed-time job once, at the first 02:30', () => {
      expect(next(rule('30 2 * * *'), '2026-10-24T00:00:00Z', 3)).toEqual([
        '2026-10-24T00:30:00.000Z', // 02:30 CEST
        '2026-10-25T00:30:00.000Z', // 02:30 CEST, the first one; not again at 02:30 CET (01:30Z)
        '2026-10-26T01:30:00.000Z', // 02:30 CET
      ]);
      // The same with a seconds field.
      expect(next(rule('0 30 2 * * *'), '2026-10-25T00:00:00Z', 1)).toEqual(['2026-10-25T00:30:00.000Z']);
    });

    it('runs an interval job at both 02:30s, every 30 minutes of real time', () => {
      expect(next(rule('*/30 * * * *'), '2026-10-25T00:10:00Z', 4)).toEqual([
        '2026-10-25T00:30:00.000Z', // 02:30 CEST
        '2026-10-25T01:00:00.000Z', // 02:00 CET (03:00 CEST became 02:00 CET)
        '2026-10-25T01:30:00.000Z', // 02:30 CET
        '2026-10-25T02:00:00.000Z', // 03:00 CET
      ]);
    });
  });

  it('agrees with itself going backwards: the latest 02:30 before the spring-forward morning is the 03:00 run', () => {
    expect(rule('30 2 * * *').latestAtOrBefore(ms('2026-03-29T05:00:00Z'))).toBe(ms('2026-03-29T01:00:00Z'));
    expect(rule('30 2 * * *').latestAtOrBefore(ms('2026-10-25T05:00:00Z'))).toBe(ms('2026-10-25T00:30:00Z'));
  });
});

describe('which occurrences a controller creates', () => {
  const everyMinute = rule('* * * * *', 'UTC');

  it('creates every occurrence up to now + lookahead, and moves next_run_at past them', () => {
    const plan = planOccurrences(everyMinute, ms('2026-06-01T10:01:00Z'), ms('2026-06-01T10:00:58Z'), 90_000, 20);
    expect(plan).toEqual({
      occurrences: [ms('2026-06-01T10:01:00Z'), ms('2026-06-01T10:02:00Z')],
      nextRunAt: ms('2026-06-01T10:03:00Z'),
      missedFrom: null,
    });
  });

  it('creates an occurrence that is a little late (a slow pass) as it is, missing nothing', () => {
    const plan = planOccurrences(everyMinute, ms('2026-06-01T10:01:00Z'), ms('2026-06-01T10:01:02Z'), 5000, 20);
    expect(plan).toEqual({
      occurrences: [ms('2026-06-01T10:01:00Z')],
      nextRunAt: ms('2026-06-01T10:02:00Z'),
      missedFrom: null,
    });
  });

  it('after downtime, creates only the latest missed occurrence, not one per missed minute', () => {
    // Next run was 10:01; controllers were down until 13:30:20 (209 occurrences missed).
    const plan = planOccurrences(everyMinute, ms('2026-06-01T10:01:00Z'), ms('2026-06-01T13:30:20Z'), 5000, 20);
    expect(plan).toEqual({
      occurrences: [ms('2026-06-01T13:30:00Z')],
      nextRunAt: ms('2026-06-01T13:31:00Z'),
      missedFrom: ms('2026-06-01T10:01:00Z'),
    });
  });

  it('after downtime, also creates what is due within the lookahead', () => {
    const plan = planOccurrences(everyMinute, ms('2026-06-01T10:01:00Z'), ms('2026-06-01T13:30:58Z'), 5000, 20);
    expect(plan.occurrences).toEqual([ms('2026-06-01T13:30:00Z'), ms('2026-06-01T13:31:00Z')]);
    expect(plan.nextRunAt).toBe(ms('2026-06-01T13:32:00Z'));
  });

  it('creates at most the number asked for in one pass, and goes on from there the next time', () => {
    const everySecond = rule('* * * * * *', 'UTC');
    const plan = planOccurrences(everySecond, ms('2026-06-01T10:00:01Z'), ms('2026-06-01T10:00:00Z'), 60_000, 20);
    expect(plan.occurrences).toHaveLength(20);
    expect(plan.nextRunAt).toBe(ms('2026-06-01T10:00:21Z'));
  });

  it('goes on to the next leap day for a rule that names 29 February', () => {
    const leap = rule('0 0 29 2 *', 'UTC');
    const plan = planOccurrences(leap, ms('2028-02-29T00:00:00Z'), ms('2028-02-28T23:59:58Z'), 5000, 20);
    expect(plan.occurrences).toEqual([ms('2028-02-29T00:00:00Z')]);
    expect(plan.nextRunAt).toBe(ms('2032-02-29T00:00:00Z'));
  });

  it('catches up across a DST transition like any other time (fixed-time job, spring forward)', () => {
    // Down from before 02:30 on 29 March until 04:00 CEST: the one run of the day (03:00 CEST) is created.
    const plan = planOccurrences(rule('30 2 * * *'), ms('2026-03-29T01:00:00Z'), ms('2026-03-29T02:00:00Z'), 5000, 20);
    expect(plan).toEqual({
      occurrences: [ms('2026-03-29T01:00:00Z')],
      nextRunAt: ms('2026-03-30T00:30:00Z'),
      missedFrom: null,
    });
  });
});
