/**
 * The deployment files agree with the code. No Docker engine or cluster runs here, so
 * this reads docker-compose.yml, the Dockerfiles and the Kubernetes manifests and
 * holds every port, health path, command and environment variable in them to what the
 * services actually do (the config module, the built entry points, the health routes).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig, parseDatabaseUrl } from '@timer/shared';
import {
  composeEnvironment,
  configVariableNames,
  copies,
  dockerignored,
  durationSeconds,
  execForm,
  finalInstruction,
  globalArgs,
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
const run = promisify(execFile);

/** The security settings (README, Security) each service must be given in production. */
const SECURITY_SETTINGS = {
  'timer-api': [
    'API_KEYS',
    'METRICS_PUBLIC',
    'DOCS_PUBLIC',
    'WEBHOOK_TARGETS',
    'WEBHOOK_ALLOWED_PORTS',
    'WEBHOOK_REQUIRE_DNS',
    'RATE_LIMIT_PER_SECOND',
    'RATE_LIMIT_BURST',
    'TRUST_PROXY_HOPS',
    'MAX_PENDING_PER_KEY',
    'INTERNAL_TOKEN',
  ],
  'timer-controller': ['WEBHOOK_SECRET', 'WEBHOOK_TARGETS', 'WEBHOOK_ALLOWED_PORTS', 'INTERNAL_TOKEN'],
} as const;

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

/**
 * The config a set of variables yields must be the one the code's defaults yield
 * (but for INTERNAL_TOKEN, which has none: a secret every deployment sets).
 */
