/**
 * What this controller tells the fleet about an origin's answers (the origins
 * table's count of failures in a row): one write at a time per origin, in the
 * order the answers came, with the answers that came meanwhile folded into the
 * next write: a success and the failures after it are one heal and one count.
 *
 * One write per answer would put hundreds of transactions on the origin's one
 * row when a busy receiver falters, each holding a pooled connection while it
 * waits for the row's lock; and a heal overtaken by an earlier failure's write
 * would leave a count that a healthy receiver never earned, so the breaker
 * would open on a few scattered failures. A write that fails (the database
 * away) is kept and folded into the next one, which the next answer starts:
 * nothing retries on its own, so an outage adds no load.
 */
import type { Flows } from '@timer/shared';

/** What the answers since the last write add up to. */
interface Unreported {
  /** A success came: the count goes back to 0 before `failures` are added. */
  heal: boolean;
  /** Failures in a row since then. */
  failures: number;
}

export interface OriginReportsDeps {
  flows: Pick<Flows, 'failed' | 'healed'>;
  breaker: { threshold: number; openMs: number };
  /** A write opened the breaker. */
  opened(origin: string): void;
  /** A heal closed an open breaker. */
  closed(origin: string): void;
  /** A write failed; what it carried goes with the next one. */
  unrecorded(origin: string, error: unknown): void;
}

export class OriginReports {
  private readonly unreported = new Map<string, Unreported>();
  private readonly writing = new Set<string>();

  constructor(private readonly deps: OriginReportsDeps) {}

  failure(origin: string): void {
    const u = this.entry(origin);
    u.failures++;
    void this.write(origin);
  }

  success(origin: string): void {
    const u = this.entry(origin);
    u.heal = true;
    u.failures = 0;
    void this.write(origin);
  }

  /** True while answers of the origin wait to be written. */
  pending(origin: string): boolean {
    return this.unreported.has(origin) || this.writing.has(origin);
  }

  private entry(origin: string): Unreported {
    let u = this.unreported.get(origin);
    if (!u) this.unreported.set(origin, (u = { heal: false, failures: 0 }));
    return u;
  }

  private async write(origin: string): Promise<void> {
    if (this.writing.has(origin)) return;
    this.writing.add(origin);
    try {
      for (let u = this.unreported.get(origin); u; u = this.unreported.get(origin)) {
        this.unreported.delete(origin);
        if (!(await this.writeOnce(origin, u))) return;
      }
    } finally {
      this.writing.delete(origin);
    }
  }

  /** False when it failed: what it carried is put back in front of what came meanwhile. */
  private async writeOnce(origin: string, u: Unreported): Promise<boolean> {
    const { flows, breaker } = this.deps;
    try {
      if (u.heal) {
        if (await flows.healed(origin)) this.deps.closed(origin);
        u.heal = false;
      }
      if (u.failures > 0 && (await flows.failed(origin, breaker, u.failures))) this.deps.opened(origin);
      return true;
    } catch (err) {
      this.putBack(origin, u);
      this.deps.unrecorded(origin, err);
      return false;
    }
  }

  private putBack(origin: string, u: Unreported): void {
    const later = this.unreported.get(origin);
    if (!later) this.unreported.set(origin, u);
    // A success came since: it resets whatever this write carried.
    else if (!later.heal) this.unreported.set(origin, { heal: u.heal, failures: u.failures + later.failures });
  }
}
