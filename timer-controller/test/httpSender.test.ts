/**
 * The HTTP sender against a real local receiver, its deadline on a fake clock:
 * the whole request is bounded by WEBHOOK_TIMEOUT_MS of the injected clock
 * (not a millisecond before), an answer's Retry-After is read from the real
 * header on that clock, and abort() ends a request at once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeliveryError, HttpSender, PreparedRequest, SendAborted } from '@timer/controller';
import { FakeClock } from '../../test/helpers/fakeClock';
import { waitFor } from '../../test/helpers/wait';

let server: http.Server;
let origin: string;
let answer: (res: http.ServerResponse) => void;
const arrived: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    arrived.push(req.url ?? '');
    req.resume();
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function request(path: string): PreparedRequest {
  return { method: 'POST', origin, path, headers: ['content-type', 'application/json'], body: '{}' };
}

async function outcomeOf(result: Promise<number>): Promise<number | Error> {
  return result.catch((err: Error) => err);
}

it('times a request out after WEBHOOK_TIMEOUT_MS on its clock, and not before', async () => {
  const clock = new FakeClock();
  const sender = new HttpSender({ webhookTimeoutMs: 5000, maxInFlight: 4, clock });
  answer = () => undefined; // never answers
  let settled = false;
  const sending = sender.send(request('/hooks/slow'));
  void sending.result.catch(() => undefined).finally(() => (settled = true));
  await waitFor('the request to arrive', () => arrived.includes('/hooks/slow'));

  await clock.advance(4999);
  expect(settled).toBe(false);
  await clock.advance(1);

  const err = await outcomeOf(sending.result);
  expect(err).toBeInstanceOf(DeliveryError);
  expect(err).toMatchObject({ errorClass: 'timeout', message: 'timeout after 5000 ms' });
  await sender.close();
});

it('reads Retry-After from a 503, as an HTTP date measured on its clock', async () => {
  const clock = new FakeClock();
  const sender = new HttpSender({ webhookTimeoutMs: 5000, maxInFlight: 4, clock });
  answer = (res) => res.writeHead(503, { 'Retry-After': new Date(clock.now() + 9000).toUTCString() }).end();

  const err = await outcomeOf(sender.send(request('/hooks/busy')).result);

  expect(err).toMatchObject({ errorClass: 'http', statusCode: 503, retryAfterMs: 9000 });
  await sender.close();
});

it('ends a request at once when aborted', async () => {
  const clock = new FakeClock();
  const sender = new HttpSender({ webhookTimeoutMs: 5000, maxInFlight: 4, clock });
  answer = () => undefined;
  const sending = sender.send(request('/hooks/aborted'));
  await waitFor('the request to arrive', () => arrived.includes('/hooks/aborted'));

  sending.abort();

  expect(await outcomeOf(sending.result)).toBeInstanceOf(SendAborted);
  await sender.close();
});
