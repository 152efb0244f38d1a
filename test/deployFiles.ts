/**
 * Reading the deployment files the way their tools do, for tests that hold them to
 * the code: Dockerfiles (instructions by stage), .dockerignore (which paths reach the
 * build), docker-compose.yml (with its ${VAR:-default} interpolation), the k8s YAML,
 * and the environment variables the config actually reads.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = path.resolve(__dirname, '..');
export const SERVICES = ['timer-api', 'timer-controller'] as const;
export type Service = (typeof SERVICES)[number];

export function readRepoFile(relative: string): string {
  return readFileSync(path.join(ROOT, relative), 'utf8');
}

/** Every YAML document in a file, as plain data; merge keys (<<: *anchor) applied as compose does. */
export function readYaml(relative: string): unknown[] {
  return parseAllDocuments(readRepoFile(relative), { merge: true })
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${relative}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as unknown;
    })
    .filter((doc) => doc !== null && doc !== undefined);
}

/** The names shared/src/config.ts reads: `r.int('PORT', ...)`, `r.secrets('WEBHOOK_SECRET')`, ..., and the OTEL_* ones. */
export function configVariableNames(): Set<string> {
  const source = readRepoFile('shared/src/config.ts');
  const names = [...source.matchAll(/\br\.(?:int|string|oneOf|database|url|secrets)\(\s*'([A-Z][A-Z0-9_]*)'/g)].map(
    (m) => m[1],
  );
  // The standard OpenTelemetry variables, read by the tracing part of the config.
  const tracing = readRepoFile('shared/src/tracing/config.ts');
  names.push(...[...tracing.matchAll(/'(OTEL_[A-Z0-9_]+)'/g)].map((m) => m[1]));
  return new Set(names);
}

// ---------------------------------------------------------------- Dockerfile

export interface Instruction {
  keyword: string;
  args: string;
  /** Index of the stage (FROM) this instruction belongs to. */
  stage: number;
}

export interface Dockerfile {
  instructions: Instruction[];
  stages: Array<{ name?: string; workdir?: string }>;
  /** Instructions of one stage, by stage name or index; -1 is the final (runtime) stage. */
  inStage(stage: string | number): Instruction[];
}

export function readDockerfile(relative: string): Dockerfile {
  // Comment lines are dropped first (also inside continuations, as Docker does), then
  // lines ending in a backslash are joined to the next.
  const lines = readRepoFile(relative)
    .split('\n')
    .filter((line) => !/^\s*#/.test(line));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  const instructions: Instruction[] = [];
  const stages: Array<{ name?: string; workdir?: string }> = [];
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const keyword = match[1].toUpperCase();
    const args = match[2].trim().replace(/\s+/g, ' ');
    if (keyword === 'FROM') stages.push({ name: /\bAS\s+(\S+)$/i.exec(args)?.[1] });
    if (keyword === 'WORKDIR' && stages.length > 0) stages[stages.length - 1].workdir = args;
    instructions.push({ keyword, args, stage: stages.length - 1 });
  }
  const stageIndex = (stage: string | number): number => {
    if (typeof stage === 'number') return stage < 0 ? stages.length + stage : stage;
    const index = stages.findIndex((s) => s.name === stage);
    if (index < 0) throw new Error(`${relative} has no stage ${stage}`);
    return index;
  };
  return {
    instructions,
    stages,
    inStage: (stage) => instructions.filter((i) => i.stage === stageIndex(stage)),
  };
}

/** ARGs declared before the first FROM (usable in FROM lines), with their defaults. */
export function globalArgs(dockerfile: Dockerfile): Record<string, string | undefined> {
  const args: Record<string, string | undefined> = {};
  for (const i of dockerfile.instructions.filter((x) => x.keyword === 'ARG' && x.stage < 0)) {
    const [name, value] = i.args.split('=', 2);
    args[name] = value;
  }
  return args;
}

/** The one instruction of a kind in the final stage (CMD, ENTRYPOINT, HEALTHCHECK, USER, ...). */
export function finalInstruction(dockerfile: Dockerfile, keyword: string): Instruction {
  const found = dockerfile.inStage(-1).filter((i) => i.keyword === keyword);
  if (found.length !== 1) throw new Error(`expected one ${keyword} in the final stage, found ${found.length}`);
  return found[0];
}

/** An exec-form (JSON array) argument: CMD ["node", "x.js"]. */
export function execForm(args: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) {
    throw new Error(`not an exec-form array: ${args}`);
  }
  return parsed;
}

