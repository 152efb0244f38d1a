/**
 * The deployment files agree with the code. No Docker engine or cluster runs here, so
 * this reads docker-compose.yml, the Dockerfiles and the Kubernetes manifests and
 * holds every port, health path, command and environment variable in them to what the
 * services actually do (the config module, the built entry points, the health routes).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, parseDatabaseUrl } from '@timer/shared';
import {
  composeEnvironment,
  configVariableNames,
  copies,
  dockerignored,
  durationSeconds,
  execForm,
  finalInstruction,
  healthcheck,
  interpolate,
  npmCiArgs,
  readDockerfile,
  readRepoFile,
  readYaml,
  referencesWithoutDefault,
  ROOT,
  SERVICES,
  stageEnv,
} from './deployFiles';

/** Where each service listens, per SPEC and the config defaults. */
const LISTEN = {
  'timer-api': { portVariable: 'PORT', port: 3000 },
  'timer-controller': { portVariable: 'CONTROLLER_PORT', port: 3001 },
} as const;

/** The SPEC's settings a controller deployment must be able to change. */
const CONTROLLER_SETTINGS = [
  'DATABASE_URL',
  'CONTROLLER_PORT',
  'POLL_INTERVAL_MS',
  'WEBHOOK_TIMEOUT_MS',
  'MAX_ATTEMPTS',
  'RETRY_BASE_MS',
  'RETRY_MAX_MS',
  'LEASE_MS',
  'LOG_LEVEL',
  'SHUTDOWN_GRACE_MS',
];

const CONFIG_VARIABLES = configVariableNames();

/**
 * How long a controller may take to stop after SIGTERM: it waits up to
 * SHUTDOWN_GRACE_MS for its webhooks, then up to SHUTDOWN_GRACE_MS again for the
 * outcomes to be written, and a poll iteration in progress may hold a query until
 * DB_QUERY_TIMEOUT_MS.
 */
function worstDrainMs(env: Record<string, string>): number {
  const config = loadConfig(env);
  return 2 * config.shutdownGraceMs + config.dbQueryTimeoutMs;
}

/** The config a set of variables yields must be the one the code's defaults yield. */
function expectCodeDefaults(env: Record<string, string>): void {
  const configured = loadConfig(env);
  const defaults = loadConfig({ DATABASE_URL: env.DATABASE_URL, CONTROLLER_ID: configured.controllerId });
  expect({ ...configured, database: undefined }).toEqual({ ...defaults, database: undefined });
}

it('reads the config variable names out of shared/src/config.ts', () => {
  // Guards the regex: if config.ts changes shape, every "is a config variable" check below would pass vacuously.
  for (const name of ['DATABASE_URL', 'PORT', 'CONTROLLER_PORT', 'LOG_LEVEL', 'LEASE_MS', 'SHUTDOWN_GRACE_MS']) {
    expect(CONFIG_VARIABLES).toContain(name);
  }
  expect(CONFIG_VARIABLES.size).toBeGreaterThanOrEqual(20);
});

