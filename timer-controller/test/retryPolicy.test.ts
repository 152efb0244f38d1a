/**
 * The pure rules after a failed attempt: reading Retry-After, what a status
 * means, and the next step under a timer's own schedule or the service's.
 */
import { classifyAnswer, DeliveryError, nextStep, parseRetryAfter, PermanentDeliveryError } from '@timer/controller';
import type { RetryPolicy } from '@timer/shared';

const NOW = Date.parse('2026-11-22T12:00:00.000Z');
const DEFAULTS = { maxAttempts: 5, retryBaseMs: 1000, retryMaxMs: 300_000 };
const SERVICE: RetryPolicy = { maxAttempts: null, baseMs: null, maxMs: null };
const half = () => 0.5;

describe('Retry-After', () => {
  it.each([
    ['120', 120_000],
    ['0', 0],
    [' 7 ', 7000],
    ['Sun, 22 Nov 2026 12:00:30 GMT', 30_000],
    ['Sun, 22 Nov 2026 11:00:00 GMT', 0],
  ])('reads %j as %i ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });

  it.each([[undefined], [''], ['-5'], ['1.5'], ['soon'], ['2026-11-22T12:00:30Z']])('ignores %j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeNull();
  });
});

describe('what an answer means', () => {
  it('carries Retry-After on 429 and 503 only', () => {
    const thrown = (status: number) => {
      try {
        classifyAnswer({ status, retryAfter: '9' }, NOW);
      } catch (err) {
        return err as DeliveryError;
      }
      throw new Error('no error');
    };
    expect(thrown(429).retryAfterMs).toBe(9000);
    expect(thrown(503).retryAfterMs).toBe(9000);
    expect(thrown(500).retryAfterMs).toBeNull();
    expect(thrown(503)).toMatchObject({ errorClass: 'http', statusCode: 503, message: 'HTTP 503' });
  });

  it('fails a 410 Gone at once and says why', () => {
    expect(() => classifyAnswer({ status: 410 }, NOW)).toThrow(PermanentDeliveryError);
    expect(() => classifyAnswer({ status: 410 }, NOW)).toThrow(/^HTTP 410 Gone \(the receiver no longer accepts/);
  });
});

describe('the next step', () => {
  const retryable = (retryAfterMs?: number) =>
    new DeliveryError('HTTP 503', { errorClass: 'http', statusCode: 503, retryAfterMs });

  it('backs off by the service settings for a timer without its own', () => {
    expect(nextStep({ attempt: 1, retry: SERVICE }, retryable(), DEFAULTS, half)).toEqual({
      giveUp: false,
      delayMs: 750,
    });
    expect(nextStep({ attempt: 5, retry: SERVICE }, retryable(), DEFAULTS, half)).toEqual({
      giveUp: true,
      permanent: false,
    });
  });

  it("follows the timer's own schedule, field by field", () => {
    const own = { maxAttempts: 2, baseMs: 200, maxMs: 300 };
    expect(nextStep({ attempt: 1, retry: own }, retryable(), DEFAULTS, half)).toEqual({ giveUp: false, delayMs: 150 });
    expect(nextStep({ attempt: 2, retry: own }, retryable(), DEFAULTS, half)).toMatchObject({ giveUp: true });
    expect(nextStep({ attempt: 4, retry: { ...SERVICE, maxAttempts: 10 } }, retryable(), DEFAULTS, half)).toEqual({
      giveUp: false,
      delayMs: 6000,
    });
  });

  it('raises the cap to a base above it', () => {
    const baseOnly = { ...SERVICE, baseMs: 600_000 };
    expect(nextStep({ attempt: 1, retry: baseOnly }, retryable(), DEFAULTS, () => 1)).toEqual({
      giveUp: false,
      delayMs: 600_000,
    });
  });

  it('waits at least what Retry-After asks, and never more than the cap', () => {
    expect(nextStep({ attempt: 1, retry: SERVICE }, retryable(20_000), DEFAULTS, half)).toEqual({
      giveUp: false,
      delayMs: 20_000,
    });
    expect(nextStep({ attempt: 1, retry: SERVICE }, retryable(10), DEFAULTS, half)).toEqual({
      giveUp: false,
      delayMs: 750,
    });
    expect(nextStep({ attempt: 1, retry: SERVICE }, retryable(3600_000), DEFAULTS, half)).toEqual({
      giveUp: false,
      delayMs: 300_000,
    });
  });

  it('gives up at once on a permanent error', () => {
    expect(nextStep({ attempt: 1, retry: SERVICE }, new PermanentDeliveryError('HTTP 404'), DEFAULTS)).toEqual({
      giveUp: true,
      permanent: true,
    });
  });
});
