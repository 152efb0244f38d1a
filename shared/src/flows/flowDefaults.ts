/**
 * FLOW_DEFAULTS: default limits per origin, for every tenant's timers to that
 * origin whose own flow is not set (README "Flow control"). One entry per origin,
 * separated by `;`: `origin=limit:value,limit:value`, where the origin is
 * `scheme://host[:port]` and a limit is `parallelism` (1–10,000), `rate` (> 0,
 * ≤ 100,000, fractions allowed) or `burst` (1–100,000, with rate only): the same
 * ranges as PUT /flows/{key}.
 *
 *   FLOW_DEFAULTS='https://api.partner.example=parallelism:5,rate:50;http://slow.example:8080=rate:2'
 *
 * Parsed once at start; every problem is reported, naming the variable.
 */
import { originOf } from './flowKey';
import type { FlowLimits } from './types';

export interface OriginDefault {
  /** `scheme://host:port`, the port always written. */
  origin: string;
  limits: FlowLimits;
}

const NAME = 'FLOW_DEFAULTS';

const RANGES: Record<keyof FlowLimits, { min: number; max: number; integer: boolean; above?: boolean }> = {
  parallelism: { min: 1, max: 10_000, integer: true },
  rate: { min: 0, max: 100_000, integer: false, above: true },
  burst: { min: 1, max: 100_000, integer: true },
};

export function parseFlowDefaults(raw: string | undefined, problems: string[]): readonly OriginDefault[] {
  if (raw === undefined || raw.trim() === '') return Object.freeze([]);
  const defaults: OriginDefault[] = [];
  for (const entry of raw.split(';').map((e) => e.trim())) {
    if (entry === '') continue;
    const parsed = parseEntry(entry, problems);
    if (!parsed) continue;
    if (defaults.some((d) => d.origin === parsed.origin)) {
      problems.push(`${NAME}: ${parsed.origin} is given twice`);
      continue;
    }
    defaults.push(parsed);
  }
  return Object.freeze(defaults.map((d) => Object.freeze({ origin: d.origin, limits: Object.freeze(d.limits) })));
}

function parseEntry(entry: string, problems: string[]): OriginDefault | null {
  const at = entry.lastIndexOf('=');
  if (at <= 0) {
    problems.push(`${NAME}: "${entry}" must be origin=limit:value,… (e.g. https://api.example.com=parallelism:5)`);
    return null;
  }
  const originText = entry.slice(0, at).trim();
  const origin = bareOrigin(originText);
  if (origin === null) {
    problems.push(`${NAME}: "${originText}" is not an origin (scheme://host[:port], http or https, no path)`);
    return null;
  }
  const limits: FlowLimits = { parallelism: null, rate: null, burst: null };
  let ok = true;
  for (const part of entry.slice(at + 1).split(',')) {
    const [name, value, extra] = part.split(':').map((p) => p.trim());
    if (!Object.hasOwn(RANGES, name) || value === undefined || extra !== undefined) {
      problems.push(`${NAME}: "${part.trim()}" for ${origin} must be parallelism:N, rate:N or burst:N`);
      ok = false;
      continue;
    }
    const limit = name as keyof FlowLimits;
    const n = Number(value);
    const range = RANGES[limit];
    const inRange = range.above ? n > range.min : n >= range.min;
    if (value === '' || !Number.isFinite(n) || !inRange || n > range.max || (range.integer && !Number.isInteger(n))) {
      const kind = range.integer ? 'an integer' : 'a number';
      const from = range.above ? `above ${range.min}` : `from ${range.min}`;
      problems.push(`${NAME}: ${limit} for ${origin} must be ${kind} ${from} to ${range.max}, not "${value}"`);
      ok = false;
      continue;
    }
    limits[limit] = n;
  }
  if (ok && limits.burst !== null && limits.rate === null) {
    problems.push(`${NAME}: burst for ${origin} applies only with rate`);
    ok = false;
  }
  return ok ? { origin, limits } : null;
}

/** The origin of `scheme://host[:port]` with nothing after it (a trailing / allowed); null otherwise. */
function bareOrigin(text: string): string | null {
  const origin = originOf(text);
  if (origin === null) return null;
  const url = new URL(text);
  const bare = (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash && !url.username;
  return bare ? origin : null;
}
