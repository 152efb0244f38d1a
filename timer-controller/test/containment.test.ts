/**
 * One timer's failure stays that timer's: a request that cannot be started (a
 * bug, injected here as a sender that throws, as the URL reading once did) is a
 * failed attempt of that timer, recorded with its error. The batch it was claimed
 * with fires on time, the timer does not stay `firing`, the process stays up, and
 * the controller goes on claiming.
 */
import { systemClock } from '@timer/shared';
import { HttpSender, PreparedRequest, Sending, WebhookSender } from '@timer/controller';
import { ControllerRig, QUICK, startControllerRig } from './controllerRig';

const POISON = 'poisoned';

/**
 * The real sender, except that starting a request to a poisoned URL throws, synchronously. Its
 * timeout is far above any answer of the local receiver: a timeout on a busy machine would be a
 * retry, and a second delivery the count below does not expect.
 */
class ThrowingSender implements WebhookSender {
  private readonly real = new HttpSender({ webhookTimeoutMs: 30_000, maxInFlight: 16, clock: systemClock });

  send(request: PreparedRequest): Sending {
    if (request.path.includes(POISON)) throw new URIError('URI malformed');
    return this.real.send(request);
  }

  close(): Promise<void> {
    return this.real.close();
  }
}

let rig: ControllerRig;
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => uncaught.push(err);

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  const sender = new ThrowingSender();
  rig = await startControllerRig('containment', { ...QUICK, MAX_ATTEMPTS: '2' }, { sender });
});

afterAll(async () => {
  await rig.close();
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
});

it('a timer whose request cannot be started fails alone; its batch fires and claiming goes on', async () => {
  const poisonedUrl = `${rig.receiver.url}/${POISON}`;
  // Due together (claimed in one batch), and a little ahead: sent from the wheel's own timer callback.
  const batch = await Promise.all(Array.from({ length: 20 }, () => rig.schedule(() => 200, { fireAt: inMs(300) })));
  const poisoned = await rig.schedule(() => 200, { url: poisonedUrl, fireAt: inMs(300) });

  const failed = await rig.settled(poisoned);
  expect(failed.status).toBe('failed');
  expect(failed.attempts).toBe(2);
  expect(failed.lastError).toBe('internal error while sending the request: URIError: URI malformed');
  const history = await rig.t.store.attempts.list({ timerId: poisoned, limit: 10 });
  expect(history.map((a) => [a.outcome, a.errorClass])).toEqual([
    ['retry', 'internal'],
    ['failed', 'internal'],
  ]);

  for (const id of batch) expect((await rig.settled(id)).status).toBe('fired');
  expect(rig.receiver.deliveries.filter((d) => batch.includes(d.id))).toHaveLength(20);

  // Still claiming and sending after the fault.
  const later = await rig.schedule(() => 200);
  expect((await rig.settled(later)).status).toBe('fired');
  expect(uncaught).toEqual([]);
});

function inMs(ms: number): Date {
  return new Date(Date.now() + ms);
}