/** HEALTHCHECK --interval=... CMD [...]: its options and its command. */
export function healthcheck(dockerfile: Dockerfile): { options: Record<string, string>; command: string[] } {
  const { args } = finalInstruction(dockerfile, 'HEALTHCHECK');
  const at = args.indexOf('CMD ');
  if (at < 0) throw new Error(`HEALTHCHECK without CMD: ${args}`);
  const options = Object.fromEntries(
    [...args.slice(0, at).matchAll(/--([a-z-]+)=(\S+)/g)].map((m) => [m[1], m[2]] as [string, string]),
  );
  return { options, command: execForm(args.slice(at + 4).trim()) };
}

/** ENV lines of a stage, as one map: ENV A=1 B=2. */
export function stageEnv(dockerfile: Dockerfile, stage: string | number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of dockerfile.inStage(stage).filter((x) => x.keyword === 'ENV')) {
    for (const m of i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g)) env[m[1]] = m[2];
  }
  return env;
}

export interface Copy {
  from?: string;
  sources: string[];
  destination: string;
}

export function copies(dockerfile: Dockerfile, stage: string | number): Copy[] {
  return dockerfile
    .inStage(stage)
    .filter((i) => i.keyword === 'COPY')
    .map((i) => {
      const words = i.args.split(' ');
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = words.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      return { from, sources: paths.slice(0, -1), destination: paths[paths.length - 1] };
    });
}

/** The `npm ci ...` arguments of a stage's RUN (up to a following `&&`). */
export function npmCiArgs(dockerfile: Dockerfile, stage: string | number): string[] {
  const run = dockerfile.inStage(stage).find((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
  if (!run) throw new Error(`no RUN npm ci in stage ${stage}`);
  const afterCi = run.args.slice(run.args.indexOf('npm ci') + 'npm ci'.length).split('&&')[0];
  return ['ci', ...afterCi.trim().split(' ').filter(Boolean)];
}

// ---------------------------------------------------------------- .dockerignore

/** Whether `relative` (a path in the build context) is left out by .dockerignore. */
export function dockerignored(relative: string, ignoreFile = readRepoFile('.dockerignore')): boolean {
  const rules = ignoreFile
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negated = l.startsWith('!');
      const pattern = (negated ? l.slice(1) : l).replace(/^\/+|\/+$/g, '');
      const source = pattern
        .split('/')
        .map((part) =>
          part === '**'
            ? '.*'
            : part
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\.\*\//g, '(?:.*/)?');
      return { negated, regex: new RegExp(`^${source}$`) };
    });
  // A rule that matches a folder also covers what is inside it; the last matching rule wins.
  const parts = relative.replace(/\/+$/, '').split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((c) => rule.regex.test(c))) ignored = !rule.negated;
  }
  return ignored;
}

// ---------------------------------------------------------------- compose

/** Compose's interpolation: ${VAR:-default}, ${VAR-default}, ${VAR}, $VAR and $$. */
export function interpolate(value: string, env: Record<string, string | undefined> = {}): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced?: string, op?: string, fallback?: string, bare?: string) => {
      if (whole === '$$') return '$';
      const name = braced ?? bare!;
      const set = env[name];
      if (op === ':-') return set ? set : (fallback ?? '');
      if (op === '-') return set !== undefined ? set : (fallback ?? '');
      return set ?? '';
    },
  );
}

/** Variables referenced without a default (`${VAR}`), which would be empty when unset. */
export function referencesWithoutDefault(text: string): string[] {
  return [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]);
}

/** A service's `environment`, as a map, interpolated with `shell` as the variables set (default: none). */
export function composeEnvironment(
  service: Record<string, unknown>,
  shell: Record<string, string | undefined> = {},
): Record<string, string> {
  const raw = service.environment;
  const entries: Array<[string, string]> = Array.isArray(raw)
    ? (raw as string[]).map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at), line.slice(at + 1)];
      })
    : Object.entries((raw ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v ?? '')]);
  return Object.fromEntries(entries.map(([k, v]) => [k, interpolate(v, shell)]));
}

/** Compose duration ("45s", "1m30s") in seconds. */
export function durationSeconds(duration: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  let matched = '';
  for (const m of duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(m[1]) * units[m[2]];
    matched += m[0];
  }
  if (matched !== duration) throw new Error(`not a duration: ${duration}`);
  return total;
}
