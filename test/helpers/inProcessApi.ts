/**
 * The api in the test's own process, on a port of its own, with time limits
 * far above anything a busy machine needs: a request answered 503 in a race
 * test would then be a deadlock victim, not a slow host.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDb, createSilentLogger, loadConfig, Store } from '@timer/shared';
import { createApp } from '@timer/api';
import { TEST_INTERNAL_TOKEN } from './processes';

export interface InProcessApi {
  port: number;
  close(): Promise<void>;
}

export async function startInProcessApi(databaseUrl: string): Promise<InProcessApi> {
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    DB_ACQUIRE_TIMEOUT_MS: '60000',
    DB_QUERY_TIMEOUT_MS: '60000',
    REQUEST_TIMEOUT_MS: '120000',
    INTERNAL_TOKEN: TEST_INTERNAL_TOKEN,
  });
  const store = new Store(createDb(config), config.dbQueryTimeoutMs);
  const server = http.createServer(createApp({ config, store, logger: createSilentLogger(), nudger: { nudge() {} } }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.db.destroy();
    },
  };
}
