/**
 * The security settings in the one config module: defaults, every form API_KEYS
 * may take, every problem reported at once, and never a key in a message.
 */
import { ConfigError, loadConfig, sha256Hex } from '@timer/shared';

const KEY = 'k3y-for-tests-0123456789abcdef';
const OTHER = 'another-test-key-ABCDEFGHIJ';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('security settings', () => {
  it('default to an open api, private webhook targets, no limits', () => {
    expect(loadConfig({})).toMatchObject({
      apiKeyDigests: [],
      metricsPublic: true,
      docsPublic: true,
      trustProxyHops: 0,
      webhookTargets: { mode: 'private', allowedPorts: [] },
      webhookRequireDns: false,
      rateLimitPerSecond: 0,
      rateLimitBurst: 0,
      maxPendingPerKey: 0,
    });
    expect(Object.isFrozen(loadConfig({}).webhookTargets)).toBe(true);
  });

  it('keeps only digests of API_KEYS: plain keys are hashed, sha256: entries taken as they are', () => {
    const config = loadConfig({ API_KEYS: ` ${KEY} , sha256:${sha256Hex(OTHER).toUpperCase()},${KEY},` });

    expect(config.apiKeyDigests).toEqual([sha256Hex(KEY), sha256Hex(OTHER)]);
    expect(JSON.stringify(config)).not.toContain(KEY);
  });

  it('reads every other setting', () => {
    const config = loadConfig({
      API_KEYS: KEY,
      METRICS_PUBLIC: 'false',
      DOCS_PUBLIC: 'false',
      TRUST_PROXY_HOPS: '1',
      WEBHOOK_TARGETS: 'public',
      WEBHOOK_ALLOWED_PORTS: '443, 8443',
      WEBHOOK_REQUIRE_DNS: 'true',
      RATE_LIMIT_PER_SECOND: '50',
      RATE_LIMIT_BURST: '200',
      MAX_PENDING_PER_KEY: '10000',
    });

    expect(config).toMatchObject({
      metricsPublic: false,
      docsPublic: false,
      trustProxyHops: 1,
      webhookTargets: { mode: 'public', allowedPorts: [443, 8443] },
      webhookRequireDns: true,
      rateLimitPerSecond: 50,
      rateLimitBurst: 200,
      maxPendingPerKey: 10_000,
    });
  });

  it('bursts one second of requests when RATE_LIMIT_BURST is not set', () => {
    expect(loadConfig({ RATE_LIMIT_PER_SECOND: '20' }).rateLimitBurst).toBe(20);
  });

  it('reports every bad security setting at once, by name, without repeating a key', () => {
    const problems = problemsOf({
      API_KEYS: 'short-key,sha256:abc,has space in it 0123456,' + KEY,
      WEBHOOK_TARGETS: 'internal',
      WEBHOOK_ALLOWED_PORTS: '443,https',
      WEBHOOK_REQUIRE_DNS: 'yes',
      METRICS_PUBLIC: 'no',
      RATE_LIMIT_PER_SECOND: '-1',
      MAX_PENDING_PER_KEY: 'lots',
    });

    expect(problems).toEqual([
      'API_KEYS entry 1 is shorter than 16 characters',
      'API_KEYS entry 2 must be sha256: followed by 64 hex digits',
      expect.stringMatching(/^API_KEYS entry 3 has characters a Bearer token cannot carry/),
      expect.stringContaining('METRICS_PUBLIC'),
      expect.stringContaining('WEBHOOK_ALLOWED_PORTS'),
      expect.stringContaining('RATE_LIMIT_PER_SECOND'),
      expect.stringContaining('WEBHOOK_TARGETS'),
      expect.stringContaining('WEBHOOK_REQUIRE_DNS'),
      expect.stringContaining('MAX_PENDING_PER_KEY'),
    ]);
    for (const secret of ['short-key', 'has space', KEY]) expect(problems.join('\n')).not.toContain(secret);
  });

  it('refuses settings that would do nothing', () => {
    expect(problemsOf({ METRICS_PUBLIC: 'false' })).toEqual([
      expect.stringMatching(/^METRICS_PUBLIC=false needs API_KEYS/),
    ]);
    expect(problemsOf({ DOCS_PUBLIC: 'false' })).toEqual([expect.stringMatching(/^DOCS_PUBLIC=false needs API_KEYS/)]);
    expect(problemsOf({ RATE_LIMIT_BURST: '10' })).toEqual([
      expect.stringMatching(/^RATE_LIMIT_BURST needs RATE_LIMIT_PER_SECOND/),
    ]);
    expect(problemsOf({ API_KEYS: ' , ' })).toEqual(['API_KEYS is set but names no key']);
  });
});
