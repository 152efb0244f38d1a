/** Prometheus's HTTP API, as much of it as the container test reads. */

interface Envelope<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}

export interface Target {
  labels: Record<string, string>;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

export interface AlertingRule {
  name: string;
  type: string;
  health: string;
  state: string;
}

export class PrometheusApi {
  constructor(readonly base: string) {}

  private async get<T>(route: string): Promise<T> {
    const res = await fetch(`${this.base}${route}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as Envelope<T>;
    if (body.status !== 'success') throw new Error(`Prometheus ${route}: ${body.error ?? res.status}`);
    return body.data;
  }

  async targets(): Promise<Target[]> {
    return (await this.get<{ activeTargets: Target[] }>('/api/v1/targets?state=active')).activeTargets;
  }

  /** Healthy targets per job. */
  async upByJob(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const t of await this.targets()) {
      if (t.health === 'up') counts[t.labels.job] = (counts[t.labels.job] ?? 0) + 1;
    }
    return counts;
  }

  /** An instant query; throws when Prometheus refuses it. */
  async query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const data = await this.get<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
      `/api/v1/query?query=${encodeURIComponent(expr)}`,
    );
    return data.result;
  }

  /** The single value of a query that aggregates to one series (NaN when it has none). */
  async scalar(expr: string): Promise<number> {
    const result = await this.query(expr);
    return result.length === 1 ? Number(result[0].value[1]) : NaN;
  }

  async alertingRules(): Promise<AlertingRule[]> {
    const data = await this.get<{ groups: Array<{ rules: AlertingRule[] }> }>('/api/v1/rules?type=alert');
    return data.groups.flatMap((g) => g.rules);
  }
}
