import { ConfigError, loadConfig, parseDatabaseUrl } from '@timer/shared';

describe('config', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      controllerPort: 3001,
      pollIntervalMs: 500,
      logLevel: 'info',
      webhookTimeoutMs: 10_000,
      maxAttempts: 5,
      retryBaseMs: 1000,
      retryMaxMs: 300_000,
      leaseMs: 30_000,
      maxDelaySeconds: 31_536_000,
    });
    expect(config.database).toMatchObject({ host: '127.0.0.1', port: 3306, user: 'root', database: 'timers' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every invalid variable at once, by name', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', POLL_INTERVAL_MS: '-5', LOG_LEVEL: 'loud', DATABASE_URL: 'postgres://x/y' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'POLL_INTERVAL_MS', 'LOG_LEVEL', 'DATABASE_URL']) expect(message).toContain(name);
    expect((error as ConfigError).problems).toHaveLength(4);
  });

  describe('INTERNAL_TOKEN', () => {
    const TOKEN = 'a-long-enough-internal-token';

    it('is required of a separate api or controller process, not of npm start', () => {
      expect(() => loadConfig({}, { separateProcess: true })).toThrow(/INTERNAL_TOKEN is required/);
      expect(() => loadConfig({ INTERNAL_TOKEN: '  ' }, { separateProcess: true })).toThrow(
        /INTERNAL_TOKEN is required/,
      );
      expect(loadConfig({}, { standalone: true }).internalToken).toBeNull();
      expect(loadConfig({ INTERNAL_TOKEN: TOKEN }, { separateProcess: true }).internalToken).toBe(TOKEN);
    });

    it('must be 16 printable characters or more, and a bad one is never echoed back', () => {
      for (const bad of ['short-token', 'has a space in the middle of it']) {
        let message = '';
        try {
          loadConfig({ INTERNAL_TOKEN: bad });
        } catch (err) {
          message = (err as Error).message;
        }
        expect(message).toMatch(/INTERNAL_TOKEN must be 16 to 256 printable characters/);
        expect(message).not.toContain(bad);
      }
    });

    it('gives the api 1 s to get a timer back from its controller, by default', () => {
      expect(loadConfig({}).giveBackTimeoutMs).toBe(1000);
      expect(loadConfig({ GIVE_BACK_TIMEOUT_MS: '2500' }).giveBackTimeoutMs).toBe(2500);
    });
  });

  it('refuses a lease shorter than a webhook request can take', () => {
    expect(() => loadConfig({ WEBHOOK_TIMEOUT_MS: '30000', LEASE_MS: '30000' })).toThrow(/LEASE_MS/);
  });

  it('creates schedule occurrences 5 s ahead, looking every second, by default', () => {
    expect(loadConfig({})).toMatchObject({
      schedulePollIntervalMs: 1000,
      scheduleLookaheadMs: 5000,
      scheduleBatchSize: 100,
    });
  });

  it('refuses a schedule lookahead shorter than the interval between looks', () => {
    expect(() => loadConfig({ SCHEDULE_POLL_INTERVAL_MS: '2000', SCHEDULE_LOOKAHEAD_MS: '1000' })).toThrow(
      /SCHEDULE_LOOKAHEAD_MS/,
    );
  });

  it('refuses a retry cap below the retry base', () => {
    expect(() => loadConfig({ RETRY_BASE_MS: '5000', RETRY_MAX_MS: '1000' })).toThrow(/RETRY_MAX_MS/);
  });

  it('keeps finished timers 7 days and cleans up every minute by default; 0 days keeps them forever', () => {
    expect(loadConfig({})).toMatchObject({ retentionDays: 7, cleanupIntervalMs: 60_000, cleanupBatchSize: 1000 });
    expect(loadConfig({ RETENTION_DAYS: '0' }).retentionDays).toBe(0);
    expect(loadConfig({ RETENTION_DAYS: '30', CLEANUP_INTERVAL_MS: '5000' })).toMatchObject({
      retentionDays: 30,
      cleanupIntervalMs: 5000,
    });
  });

  it('keeps delivery rollups 7 days by default; 0 days turns them off', () => {
    expect(loadConfig({}).rollupRetentionDays).toBe(7);
    expect(loadConfig({ ROLLUP_RETENTION_DAYS: '0' }).rollupRetentionDays).toBe(0);
    expect(() => loadConfig({ ROLLUP_RETENTION_DAYS: '3651' })).toThrow(/ROLLUP_RETENTION_DAYS/);
  });

  it.each([
    ['RETENTION_DAYS', '-1'],
    ['RETENTION_DAYS', '3651'],
    ['CLEANUP_INTERVAL_MS', '999'],
    ['CLEANUP_BATCH_SIZE', '0'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it('parses credentials and masks the password for logs', () => {
    const db = parseDatabaseUrl('mysql://app:s%40cret@db.internal:3307/timers');
    expect(db).toMatchObject({ host: 'db.internal', port: 3307, user: 'app', password: 's@cret', database: 'timers' });
    expect(typeof db === 'object' && db.display).not.toContain('s%40cret');
    expect(typeof db === 'object' && db.display).toContain('***');
  });

  it('rejects a database URL without a database name', () => {
    expect(typeof parseDatabaseUrl('mysql://root@localhost:3306/')).toBe('string');
  });
});
