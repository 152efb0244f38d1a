/**
 * Redis counters from INFO: the commands the server processed, and with
 * appendonly on, the append-only file's size (the bench's servers never rewrite
 * it, so its growth is what was appended). Server-wide, like the others.
 */
import { Redis } from 'ioredis';
import type { DatabaseMeter } from './database';
import { pidListeningOn } from './proc';

function field(info: string, name: string): number {
  return Number(new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1] ?? 0);
}

export async function redisMeter(port: number): Promise<DatabaseMeter> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  let probes = 0; // our own commands, counted by the server
  return {
    name: 'redis',
    pid: pidListeningOn(port),
    async counters() {
      probes += 1;
      const info = await client.info();
      return {
        commands: field(info, 'total_commands_processed') - probes,
        aof_bytes: field(info, 'aof_enabled') === 1 ? field(info, 'aof_current_size') : 0,
      };
    },
    async durability() {
      probes += 2;
      const info = await client.info('server');
      const config = (await client.config('GET', 'appendonly', 'appendfsync', 'save')) as string[];
      const settings: Record<string, unknown> = { version: /^redis_version:(\S+)/m.exec(info)?.[1] };
      for (let i = 0; i < config.length; i += 2) settings[config[i]] = config[i + 1];
      return settings;
    },
    close: async () => {
      await client.quit();
    },
  };
}
