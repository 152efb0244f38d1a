/**
 * A webhook sender on a FakeClock: records every request with the moment it
 * left, and answers as the test says — a status (with Retry-After), after a
 * while, never ("hang"), a timeout after WEBHOOK_TIMEOUT_MS, or a dropped
 * connection. Stands in for HttpSender, whose undici timeouts run on real time.
 */
import { classifyAnswer, DeliveryError, PreparedRequest, SendAborted, Sending, WebhookSender } from '@timer/controller';
import type { Clock } from '@timer/shared';

export type FakeAnswer =
  number | { status: number; retryAfter?: string; afterMs?: number } | 'hang' | 'timeout' | 'drop' | { throws: Error };

export interface SentRequest {
  id: string;
  /** Host time when it left. */
  at: number;
  /** 1 for the first request of this timer id, 2 for the next, … */
  nth: number;
  request: PreparedRequest;
  header(name: string): string | undefined;
}

export class FakeSender implements WebhookSender {
  readonly sent: SentRequest[] = [];
  /** Requests whose answer has not come yet. */
  open = 0;
  closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    public answer: (id: string, nth: number) => FakeAnswer = () => 200,
  ) {}

  send(request: PreparedRequest): Sending {
    const header = (name: string) => {
      const at = request.headers.findIndex((h, i) => i % 2 === 0 && h === name);
      return at < 0 ? undefined : request.headers[at + 1];
    };
    const id = header('idempotency-key')!;
    const nth = this.sent.filter((s) => s.id === id).length + 1;
    this.sent.push({ id, at: this.clock.now(), nth, request, header });
    const answer = this.answer(id, nth);
    if (typeof answer === 'object' && 'throws' in answer) throw answer.throws;
    let abort = () => undefined as void;
    const result = new Promise<number>((resolve, reject) => {
      this.open += 1;
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        this.open -= 1;
        fn();
      };
      const timer = (ms: number, fn: () => void) => {
        const handle = this.clock.setTimer(ms, () => settle(fn));
        abort = () => {
          this.clock.clearTimer(handle);
          settle(() => reject(new SendAborted()));
        };
      };
      if (answer === 'hang') {
        abort = () => settle(() => reject(new SendAborted()));
      } else if (answer === 'timeout') {
        timer(this.timeoutMs, () =>
          reject(new DeliveryError(`timeout after ${this.timeoutMs} ms`, { errorClass: 'timeout' })),
        );
      } else if (answer === 'drop') {
        timer(0, () => reject(new DeliveryError('ECONNRESET: socket hang up', { errorClass: 'network' })));
      } else {
        const { status, retryAfter, afterMs } = typeof answer === 'number' ? { status: answer } : answer;
        timer(afterMs ?? 0, () => {
          try {
            resolve(classifyAnswer({ status, retryAfter }, this.clock.now()));
          } catch (err) {
            reject(err as Error);
          }
        });
      }
    });
    return { result, abort: () => abort() };
  }

  of(id: string): SentRequest[] {
    return this.sent.filter((s) => s.id === id);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
