/**
 * The project's docker-compose.yml, run as a user runs it: one compose project per
 * fleet, configured only through environment variables (the images, free host
 * ports, the settings under test), never through an edited or extra compose file.
 * Works with the Compose v2 plugin (`docker compose`) or v1 (`docker-compose`).
 * Containers are found and inspected with plain `docker`, by compose's labels.
 */
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = path.resolve(__dirname, '..', '..');
const BUFFER = 64 << 20;

/** `docker compose` when the plugin answers, else `docker-compose`. */
function composeCommand(): string[] {
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' });
    return ['docker', 'compose'];
  } catch {
    return ['docker-compose'];
  }
}

export async function docker(args: string[], timeoutMs = 120_000): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: BUFFER, timeout: timeoutMs });
  return stdout;
}

/** The parts of `docker inspect` these tests read. */
export interface ContainerState {
  Id: string;
  Name: string;
  RestartCount: number;
  Config: { Hostname: string; Labels: Record<string, string> };
  State: {
    Status: string;
    Running: boolean;
    ExitCode: number;
    StartedAt: string;
    FinishedAt: string;
    Health?: { Status: string };
  };
  NetworkSettings: { Networks: Record<string, { Gateway: string; IPAddress: string }> };
}

export class ComposeProject {
  private readonly command = composeCommand();

  /**
   * @param name the compose project name (containers, network and volumes carry it)
   * @param env the variables compose interpolates: nothing else from this process leaks in
   */
  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    private readonly profiles: string[] = [],
  ) {}

  get tool(): string {
    return this.command.join(' ');
  }

  async compose(args: string[], timeoutMs = 300_000): Promise<string> {
    const [file, ...first] = this.command;
    const profileArgs = this.profiles.flatMap((p) => ['--profile', p]);
    const { stdout, stderr } = await run(
      file,
      [...first, '--project-name', this.name, '--file', path.join(ROOT, 'docker-compose.yml'), ...profileArgs, ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...this.env },
        maxBuffer: BUFFER,
        timeout: timeoutMs,
      },
    );
    return stdout + stderr;
  }

  /** Ids of the project's containers (running or not), of one service or all. */
  async containerIds(service?: string): Promise<string[]> {
    const filters = [`label=com.docker.compose.project=${this.name}`];
    if (service) filters.push(`label=com.docker.compose.service=${service}`);
    const out = await docker(['ps', '--all', '--quiet', '--no-trunc', ...filters.flatMap((f) => ['--filter', f])]);
    return out.split('\n').filter(Boolean).sort();
  }

  async inspect(ids: string[]): Promise<ContainerState[]> {
    if (ids.length === 0) return [];
    return JSON.parse(await docker(['inspect', ...ids])) as ContainerState[];
  }

  async containers(service?: string): Promise<ContainerState[]> {
    return this.inspect(await this.containerIds(service));
  }

  /** Every line a container wrote to stdout (`docker logs`). */
  async logs(id: string): Promise<string[]> {
    const { stdout } = await run('docker', ['logs', id], { maxBuffer: BUFFER });
    return stdout.split('\n').filter((line) => line.trim() !== '');
  }

  async down(): Promise<void> {
    await this.compose(['down', '--volumes', '--remove-orphans', '--timeout', '5']);
  }
}

export function serviceOf(container: ContainerState): string {
  return container.Config.Labels['com.docker.compose.service'];
}

/** The gateway of the container's network: where the containers reach this host. */
export function gatewayOf(container: ContainerState): string {
  const networks = Object.values(container.NetworkSettings.Networks);
  if (networks.length === 0 || !networks[0].Gateway) throw new Error(`${container.Name} has no network gateway`);
  return networks[0].Gateway;
}

/** Projects these tests started and did not remove (a run that was killed): removed at the next start. */
export async function removeAbandonedProjects(prefix: string): Promise<void> {
  const out = await docker(['ps', '--all', '--format', '{{.Label "com.docker.compose.project"}}']);
  const projects = [...new Set(out.split('\n').filter((p) => p.startsWith(prefix)))];
  for (const project of projects) {
    const pid = Number(project.slice(prefix.length).split('-')[0]);
    if (pid && isAlive(pid)) continue; // another run, still going
    // Without the run's variables the file interpolates to its defaults, which is enough to find
    // and remove the project's containers, network and volumes.
    await new ComposeProject(project, {}, ['monitoring']).down();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