function expectCodeDefaults(env: Record<string, string>): void {
  const configured = loadConfig(env);
  const defaults = loadConfig({ DATABASE_URL: env.DATABASE_URL, CONTROLLER_ID: configured.controllerId });
  const settings = (c: typeof configured) => ({ ...c, database: undefined, internalToken: undefined });
  expect(settings(configured)).toEqual(settings(defaults));
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
    expect(Object.keys(services).sort()).toEqual([
      'mysql',
      'otel-collector',
      'prometheus',
      'timer-api',
      'timer-controller',
    ]);
    for (const service of SERVICES) {
      expect(services[service].build).toMatchObject({ context: '.', dockerfile: `${service}/Dockerfile` });
    }
  });

  it("builds on NODE_IMAGE, by default the Dockerfiles' own base", () => {
    for (const service of SERVICES) {
      const { args } = services[service].build as { args: Record<string, string> };
      expect(Object.keys(args)).toEqual(['NODE_IMAGE']);
      expect(interpolate(args.NODE_IMAGE)).toBe(globalArgs(readDockerfile(`${service}/Dockerfile`)).NODE_IMAGE);
      expect(interpolate(args.NODE_IMAGE, { NODE_IMAGE: 'node:20-bookworm-slim' })).toBe('node:20-bookworm-slim');
    }
  });

  it('runs MySQL 8 unless MYSQL_IMAGE names another', () => {
    const image = String(services.mysql.image);
    expect(interpolate(image)).toMatch(/^mysql:8\./);
    expect(interpolate(image, { MYSQL_IMAGE: 'mariadb:11' })).toBe('mariadb:11');
  });

  it.each(SERVICES)('passes the security settings through to %s, empty (the code default) unless set', (service) => {
    const raw = services[service].environment as Record<string, string>;
    for (const name of SECURITY_SETTINGS[service]) expect(raw[name]).toBe(`\${${name}:-}`);
  });

  it('turns API keys on for the api and signing on for the controllers when they are set', () => {
    const key = 'tk_compose_0123456789abcdef';
    const secret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    const shell = { API_KEYS: key, WEBHOOK_SECRET: secret, WEBHOOK_TARGETS: 'public' };
    const api = loadConfig(composeEnvironment(services['timer-api'], shell));
    const controller = loadConfig(composeEnvironment(services['timer-controller'], shell));
    expect(api.apiKeyDigests).toHaveLength(1);
    expect(controller.webhookSecrets).toHaveLength(1);
    expect([api.webhookTargets.mode, controller.webhookTargets.mode]).toEqual(['public', 'public']);
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
    for (const name of Object.keys(env)) {
      expect(CONFIG_VARIABLES).toContain(name);
    }
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
    const check = services.mysql.healthcheck as { test: string[] };
    expect(check.test.join(' ')).toContain('mysqladmin ping');
    for (const service of SERVICES) {
      expect(services[service].depends_on).toEqual({ mysql: { condition: 'service_healthy' } });
      expect(services[service].restart).toBe('unless-stopped');
    }
  });

  it('keeps the MySQL data in the named volume mysql-data', () => {
    expect(services.mysql.volumes).toEqual(['mysql-data:/var/lib/mysql']);
    expect(Object.keys(compose.volumes ?? {})).toEqual(['mysql-data', 'prometheus-data']);
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

describe('the monitoring profile (deploy/prometheus, deploy/grafana)', () => {
  const [compose] = readYaml('docker-compose.yml') as Array<{ services: Record<string, Record<string, unknown>> }>;
  const prometheus = compose.services.prometheus;
  const [config] = readYaml('deploy/prometheus/prometheus.yml') as Array<{
    rule_files: string[];
    scrape_configs: Array<{ job_name: string; dns_sd_configs: Array<{ names: string[]; type: string; port: number }> }>;
  }>;
  const [rules] = readYaml('deploy/prometheus/alerts.yml') as Array<{
    groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
  }>;
  const [ruleTests] = readYaml('deploy/prometheus/alerts.test.yml') as Array<{
    rule_files: string[];
    tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
  }>;
  const dashboard = JSON.parse(readRepoFile('deploy/grafana/timer-service.json')) as {
    panels: Array<{ targets?: Array<{ expr: string }> }>;
  };
  const alerts = rules.groups.flatMap((g) => g.rules);
  const dashboardQueries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

  /** The container paths compose mounts, by the repository file they come from. */
  const mounts = Object.fromEntries(
    (prometheus.volumes as string[])
      .filter((v) => v.startsWith('./'))
      .map((v) => {
        const [source, target] = v.split(':');
        return [source.slice(2), target];
      }),
  );

  it('runs only with --profile monitoring; the services run without it', () => {
    expect(prometheus.profiles).toEqual(['monitoring']);
    for (const name of ['mysql', ...SERVICES]) expect(compose.services[name].profiles).toBeUndefined();
    expect(interpolate(String(prometheus.image))).toMatch(/^prom\/prometheus:v\d/);
    expect(interpolate(String(prometheus.image), { PROMETHEUS_IMAGE: 'mirror/prometheus:x' })).toBe(
      'mirror/prometheus:x',
    );
  });

  it('has an OpenTelemetry Collector that takes OTLP/HTTP on 4318, where the services can send traces', () => {
    const collector = compose.services['otel-collector'];
    expect(collector.profiles).toEqual(['tracing']);
    expect(collector.ports).toBeUndefined();
    expect(collector.volumes).toEqual(['./deploy/otel/collector.yaml:/etc/otelcol/config.yaml:ro']);
    expect(collector.command).toEqual(['--config=/etc/otelcol/config.yaml']);
    const [otel] = readYaml('deploy/otel/collector.yaml') as Array<{
      receivers: { otlp: { protocols: { http: { endpoint: string } } } };
      service: { pipelines: { traces: { receivers: string[]; exporters: string[] } } };
    }>;
    expect(otel.receivers.otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
    expect(otel.service.pipelines.traces.receivers).toEqual(['otlp']);
    // Tracing stays off unless the endpoint is given; both services take it.
    for (const name of SERVICES) {
      const env = compose.services[name].environment as Record<string, string>;
      expect(interpolate(env.OTEL_EXPORTER_OTLP_ENDPOINT)).toBe('');
      expect(
        interpolate(env.OTEL_EXPORTER_OTLP_ENDPOINT, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' }),
      ).toBe('http://otel-collector:4318');
    }
  });

  it('publishes its UI on the loopback interface only (it has no login)', () => {
    expect((prometheus.ports as string[]).map((p) => interpolate(p))).toEqual(['127.0.0.1:9090:9090']);
  });

  it('loads the configuration and the rules the repository holds, read-only', () => {
    expect(mounts).toEqual({
      'deploy/prometheus/prometheus.yml': '/etc/prometheus/prometheus.yml',
      'deploy/prometheus/alerts.yml': '/etc/prometheus/alerts.yml',
    });
    for (const volume of prometheus.volumes as string[]) {
      if (volume.startsWith('./')) expect(volume.endsWith(':ro')).toBe(true);
    }
    expect(config.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    expect(prometheus.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
  });

  it('finds every replica of each service by its compose name, on the port the service listens on', () => {
    const jobs = Object.fromEntries(config.scrape_configs.map((c) => [c.job_name, c.dns_sd_configs]));
    expect(Object.keys(jobs).sort()).toEqual([...SERVICES]);
    for (const service of SERVICES) {
      expect(jobs[service]).toEqual([
        expect.objectContaining({ names: [service], type: 'A', port: LISTEN[service].port }),
      ]);
      const env = composeEnvironment(compose.services[service]);
      expect(env[LISTEN[service].portVariable]).toBe(String(LISTEN[service].port));
    }
  });

  it('queries only metrics the services export', () => {
    const exported = new Set(
      [...readRepoFile('shared/src/metrics.ts').matchAll(/name: '(timers_\w+)'/g)].map((m) => m[1]),
    );
    const used = [...alerts.map((a) => a.expr), ...dashboardQueries].flatMap((expr) =>
      [...expr.matchAll(/\b(timers_\w+)/g)].map((m) => m[1].replace(/_(bucket|count|sum)$/, '')),
    );
    expect(used.length).toBeGreaterThan(10);
    for (const name of used) expect(exported).toContain(name);
    // The jobs they select are the ones prometheus.yml scrapes.
    for (const expr of [...alerts.map((a) => a.expr), ...dashboardQueries]) {
      for (const m of expr.matchAll(/job=~?"([^"]+)"/g)) {
        for (const job of m[1].split('|')) expect(SERVICES).toContain(job);
      }
    }
  });

  it('has unit tests in which every alert both fires and stays quiet', () => {
    expect(ruleTests.rule_files).toEqual(['alerts.yml']);
    const cases = ruleTests.tests.flatMap((t) => t.alert_rule_test);
    for (const { alert } of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect({ alert, fires: mine.some((c) => (c.exp_alerts ?? []).length > 0) }).toEqual({ alert, fires: true });
      expect({ alert, quiet: mine.some((c) => (c.exp_alerts ?? []).length === 0) }).toEqual({ alert, quiet: true });
    }
    expect(alerts.map((a) => a.alert)).toEqual(
      expect.arrayContaining([
        'TimerControllersDown',
        'TimerDeliveryFailuresRising',
        'TimerFiringLate',
        'TimerClaimsFailing',
        'TimerDatabaseUnreachable',
      ]),
    );
  });
});

describe('.cicd/.cicd.sh', () => {
  /** The `docker build` arguments .cicd.sh passes, with a stand-in docker that only records them. */
  async function buildArguments(env: Record<string, string>): Promise<string[][]> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cicd-'));
    try {
      const docker = path.join(dir, 'docker');
      await writeFile(docker, `#!/bin/sh\nprintf '%s\\n' "$*" >> "${dir}/calls"\n`, { mode: 0o755 });
      await run('bash', [path.join(ROOT, '.cicd/.cicd.sh')], {
        env: { PATH: process.env.PATH, DOCKER: docker, ...env },
        cwd: ROOT,
      });
      const calls = (await readFile(path.join(dir, 'calls'), 'utf8')).trim().split('\n');
      return calls.map((line) => line.split(' '));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it("builds both images on NODE_IMAGE when it is set, and on the Dockerfiles' default when not", async () => {
    const withBase = await buildArguments({ NODE_IMAGE: 'node:20-bookworm-slim' });
    expect(withBase.map((args) => args[args.indexOf('--file') + 1])).toEqual(SERVICES.map((s) => `${s}/Dockerfile`));
    for (const args of withBase) {
      expect(args[0]).toBe('build');
      expect(args[args.indexOf('--build-arg') + 1]).toBe('NODE_IMAGE=node:20-bookworm-slim');
    }
    for (const args of await buildArguments({})) expect(args).not.toContain('--build-arg');
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

  it('runs node as the non-root user `node`, as PID 1 with no wrapper (it handles SIGTERM itself)', () => {
    expect(finalInstruction(dockerfile, 'USER').args).toBe('node');
    // Empty: the base image's entry point (the official images' shell script) is dropped.
    expect(execForm(finalInstruction(dockerfile, 'ENTRYPOINT').args)).toEqual([]);
  });

  it("builds every stage on NODE_IMAGE, using no distribution's package manager", () => {
    expect(globalArgs(dockerfile).NODE_IMAGE).toMatch(/^node:20-/);
    const froms = dockerfile.instructions.filter((i) => i.keyword === 'FROM');
    expect(froms.length).toBeGreaterThan(1);
    for (const from of froms) expect(from.args.split(' ')[0]).toBe('${NODE_IMAGE}');
    for (const run of dockerfile.instructions.filter((i) => i.keyword === 'RUN')) {
      expect(run.args).not.toMatch(/\b(apk|apt|apt-get|dpkg|yum|dnf|microdnf|zypper)\b/);
    }
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
    expect(Object.keys(secret.stringData)).toEqual(['DATABASE_URL', 'INTERNAL_TOKEN']);
    expect(typeof parseDatabaseUrl(secret.stringData.DATABASE_URL)).toBe('object');
    expect(loadConfig({ INTERNAL_TOKEN: secret.stringData.INTERNAL_TOKEN }).internalToken).not.toBeNull();
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
