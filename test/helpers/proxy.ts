/**
 * A TCP proxy between the services and the database, to break the connection for
 * real without touching the shared database server. The port never changes.
 * - cut(): destroys every open connection and refuses new ones (they are
 *   accepted and reset at once): a database that is down.
 * - stall(): keeps every connection open but carries nothing more in either
 *   direction, and new connections are accepted and never answered: a database
 *   (or network) that hangs, which only time limits can get out of.
 * - restore(): lets new connections through again (stalled ones are closed).
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  port: number;
  readonly isCut: boolean;
  cut(): void;
  stall(): void;
  restore(): void;
  close(): Promise<void>;
}

type Mode = 'open' | 'cut' | 'stalled';

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let mode: Mode = 'open';
  const server = net.createServer((client) => {
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    open.add(client);
    client.on('error', () => client.destroy()).on('close', () => open.delete(client));
    if (mode === 'stalled') {
      client.resume();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    open.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const destroyAll = () => {
    for (const socket of open) socket.destroy();
    open.clear();
  };
  return {
    port: (server.address() as AddressInfo).port,
    get isCut() {
      return mode !== 'open';
    },
    cut() {
      mode = 'cut';
      destroyAll();
    },
    stall() {
      mode = 'stalled';
      for (const socket of open) {
        socket.unpipe();
        // Read and drop: nothing reaches the other side, nothing comes back.
        socket.removeAllListeners('data');
        socket.on('data', () => undefined);
      }
    },
    restore() {
      if (mode === 'stalled') destroyAll();
      mode = 'open';
    },
    close: () =>
      new Promise<void>((resolve) => {
        mode = 'cut';
        destroyAll();
        server.close(() => resolve());
      }),
  };
}
