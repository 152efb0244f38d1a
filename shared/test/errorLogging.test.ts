/**
 * A failed query is logged by errorFields: the database's reason and code, never
 * the statement's values (timer URLs can carry credentials) on either dialect.
 */
import { errorFields } from '@timer/shared';
import { createTestDatabase, DIALECTS, TestDatabase } from '../../test/helpers/db';
import { newTimer } from '../../test/helpers/timers';

const SECRET_URL = 'https://hook-user:s3cret-pass@hooks.example.test/path?token=t0ken';

describe.each(DIALECTS)('errorFields on %s', (dialect) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase('errorlog', {}, dialect);
  });
  afterAll(() => t.drop());

  it('reports why a write failed without the values it wrote', async () => {
    const timer = newTimer(SECRET_URL, 60);
    await t.store.timers.create(timer);

    const failure = await t.store.timers.create(timer).then(
      () => undefined,
      (err: unknown) => err,
    );

    // Not toBeInstanceOf(Error): better-sqlite3's error class can come from another test file's realm.
    expect(failure).toHaveProperty('message');
    const fields = errorFields(failure);
    expect(fields.code).toMatch(/DUP|CONSTRAINT/);
    expect(fields.error).toMatch(/duplicate|unique/i);
    expect(JSON.stringify(fields)).not.toMatch(/s3cret|t0ken|hook-user|hooks\.example/);
  });
});
