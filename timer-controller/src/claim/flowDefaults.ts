/**
 * At start, the origin defaults of FLOW_DEFAULTS are written to the flows table,
 * where every controller's flow claimer reads them with the other flows: the one
 * place they are stored. Every controller writes the same setting; one started
 * with another (a rolling change) makes its own the stored one.
 */
import type { Config, Flows, Logger } from '@timer/shared';

export async function applyFlowDefaults(
  flows: Pick<Flows, 'syncDefaults'>,
  config: Pick<Config, 'flowDefaults'>,
  logger: Logger,
): Promise<void> {
  const { written, removed } = await flows.syncDefaults(config.flowDefaults);
  if (written.length > 0 || removed.length > 0) {
    logger.info('Flow defaults per origin applied', { written, removed });
  }
}
