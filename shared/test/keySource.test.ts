/**
 * Where the data keys come from when DATA_KEYS is unset: the embedded mode makes a
 * key file beside its database once (mode 0600) and reuses it; the server mode
 * stores plain text and says exactly what at start.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger, dataKeysFor, keyFileOf, loadConfig, newDataKey, PLAIN_TEXT_WARNING } from '@timer/shared';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'timers-key-source-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A logger whose lines the test reads. */
function recordingLogger() {
  const stream = new PassThrough();
  const lines: Array<{ level: string; message: string }> = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
  });
  return { logger: createLogger({ level: 'info', service: 'test', stream }), lines };
}

const flushed = () => new Promise((resolve) => setImmediate(resolve));

describe('in the embedded mode, with DATA_KEYS unset', () => {
  const embedded = (env: Record<string, string> = {}) =>
    loadConfig({ SQLITE_PATH: path.join(dir, 'data', 'timers.sqlite'), ...env }, { standalone: true });

  it('makes a key file beside the database, mode 0600, and reuses it on every start', async () => {
    const { logger, lines } = recordingLogger();
    const first = await dataKeysFor(embedded(), logger);
    const file = keyFileOf(path.join(dir, 'data', 'timers.sqlite'));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(first.currentId).toBe('local');
    const second = await dataKeysFor(embedded(), logger);
    expect(second.keys[0].key.equals(first.keys[0].key)).toBe(true);
    await flushed();
    expect(lines.filter((l) => l.message === 'Made a data key file')).toHaveLength(1);
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
    // What one start sealed, the next opens.
    expect(second.open(first.seal('secret', 'c'), 'c')).toBe('secret');
  });

  it('gives processes starting at once one key, and leaves no temporary file', async () => {
    const { logger } = recordingLogger();
    const all = await Promise.all(Array.from({ length: 8 }, () => dataKeysFor(embedded(), logger)));
    expect(new Set(all.map((k) => k.keys[0].key.toString('hex'))).size).toBe(1);
    expect(await readdir(path.join(dir, 'data'))).toEqual(['timers.sqlite.data-key']);
  });

  it('refuses to start on a key file that holds no valid key, rather than make another', async () => {
    const file = keyFileOf(path.join(dir, 'data', 'timers.sqlite'));
    await dataKeysFor(embedded(), recordingLogger().logger);
    await writeFile(file, 'local:tooshort\n');
    await expect(dataKeysFor(embedded(), recordingLogger().logger)).rejects.toThrow(/data key file .* 32/);
    expect(await readFile(file, 'utf8')).toBe('local:tooshort\n');
  });

  it('with DATA_KEYS set, uses it, and warns when it does not hold the key file key', async () => {
    const file = keyFileOf(path.join(dir, 'data', 'timers.sqlite'));
    await dataKeysFor(embedded(), recordingLogger().logger);
    const fileLine = (await readFile(file, 'utf8')).trim();
    const newKey = newDataKey('k2');

    const without = recordingLogger();
    expect((await dataKeysFor(embedded({ DATA_KEYS: newKey }), without.logger)).currentId).toBe('k2');
    await flushed();
    expect(without.lines.map((l) => l.message)).toEqual([expect.stringMatching(/^DATA_KEYS does not hold the key/)]);

    const withIt = recordingLogger();
    const keys = await dataKeysFor(embedded({ DATA_KEYS: `${newKey},${fileLine}` }), withIt.logger);
    expect(keys.keys.map((k) => k.id)).toEqual(['k2', 'local']);
    await flushed();
    expect(withIt.lines).toEqual([]);
  });
});

it('in the server mode, with DATA_KEYS unset, stores plain text and warns naming what', async () => {
  const { logger, lines } = recordingLogger();
  const keys = await dataKeysFor(loadConfig({ DATABASE_URL: 'mysql://root@127.0.0.1:3306/none' }), logger);
  expect(keys.enabled).toBe(false);
  await flushed();
  expect(lines).toEqual([expect.objectContaining({ level: 'warn', message: PLAIN_TEXT_WARNING })]);
  expect(PLAIN_TEXT_WARNING).toMatch(/URLs .*payloads.*header values.*callback URLs.*signing secrets/);
});