describe('docker-compose.yml', () => {
  const text = readRepoFile('docker-compose.yml');
  const [compose] = readYaml('docker-compose.yml') as Array<{
    services: Record<string, Record<string, unknown>>;
    volumes?: Record<string, unknown>;
  }>;
  const services = compose.services;

  it('builds each service from its own Dockerfile with the repository root as context', () => {
    expect(Object.keys(services).sort()).toEqual(['mysql', 'timer-api', 'timer-controller']);
    for (const service of SERVICES) {
      expect(services[service].build).toEqual({ context: '.', dockerfile: `${service}/Dockerfile` });
    }
  });

  it('publishes the api on host port 80, mapped to the port the api listens on', () => {
    const ports = (services['timer-api'].ports as string[]).map((p) => interpolate(p));
    expect(ports).toEqual(['80:3000']);
    expect(composeEnvironment(services['timer-api']).PORT).toBe('3000');
  });

  it('gives the controller no container name and no host port, so --scale can start many', () => {
    const controller = services['timer-controller'];
    expect(controller.container_name).toBeUndefined();
    expect(controller.ports).toBeUndefined();
    expect(composeEnvironment(controller).CONTROLLER_PORT).toBe('3001');
  });

  it.each(SERVICES)('sets only variables the config reads on %s, each to the code default', (service) => {
    const env = composeEnvironment(services[service]);
    for (const name of Object.keys(env)) expect(CONFIG_VARIABLES).toContain(name);
    expectCodeDefaults(env);
  });

  it('lets every SPEC setting of the controller be changed through the environment', () => {
    const controller = services['timer-controller'].environment as Record<string, string>;
    for (const name of CONTROLLER_SETTINGS) {
      expect(Object.keys(controller)).toContain(name);
      if (name !== 'CONTROLLER_PORT' && name !== 'DATABASE_URL') expect(controller[name]).toMatch(/^\$\{/);
    }
  });

  it('connects both services to the mysql service as the user and database it creates', () => {
    const mysql = composeEnvironment(services.mysql);
    for (const service of SERVICES) {
      const database = parseDatabaseUrl(composeEnvironment(services[service]).DATABASE_URL);
      if (typeof database === 'string') throw new Error(database);
      expect(database).toMatchObject({
        host: 'mysql',
        port: 3306,
        user: mysql.MYSQL_USER,
        password: mysql.MYSQL_PASSWORD,
        database: mysql.MYSQL_DATABASE,
      });
    }
  });

  it('starts the services once MySQL is healthy, and restarts them', () => {
    expect(services.mysql.image).toMatch(/^mysql:8/);
    const check = services.mysql.healthcheck as { test: string[] };
    expect(check.test.join(' ')).toContain('mysqladmin ping');
    for (const service of SERVICES) {
      expect(services[service].depends_on).toEqual({ mysql: { condition: 'service_healthy' } });
      expect(services[service].restart).toBe('unless-stopped');
    }
  });

  it('keeps the MySQL data in the named volume mysql-data', () => {
    expect(services.mysql.volumes).toEqual(['mysql-data:/var/lib/mysql']);
    expect(Object.keys(compose.volumes ?? {})).toEqual(['mysql-data']);
    expect(text).toMatch(/#\s*- \.\/data\/mysql:\/var\/lib\/mysql/); // the documented bind-mount alternative
  });

  it('gives a stopping controller longer than its drain can take before Docker kills it', () => {
    const env = composeEnvironment(services['timer-controller']);
    const grace = durationSeconds(String(services['timer-controller'].stop_grace_period));
    expect(grace * 1000).toBeGreaterThan(Number(env.SHUTDOWN_GRACE_MS));
    expect(grace * 1000).toBeGreaterThan(worstDrainMs(env));
  });

  it('gives every variable it interpolates a default, so a bare `docker compose up` works', () => {
    expect(referencesWithoutDefault(text)).toEqual([]);
  });
});

describe.each(SERVICES)('%s/Dockerfile', (service) => {
  const dockerfile = readDockerfile(`${service}/Dockerfile`);
  const { port, portVariable } = LISTEN[service];

  it('runs the entry point that `npm run build` produces, from /app', () => {
    const cmd = execForm(finalInstruction(dockerfile, 'CMD').args);
    expect(cmd).toEqual(['node', `${service}/dist/main.js`]);
    expect(existsSync(path.join(ROOT, cmd[1]))).toBe(true);
    expect(dockerfile.stages[dockerfile.stages.length - 1].workdir).toBe('/app');
    // The same file the root scripts start, so `npm run start:*` and the image agree.
    const scripts = (JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }).scripts;
    const script = service === 'timer-api' ? 'start:api' : 'start:controller';
    expect(scripts[script]).toBe(cmd.join(' '));
  });

  it('runs node as the non-root user `node`, under tini so SIGTERM reaches it', () => {
    expect(finalInstruction(dockerfile, 'USER').args).toBe('node');
    expect(execForm(finalInstruction(dockerfile, 'ENTRYPOINT').args)).toEqual(['/sbin/tini', '--']);
    expect(dockerfile.inStage(-1).some((i) => i.keyword === 'RUN' && /apk add .*\btini\b/.test(i.args))).toBe(true);
  });

  it(`checks /healthz on ${portVariable} (${port}), with node itself`, () => {
    const { command } = healthcheck(dockerfile);
    expect(command[0]).toBe('node');
    const script = command.join(' ');
    expect(script).toContain("path:'/healthz'");
    expect(script).toContain(`port:process.env.${portVariable}||${port}`);
    expect(CONFIG_VARIABLES).toContain(portVariable);
    expect(stageEnv(dockerfile, -1)[portVariable]).toBe(String(port));
    expect(finalInstruction(dockerfile, 'EXPOSE').args).toBe(String(port));
  });

  it('installs only the production dependencies of this service and @timer/shared', () => {
    const args = npmCiArgs(dockerfile, 'deps');
    expect(args).toEqual(
      expect.arrayContaining(['--omit=dev', '--workspace', service, '--include-workspace-root=false']),
    );
    expect(args[args.indexOf('--workspace') + 1]).toBe(service);
    const fromBuild = copies(dockerfile, -1).filter((c) => c.from === 'build');
    // Compiled code, and the api's dashboard files (static, not compiled).
    const built = ['shared/dist', `${service}/dist`, ...(service === 'timer-api' ? ['timer-api/ui'] : [])];
    expect(fromBuild.map((c) => c.destination).sort()).toEqual(built.sort());
    for (const c of fromBuild) expect(c.sources).toEqual([`/src/${c.destination}`]);
  });

  it('copies only paths that exist and that .dockerignore lets into the build context', () => {
    const fromContext = [...copies(dockerfile, 'build'), ...copies(dockerfile, 'deps')].filter((c) => !c.from);
    const sources = fromContext.flatMap((c) => c.sources);
    expect(sources).toEqual(expect.arrayContaining(['package-lock.json', `${service}/`, 'shared/']));
    for (const source of sources) {
      expect(existsSync(path.join(ROOT, source))).toBe(true);
      expect(dockerignored(source)).toBe(false);
    }
    expect(dockerignored(`${service}/src/main.ts`)).toBe(false);
    expect(dockerignored('shared/src/config.ts')).toBe(false);
    // Host builds, installs, tests and secrets stay out of the image.
    for (const excluded of ['node_modules', `${service}/node_modules/x`, `${service}/dist/main.js`, '.env', '.git']) {
      expect(dockerignored(excluded)).toBe(true);
    }
  });
});

it('puts the dashboard files that timer-api serves into its image', () => {
  const dockerfile = readDockerfile('timer-api/Dockerfile');
  expect(copies(dockerfile, -1)).toContainEqual({
    from: 'build',
    sources: ['/src/timer-api/ui'],
    destination: 'timer-api/ui',
  });
  for (const file of ['index.html', 'app.js', 'style.css']) {
    expect(existsSync(path.join(ROOT, 'timer-api', 'ui', file))).toBe(true);
    expect(dockerignored(`timer-api/ui/${file}`)).toBe(false);
  }
});

describe('Kubernetes manifests (deploy/k8s)', () => {
  interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
  }
  interface Probe {
    httpGet?: { path: string; port: number | string };
  }
  interface Container {
    name: string;
    image: string;
    ports?: Array<{ name?: string; containerPort: number }>;
    env?: EnvVar[];
    livenessProbe?: Probe;
    readinessProbe?: Probe;
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  }
  interface Deployment {
    kind: string;
    metadata: { name: string };
    spec: {
      replicas?: number;
      template: { spec: { terminationGracePeriodSeconds?: number; containers: Container[] } };
    };
  }

  const BASE = 'deploy/k8s/base';
  const kustomization = readYaml(`${BASE}/kustomization.yaml`)[0] as { resources: string[] };
  const one = <T>(file: string) => readYaml(`${BASE}/${file}`)[0] as T;
  const deployments = {
    'timer-api': one<Deployment>('api-deployment.yaml'),
    'timer-controller': one<Deployment>('controller-deployment.yaml'),
  };
  const containerOf = (service: keyof typeof deployments) => {
    const containers = deployments[service].spec.template.spec.containers;
    expect(containers).toHaveLength(1);
    return containers[0];
  };
  /** The env a container gets, with values from Secrets and the downward API stood in for. */
  const containerEnv = (container: Container): Record<string, string> =>
    Object.fromEntries(
      (container.env ?? []).map((e) => [
        e.name,
        e.value ??
          (e.valueFrom?.secretKeyRef
            ? 'mysql://timers:secret@mysql.example:3306/timers'
            : 'timer-controller-5d8f7c9b4-x2x7q'),
      ]),
    );
  const probePort = (container: Container, probe: Probe | undefined): number | undefined => {
    const port = probe?.httpGet?.port;
    return typeof port === 'number' ? port : container.ports?.find((p) => p.name === port)?.containerPort;
  };

  it('lists every manifest of the base in its kustomization, except the example Secret', () => {
    const manifests = readdirSync(path.join(ROOT, BASE)).filter(
      (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml',
    );
    expect([...kustomization.resources].sort()).toEqual(manifests.filter((f) => f !== 'secret.example.yaml').sort());
  });

  describe.each(SERVICES)('%s Deployment', (service) => {
    const { port, portVariable } = LISTEN[service];

    it(`probes /healthz for liveness and /readyz for readiness on port ${port}`, () => {
      const container = containerOf(service);
      expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(probePort(container, container.livenessProbe)).toBe(port);
      expect(probePort(container, container.readinessProbe)).toBe(port);
      expect(containerEnv(container)[portVariable]).toBe(String(port));
    });

    it('sets resource requests and limits', () => {
      const { resources } = containerOf(service);
      for (const kind of ['requests', 'limits'] as const) {
        expect(resources?.[kind]).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      }
    });

    it('reads DATABASE_URL from the Secret timer-db and sets only variables the config reads', () => {
      const container = containerOf(service);
      const databaseUrl = container.env?.find((e) => e.name === 'DATABASE_URL');
      expect(databaseUrl?.valueFrom?.secretKeyRef).toEqual({ name: 'timer-db', key: 'DATABASE_URL' });
      const env = containerEnv(container);
      for (const name of Object.keys(env)) expect(CONFIG_VARIABLES).toContain(name);
      expectCodeDefaults(env);
    });

    it('runs the image the production overlay names', () => {
      expect(containerOf(service).image).toBe(service);
    });
  });

  it('lets every SPEC setting of the controller be seen and changed in its Deployment', () => {
    const names = (containerOf('timer-controller').env ?? []).map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(CONTROLLER_SETTINGS));
  });

  it('gives a terminating controller longer than its drain can take', () => {
    const spec = deployments['timer-controller'].spec;
    const env = containerEnv(containerOf('timer-controller'));
    const grace = spec.template.spec.terminationGracePeriodSeconds ?? 30;
    expect(grace).toBeGreaterThan(Number(env.SHUTDOWN_GRACE_MS) / 1000);
    expect(grace * 1000).toBeGreaterThan(worstDrainMs(env));
    expect(spec.replicas).toBe(3);
  });

  it('serves the api in the cluster on port 80, sent to the container port 3000', () => {
    const svc = one<{
      spec: { type?: string; selector: Record<string, string>; ports: Array<Record<string, unknown>> };
    }>('api-service.yaml');
    expect(svc.spec.type ?? 'ClusterIP').toBe('ClusterIP');
    expect(svc.spec.ports).toHaveLength(1);
    const container = containerOf('timer-api');
    const target = svc.spec.ports[0].targetPort;
    const targetPort =
      typeof target === 'number' ? target : container.ports?.find((p) => p.name === target)?.containerPort;
    expect(svc.spec.ports[0].port).toBe(80);
    expect(targetPort).toBe(3000);
    const podLabels = (
      deployments['timer-api'].spec.template as unknown as { metadata: { labels: Record<string, string> } }
    ).metadata.labels;
    expect(podLabels).toMatchObject(svc.spec.selector);
  });

  it('scales the controller on CPU with an autoscaling/v2 HPA, 2 to 10 replicas', () => {
    const hpa = one<{
      apiVersion: string;
      spec: {
        scaleTargetRef: { kind: string; name: string };
        minReplicas: number;
        maxReplicas: number;
        metrics: Array<{ resource?: { name: string } }>;
      };
    }>('controller-hpa.yaml');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'timer-controller' });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 10]);
    expect(hpa.spec.metrics.map((m) => m.resource?.name)).toEqual(['cpu']);
  });

  it('documents the Secret in the shape the Deployments read, with a URL the config accepts', () => {
    const secret = one<{ kind: string; metadata: { name: string }; stringData: Record<string, string> }>(
      'secret.example.yaml',
    );
    expect(secret.kind).toBe('Secret');
    expect(secret.metadata.name).toBe('timer-db');
    expect(Object.keys(secret.stringData)).toEqual(['DATABASE_URL']);
    expect(typeof parseDatabaseUrl(secret.stringData.DATABASE_URL)).toBe('object');
  });

  it('has a production overlay that sets the image of every container in the base', () => {
    const overlayDir = 'deploy/k8s/overlays/production';
    const overlay = readYaml(`${overlayDir}/kustomization.yaml`)[0] as {
      resources: string[];
      images: Array<{ name: string; newName?: string; newTag?: string }>;
    };
    for (const resource of overlay.resources) expect(existsSync(path.join(ROOT, overlayDir, resource))).toBe(true);
    expect(overlay.images.map((i) => i.name).sort()).toEqual([...SERVICES]);
    for (const image of overlay.images) expect(image.newTag).toEqual(expect.any(String));
  });
});

