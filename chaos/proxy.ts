/**
 * The TCP proxy between the services and the database (test/helpers/proxy.ts),
 * in a child process of its own: every query of every service passes through
 * it, so it must not wait behind the campaign's own work (creating timers,
 * reading logs). The parent cuts and restores it over IPC; each call resolves
 * once the child has done it.
 */
import { ChildProcess, fork } from 'node:child_process';
import { startTcpProxy } from '../test/helpers/proxy';

export interface ProxyHandle {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

type Command = 'cut' | 'restore';

export async function startProxyProcess(targetPort: number, targetHost: string): Promise<ProxyHandle> {
  const child: ChildProcess = fork(__filename, [], {
    env: { CHAOS_PROXY_TARGET: JSON.stringify({ targetPort, targetHost }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const reply = (type: string) =>
    new Promise<{ type: string; port?: number }>((resolve, reject) => {
      const onMessage = (m: { type: string; port?: number }) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m);
      };
      const onExit = (code: number | null) => reject(new Error(`proxy exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const send = async (command: Command) => {
    const done = reply(command);
    child.send({ type: command });
    await done;
  };
  const { port } = await reply('ready');
  return {
    port: port!,
    cut: () => send('cut'),
    restore: () => send('restore'),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function serve(targetPort: number, targetHost: string): Promise<void> {
  const proxy = await startTcpProxy(targetPort, targetHost);
  // The campaign went away (killed, interrupted): so does this helper.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: { type: Command }) => {
    if (message.type === 'cut') proxy.cut();
    if (message.type === 'restore') proxy.restore();
    process.send!({ type: message.type });
  });
  process.send!({ type: 'ready', port: proxy.port });
}

if (require.main === module && process.env.CHAOS_PROXY_TARGET) {
  const { targetPort, targetHost } = JSON.parse(process.env.CHAOS_PROXY_TARGET) as {
    targetPort: number;
    targetHost: string;
  };
  void serve(targetPort, targetHost);
}
