import { exponentialDelay } from '@timer/shared';

describe('exponentialDelay', () => {
  it('doubles each attempt between half and all of the ceiling', () => {
    expect(exponentialDelay(1, 1000, 300_000, () => 0)).toBe(500);
    expect(exponentialDelay(1, 1000, 300_000, () => 1)).toBe(1000);
    expect(exponentialDelay(2, 1000, 300_000, () => 1)).toBe(2000);
    expect(exponentialDelay(4, 1000, 300_000, () => 1)).toBe(8000);
  });

  it('never exceeds the cap, however many attempts', () => {
    expect(exponentialDelay(50, 1000, 300_000, () => 1)).toBe(300_000);
    expect(exponentialDelay(5000, 1000, 300_000, () => 1)).toBe(300_000);
  });

  it('spreads retries with jitter', () => {
    const delays = new Set(Array.from({ length: 50 }, () => exponentialDelay(3, 1000, 300_000)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) expect(d >= 2000 && d <= 4000).toBe(true);
  });
});