describe('system_scheme.drawio', () => {
  const xml = readRepoFile('system_scheme.drawio');
  const pages = [...xml.matchAll(/<diagram\b[^>]*\bname="([^"]*)"[^>]*>([\s\S]*?)<\/diagram>/g)].map((m) => ({
    name: m[1],
    body: m[2],
  }));

  it('has the pages "current" and "horizontal scaling", uncompressed', () => {
    expect(xml.startsWith('<?xml')).toBe(true);
    expect(xml).toMatch(/<mxfile\b[\s\S]*<\/mxfile>\s*$/);
    expect(pages.map((p) => p.name)).toEqual(['current', 'horizontal scaling']);
    for (const page of pages) expect(page.body).toContain('<mxGraphModel');
  });

  it('connects only cells that exist on the same page', () => {
    for (const page of pages) {
      const ids = [...page.body.matchAll(/<mxCell id="([^"]+)"/g)].map((m) => m[1]);
      expect(new Set(ids).size).toBe(ids.length);
      for (const m of page.body.matchAll(/\b(?:source|target|parent)="([^"]+)"/g)) expect(ids).toContain(m[1]);
    }
  });

  it('shows the claim on the current page and the shard rule on the scaling page', () => {
    expect(pages[0].body).toContain('FOR UPDATE');
    expect(pages[0].body).toContain('SKIP LOCKED');
    expect(pages[1].body).toContain('hash(id) mod N');
  });
});
