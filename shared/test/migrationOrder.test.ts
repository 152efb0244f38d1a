/**
 * Migrations run in the order of their dated names: a migration added on one
 * branch and one added on another land in the list in date order, so a database
 * migrated step by step, or rolled back to a date, passes the same states.
 */
import { migrationSource } from '../src/db/migrations';

it('lists every migration once, in the order of its dated name', async () => {
  const names = (await migrationSource.getMigrations([])).map((m) => migrationSource.getMigrationName(m));
  expect(new Set(names).size).toBe(names.length);
  expect(names).toEqual([...names].sort());
  for (const name of names) expect(name).toMatch(/^\d{14}_[a-z0-9_]+$/);
});
