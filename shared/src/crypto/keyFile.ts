/**
 * The embedded mode's data key, kept beside its SQLite file when DATA_KEYS is
 * unset, so `npm start` encrypts with no setup: `<database file>.data-key`, mode
 * 0600, one line in DATA_KEYS's format (`local:<base64 of 32 bytes>`), so it can
 * be pasted into DATA_KEYS as it is when rotating.
 *
 * Made once and never overwritten: the key is written and fsynced under a temporary
 * name, then hard-linked to its name, which fails if the name exists. Two processes
 * starting at once, or a crash halfway, therefore leave either no key file or a
 * whole one, and whoever loses the race reads the winner's key.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { DataKey, newDataKey, parseDataKeys } from './dataKeys';

export const KEY_FILE_KEY_ID = 'local';

export function keyFileOf(databaseFile: string): string {
  return `${databaseFile}.data-key`;
}

/** The key in `file`, made first if there is none. Throws when the file exists but holds no valid key. */
export async function loadOrCreateKeyFile(file: string): Promise<{ key: DataKey; created: boolean }> {
  await mkdir(path.dirname(file), { recursive: true });
  const created = (await exists(file)) ? false : await createOnce(file);
  return { key: await readKeyFile(file), created };
}

export async function readKeyFile(file: string): Promise<DataKey> {
  const text = await readFile(file, 'utf8');
  const { keys, problems } = parseDataKeys(`The data key file ${file}`, text);
  if (problems.length > 0 || keys.length !== 1) {
    throw new Error(problems[0] ?? `The data key file ${file} must hold exactly one key`);
  }
  return keys[0];
}

/** Whether group or others may read the file (a copied or restored file may have lost its mode). */
export async function isOpenToOthers(file: string): Promise<boolean> {
  return ((await stat(file)).mode & 0o077) !== 0;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function createOnce(file: string): Promise<boolean> {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${newDataKey(KEY_FILE_KEY_ID)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, file);
    await syncFolder(path.dirname(file));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(temporary);
  }
}

/** The new name survives a power cut only once its folder is on disk too. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
