/**
 * The exact command each image runs starts its service from a production install.
 *
 * No Docker engine runs here, so this rebuilds the image's /app in a temporary folder
 * by following the Dockerfile itself: the files its `deps` stage copies, that stage's
 * `npm ci --omit=dev --workspace ...`, and the dist/ folders the final stage copies
 * from the build stage. A service that imports a package only the other service (or
 * a devDependency) declares fails here, as it would in the image. Then the CMD runs
 * there with the image's ENV, /healthz must answer, the HEALTHCHECK command must
 * pass, and SIGTERM must end it with exit code 0.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, TestDatabase } from './helpers/db';
import { waitFor } from './helpers/wait';
import { freePort } from './helpers/ports';
import { TEST_INTERNAL_TOKEN } from './helpers/processes';
import {
  copies,
  Dockerfile,
  execForm,
  finalInstruction,
  healthcheck,
  npmCiArgs,
  readDockerfile,
  ROOT,
  Service,
  SERVICES,
  stageEnv,
} from './deployFiles';

const run = promisify(execFile);
const PORT_VARIABLE: Record<Service, string> = { 'timer-api': 'PORT', 'timer-controller': 'CONTROLLER_PORT' };
const INSTALL_TIMEOUT_MS = 180_000;

let t: TestDatabase;
const installs = new Map<Service, string>();
const children: ChildProcess[] = [];

/** Lays out the runtime image's /app for one service in a new temporary folder. */
async function assembleImage(service: Service, dockerfile: Dockerfile): Promise<string> {
  const app = await mkdtemp(path.join(os.tmpdir(), `timer-image-${service}-`));
  const workdirOf = (stage: string | number) => {
    const index =
      typeof stage === 'number'
        ? dockerfile.stages.length + stage
        : dockerfile.stages.findIndex((s) => s.name === stage);
    return dockerfile.stages[index].workdir!;
  };
  expect(workdirOf('deps')).toBe(workdirOf(-1));

  // The deps stage: manifests from the build context, then its npm ci.
  for (const copy of copies(dockerfile, 'deps')) {
    expect(copy.from).toBeUndefined();
    for (const source of copy.sources) {
      const target = copy.destination.endsWith('/')
        ? path.join(app, copy.destination, path.basename(source))
        : path.join(app, copy.destination);
      await cp(path.join(ROOT, source), target, { recursive: true });
    }
  }
  await run('npm', npmCiArgs(dockerfile, 'deps'), { cwd: app, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 16 << 20 });

  // The final stage: the deps stage's /app as it is, plus compiled output from the build stage.
  const buildWorkdir = workdirOf('build');
  for (const copy of copies(dockerfile, -1)) {
    if (copy.from === 'deps') {
      expect(copy).toEqual({ from: 'deps', sources: [workdirOf('deps')], destination: './' });
    } else if (copy.from === 'build') {
      for (const source of copy.sources) {
        const inRepo = path.relative(buildWorkdir, source);
        expect(existsSync(path.join(ROOT, inRepo))).toBe(true); // `npm run build` ran (pretest)
        await cp(path.join(ROOT, inRepo), path.join(app, copy.destination), { recursive: true });
      }
    } else {
      throw new Error(`COPY in the final stage that this test does not reproduce: ${JSON.stringify(copy)}`);
    }
  }
  return app;
}

function getStatus(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function gone(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Exit code of a command (0 on success), without throwing. */
async function exitCode(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  try {
    await run(file, args, { env, timeout: 10_000 });
    return 0;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'number' ? code : -1;
  }
}

beforeAll(async () => {
  t = await createTestDatabase('docker_cmd');
  // Both installs at once: each is mostly waiting on the npm cache and the disk.
  await Promise.all(
    SERVICES.map(async (service) => {
      installs.set(service, await assembleImage(service, readDockerfile(`${service}/Dockerfile`)));
    }),
  );
}, INSTALL_TIMEOUT_MS + 60_000);

afterAll(async () => {
  for (const child of children) if (!gone(child)) child.kill('SIGKILL');
  await Promise.all([...installs.values()].map((dir) => rm(dir, { recursive: true, force: true })));
  await t?.drop();
});

describe.each(SERVICES)('%s image', (service) => {
  const dockerfile = readDockerfile(`${service}/Dockerfile`);

  it('has production dependencies only', () => {
    const app = installs.get(service)!;
    expect(existsSync(path.join(app, 'node_modules', '@timer', 'shared'))).toBe(true);
    for (const devOnly of ['typescript', 'jest', 'ts-jest', 'yaml']) {
      expect(existsSync(path.join(app, 'node_modules', devOnly))).toBe(false);
    }
  });

  it('starts with its CMD, answers /healthz, passes its HEALTHCHECK, and exits 0 on SIGTERM', async () => {
    const app = installs.get(service)!;
    const cmd = execForm(finalInstruction(dockerfile, 'CMD').args);
    const portVariable = PORT_VARIABLE[service];
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      ...stageEnv(dockerfile, -1),
      DATABASE_URL: t.url,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      // Required of a separate api or controller, as a deployment sets it.
      INTERNAL_TOKEN: TEST_INTERNAL_TOKEN,
      [portVariable]: String(port),
    };
    const output: string[] = [];
    // `node` is the node running this test: the same major version the image pins.
    const child = spawn(cmd[0] === 'node' ? process.execPath : cmd[0], cmd.slice(1), {
      cwd: app,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );

    try {
      await Promise.race([
        // An early exit also ends the wait; the race then reports it, with the output.
        waitFor(
          `${service} to answer /healthz`,
          async () => gone(child) || (await getStatus(port, '/healthz')) === 200,
          {
            timeoutMs: 30_000,
            intervalMs: 100,
          },
        ),
        exited.then((how) => {
          throw new Error(`${service} exited before answering /healthz: ${JSON.stringify(how)}`);
        }),
      ]);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- ${service} output ---\n${output.join('')}`);
    }
    // Ready once its checks have run (a controller's first check of its advertised address
    // may still be under way when /healthz first answers).
    await waitFor(`${service} to answer /readyz 200`, async () => (await getStatus(port, '/readyz')) === 200, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });

    const check = healthcheck(dockerfile).command;
    const checkFile = check[0] === 'node' ? process.execPath : check[0];
    expect(await exitCode(checkFile, check.slice(1), env)).toBe(0);

    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    // And the same check notices a service that is gone.
    expect(await exitCode(checkFile, check.slice(1), env)).toBe(1);
  }, 60_000);
});
