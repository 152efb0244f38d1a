/**
 * Where the data keys come from:
 *
 * - DATA_KEYS when set, in either mode.
 * - Unset, in the embedded mode (SQLite): the key file beside the database
 *   (keyFile.ts), made at the first start; the embedded mode encrypts with no setup.
 * - Unset, in the server mode (MySQL): none. Values are stored as they are, and
 *   every start warns, naming what is stored in plain text. A key made up by one
 *   replica could not be shared with the others, so there is no default here.
 */
import type { Config } from '../config';
import type { Logger } from '../logger';
import { DataKey, DataKeys } from './dataKeys';
import { isOpenToOthers, keyFileOf, loadOrCreateKeyFile, readKeyFile } from './keyFile';

export const PLAIN_TEXT_WARNING =
  'DATA_KEYS is not set: webhook URLs (path, query, user info), payloads and bodies, custom header ' +
  "values, completion callback URLs and tenants' signing secrets are stored in plain text, and " +
  'idempotency request hashes are plain SHA-256';

export async function dataKeysFor(config: Pick<Config, 'dataKeys' | 'database'>, logger: Logger): Promise<DataKeys> {
  const sqliteFile = config.database.client === 'better-sqlite3' ? config.database.filename : null;
  if (config.dataKeys.length > 0) {
    if (sqliteFile !== null) await warnOfUnheldKeyFile(keyFileOf(sqliteFile), config.dataKeys, logger);
    return new DataKeys(config.dataKeys);
  }
  if (sqliteFile !== null) {
    const file = keyFileOf(sqliteFile);
    const { key, created } = await loadOrCreateKeyFile(file);
    if (created) logger.info('Made a data key file', { file, keyId: key.id });
    else if (await isOpenToOthers(file)) {
      logger.warn('The data key file can be read by other users; chmod 600 it', { file });
    }
    return new DataKeys([key]);
  }
  logger.warn(PLAIN_TEXT_WARNING);
  return DataKeys.none();
}

/** Moving from the key file to DATA_KEYS: what the file's key sealed opens only while DATA_KEYS holds it too. */
async function warnOfUnheldKeyFile(file: string, keys: readonly DataKey[], logger: Logger): Promise<void> {
  const fileKey = await readKeyFile(file).catch(() => null);
  if (fileKey === null || keys.some((k) => k.key.equals(fileKey.key))) return;
  logger.warn(
    'DATA_KEYS does not hold the key of the data key file: rows sealed with it do not open until its line is ' +
      'added to DATA_KEYS (keep it there until npm run keys -- reencrypt has run)',
    { file },
  );
}
