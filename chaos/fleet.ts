/**
 * The services under fire: one api and three controllers, separate processes
 * started from the built code, all reaching the database through the proxy.
 * A controller can be killed with SIGKILL and started again in its slot; a
 * process that exits when nobody killed it is recorded and started again too.
 */
import { spawnService, ServiceProcess } from '../test/helpers/processes';

const FAILED_ATTEMPT = new Set(['Webhook failed, will retry', 'Webhook failed, giving up']);

export interface UnexpectedExit {
  service: string;
  code: number | null;
  signal: string | null;
  at: number;
  /** Its last log line (a crash is logged as JSON on stdout) or stderr. */
  lastLog: string;
}

export class Fleet {
  readonly processes: ServiceProcess[] = [];
  readonly unexpectedExits: UnexpectedExit[] = [];
  private readonly slots: ServiceProcess[] = [];
  private readonly generations: number[] = [];
  private readonly expected = new WeakSet<ServiceProcess>();
  private stopping = false;
  private api!: ServiceProcess;
  private apiPort = 0;

  constructor(
    private readonly env: Record<string, string>,
    private readonly controllerCount = 3,
  ) {}

  /** Starts everything; resolves with the api's port once all have started. */
  async start(): Promise<number> {
    // Whatever ends the campaign, no service outlives it.
    process.once('exit', () => this.processes.forEach((p) => p.kill('SIGKILL')));
    this.api = this.spawn('api', 'api');
    for (let slot = 0; slot < this.controllerCount; slot++) this.startController(slot);
    await Promise.all(this.slots.map((c) => c.waitForLog('Controller started', undefined, 60_000)));
    this.apiPort = (await this.api.waitForLog('API listening', undefined, 60_000)).port as number;
    return this.apiPort;
  }

  controllerId(slot: number): string {
    return `chaos-${String.fromCharCode(97 + slot)}${this.generations[slot]}`;
  }

  /** SIGKILLs the controller in `slot`; resolves once it is gone, with its id. */
  async kill(slot: number): Promise<{ at: number; controllerId: string }> {
    const victim = this.slots[slot];
    const controllerId = this.controllerId(slot);
    this.expected.add(victim);
    const at = Date.now();
    victim.kill('SIGKILL');
    await victim.exited;
    return { at, controllerId };
  }

  startController(slot: number): void {
    this.generations[slot] = (this.generations[slot] ?? 0) + 1;
    this.slots[slot] = this.spawn('controller', 'controller', { CONTROLLER_ID: this.controllerId(slot) }, slot);
  }

  /** SIGTERM to everything, as an operator would stop it; resolves with the exit codes. */
  async stop(): Promise<Array<number | null>> {
    this.stopping = true;
    const running = [this.api, ...this.slots];
    for (const p of running) p.kill('SIGTERM');
    const exits = await Promise.all(
      running.map((p) => Promise.race([p.exited, new Promise<null>((r) => setTimeout(() => r(null), 30_000).unref())])),
    );
    for (const p of running) p.kill('SIGKILL');
    return exits.map((e) => e?.code ?? null);
  }

  /** Log lines with this message, over every process the campaign started. */
  count(message: string): number {
    return this.processes.reduce((n, p) => n + p.logs.filter((l) => l.message === message).length, 0);
  }

  /** When each timer's delivery attempts were logged as failed, over every controller. */
  failuresLogged(): Map<string, number[]> {
    const failures = new Map<string, number[]>();
    for (const line of this.processes.flatMap((p) => p.logs)) {
      if (!FAILED_ATTEMPT.has(line.message) || typeof line.timerId !== 'string') continue;
      const at = Date.parse(String(line.timestamp));
      failures.set(line.timerId, [...(failures.get(line.timerId) ?? []), at]);
    }
    return failures;
  }

  private spawn(kind: 'api' | 'controller', name: string, env: Record<string, string> = {}, slot?: number) {
    const service = spawnService(kind, { ...this.env, ...env });
    this.processes.push(service);
    void service.exited.then(({ code, signal }) => {
      if (this.stopping || this.expected.has(service)) return;
      const last = service.logs[service.logs.length - 1];
      const lastLog = last ? `${last.message} ${String(last.error ?? '')}` : service.stderr.join('');
      this.unexpectedExits.push({ service: name, code, signal, at: Date.now(), lastLog: lastLog.slice(0, 300) });
      // An api started again keeps its port, so its clients carry on.
      if (slot === undefined) this.api = this.spawn(kind, name, { ...env, PORT: String(this.apiPort) });
      else this.startController(slot);
    });
    return service;
  }
}
