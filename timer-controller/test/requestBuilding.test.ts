/**
 * One reading of a webhook URL: whatever the api accepts, the controller can
 * build a request from; whatever it cannot, the api refuses. The URL that once
 * crashed every controller (a password of `%C0`, decoded at send time) and its
 * variants are refused at creation, and a property test drives the real sender
 * (undici, against a mock dispatcher) with URLs the api accepts: it never throws,
 * and every request goes to the URL plus the id.
 */
import fc from 'fast-check';
import { MockAgent } from 'undici';
import { ClaimedTimer, pathWithId, readWebhookUrl, systemClock } from '@timer/shared';
import { DeliveryError, HttpSender, internalError, WebhookRequests } from '@timer/controller';

const BAD_ENCODINGS = ['%C0', '%FF', '%', '%E0%A4', '%zz', '%4g'];

function timer(url: string, id = '019a9c4e-7d3a-7b21-9c1e-4f3a2b1c0d9e'): ClaimedTimer {
  const fireAt = new Date('2026-12-01T00:00:00.000Z');
  return {
    id,
    tenant: 'default',
    url,
    fireAt,
    dueAt: fireAt,
    attempt: 1,
    attemptNumber: 1,
    leaseToken: 1,
    retry: { maxAttempts: null, baseMs: null, maxMs: null },
    maxLatenessMs: null,
    version: 1,
    customWebhook: false,
    notify: false,
  };
}

describe('reading a webhook URL', () => {
  const shapes = (bad: string) => [
    `http://x:${bad}@127.0.0.1:3402/p`,
    `http://${bad}:pw@127.0.0.1/p`,
    `http://a:${bad}@h.example/`,
    `https://h.example/a${bad}b`,
    `https://h.example/a?x=${bad}`,
    `https://h.example/a#${bad}`,
  ];

  it.each(BAD_ENCODINGS.flatMap(shapes))('refuses %s, naming the part', (url) => {
    const reading = readWebhookUrl(url);
    expect(reading.ok).toBe(false);
    expect(!reading.ok && reading.problem).toMatch(
      /(user name|password|path|query|fragment) has an invalid percent-encoding/,
    );
  });

  it.each([
    ['https://u%40ser:p%3Aw@h.example/a%2Fb?q=%E2%82%AC#%C3%A9', 'https://h.example'],
    ['http://h.example:8080/caf%C3%A9', 'http://h.example:8080'],
    ['https://h.example/a b', 'https://h.example'],
  ])('accepts valid encodings: %s', (url, origin) => {
    const reading = readWebhookUrl(url);
    expect(reading.ok && reading.target.origin).toBe(origin);
  });

  it.each([
    ['not a url', 'absolute http or https'],
    ['ftp://h.example/', 'http or https'],
    ['file:///etc/passwd', 'http or https'],
  ])('refuses %s', (url, problem) => {
    const reading = readWebhookUrl(url);
    expect(!reading.ok && reading.problem).toContain(problem);
  });
});

describe('the request builder, on every URL the api accepts', () => {
  let mock: MockAgent;
  let sender: HttpSender;
  const requests = new WebhookRequests({});
  const signingKeys = [Buffer.from('0123456789abcdef0123456789abcdef')];
  const seen: { origin: string; path: string }[] = [];

  beforeAll(() => {
    mock = new MockAgent();
    mock.disableNetConnect();
    sender = new HttpSender({ webhookTimeoutMs: 1000, maxInFlight: 4, clock: systemClock, dispatcher: mock });
    mock
      .get(() => true)
      .intercept({ path: () => true, method: 'POST' })
      .reply((request) => {
        seen.push({ origin: String(request.origin), path: request.path });
        return { statusCode: 200, data: '' };
      })
      .persist();
  });

  afterAll(() => mock.close());

  /** Web URLs with user info, ports, queries and fragments, some with a bad or odd encoding spliced in. */
  const urls = fc.oneof(
    fc.webUrl({
      withQueryParameters: true,
      withFragments: true,
      authoritySettings: { withUserInfo: true, withPort: true, withIPv4: true, withIPv6: true },
    }),
    fc
      .tuple(
        fc.webUrl({ withQueryParameters: true, withFragments: true, authoritySettings: { withUserInfo: true } }),
        fc.nat(),
        fc.constantFrom(...BAD_ENCODINGS, '%41', '%E2%82%AC', ' ', '\\', 'é', '%%', '@', ':', '#', '?', '\t', '\u0000'),
      )
      .map(([url, at, piece]) => {
        const i = 8 + (at % Math.max(1, url.length - 7));
        return url.slice(0, i) + piece + url.slice(i);
      }),
  );

  /** What an attempt does: prepare, send; a throw is the attempt's outcome (anything unexpected: internal). */
  async function buildAndSend(claimed: ClaimedTimer) {
    try {
      const request = requests.prepare(claimed, Date.now(), signingKeys);
      return { status: await sender.send(request).result };
    } catch (err) {
      const outcome = err instanceof DeliveryError ? err : internalError('preparing', err);
      return { errorClass: outcome.errorClass, message: outcome.message };
    }
  }

  it('never throws, and sends to the URL plus the id', async () => {
    await fc.assert(
      fc.asyncProperty(urls, fc.uuid(), async (url, id) => {
        const reading = readWebhookUrl(url);
        seen.length = 0;
        const outcome = await buildAndSend(timer(url, id));
        if (reading.ok) {
          expect(outcome).toEqual({ status: 200 });
          expect(seen).toEqual([{ origin: reading.target.origin, path: pathWithId(reading.target, id) }]);
        } else {
          // Refused at creation; a row stored some other way fails cleanly, never retried.
          expect(outcome).toEqual({
            errorClass: 'invalid_request',
            message: `invalid webhook URL: ${reading.problem}`,
          });
          expect(seen).toEqual([]);
        }
      }),
      { numRuns: Number(process.env.FUZZ_SCALE ?? 1) * 500 },
    );
  });
});
