/**
 * FLOW_DEFAULTS: default limits per origin, read once at start. A good value
 * becomes a frozen list of origins (the port always written) with their limits;
 * every bad entry is reported at once, naming the variable, and stops the start.
 */
import { ConfigError, loadConfig } from '@timer/shared';

function problemsOf(value: string): string {
  try {
    loadConfig({ FLOW_DEFAULTS: value });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('FLOW_DEFAULTS', () => {
  it('is empty when unset', () => {
    expect(loadConfig({}).flowDefaults).toEqual([]);
  });

  it('reads origins with their limits, writing each port', () => {
    const config = loadConfig({
      FLOW_DEFAULTS: 'https://api.partner.example=parallelism:5,rate:50; http://Slow.example:8080/=rate:0.5,burst:2',
    });

    expect(config.flowDefaults).toEqual([
      { origin: 'https://api.partner.example:443', limits: { parallelism: 5, rate: 50, burst: null } },
      { origin: 'http://slow.example:8080', limits: { parallelism: null, rate: 0.5, burst: 2 } },
    ]);
    expect(Object.isFrozen(config.flowDefaults[0].limits)).toBe(true);
  });

  it.each([
    ['https://a.example/path=rate:1', 'is not an origin'],
    ['ftp://a.example=rate:1', 'is not an origin'],
    ['https://a.example', 'must be origin=limit:value'],
    ['https://a.example=speed:3', 'must be parallelism:N, rate:N or burst:N'],
    ['https://a.example=parallelism:0', 'parallelism for https://a.example:443 must be an integer from 1 to 10000'],
    ['https://a.example=parallelism:2.5', 'must be an integer'],
    ['https://a.example=rate:0', 'rate for https://a.example:443 must be a number above 0'],
    ['https://a.example=burst:3', 'burst for https://a.example:443 applies only with rate'],
    ['https://a.example=rate:1;https://a.example:443=rate:2', 'https://a.example:443 is given twice'],
  ])('refuses %s: %s', (value, problem) => {
    const message = problemsOf(value);

    expect(message).toContain('FLOW_DEFAULTS');
    expect(message).toContain(problem);
  });

  it('reports every bad entry at once', () => {
    const message = problemsOf('https://a.example=rate:x;nope=rate:1');

    expect(message).toContain('rate for https://a.example:443');
    expect(message).toContain('"nope" is not an origin');
  });
});
