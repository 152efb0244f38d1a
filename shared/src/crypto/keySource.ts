/**
 * Where the data keys come from: DATA_KEYS when set; otherwise none (values are
 * stored as they are), with a warning at start.
 */
import type { Config } from '../config';
import type { Logger } from '../logger';
import { DataKeys } from './dataKeys';

export async function dataKeysFor(config: Pick<Config, 'dataKeys'>, logger: Logger): Promise<DataKeys> {
  if (config.dataKeys.length > 0) return new DataKeys(config.dataKeys);
  logger.warn("DATA_KEYS is not set: tenants' signing secrets are stored unencrypted");
  return DataKeys.none();
}
