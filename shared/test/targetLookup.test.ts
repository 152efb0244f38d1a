/**
 * The send-time half of WEBHOOK_TARGETS: a lookup function that refuses a name
 * whose addresses the policy refuses, proven as a drop-in for net.connect and for
 * undici's connector (how the controller sends), so the address checked is the
 * address connected to.
 */
import http from 'node:http';
import net, { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { guardedLookup, LookupAll, resolveAll, TargetPolicy, TargetRefusedError } from '@timer/shared';

const policy = (mode: TargetPolicy['mode']): TargetPolicy => ({ mode, allowedPorts: [] });

/** A resolver that knows a few names and nothing else. */
const fakeLookup =
  (answers: Record<string, Array<{ address: string; family: number }>>): LookupAll =>
  (hostname, _options, callback) => {
    const found = answers[hostname];
    setImmediate(() => {
      if (found) callback(null, found);
      else callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    });
  };

const DNS = fakeLookup({
  'metadata.internal': [{ address: '169.254.169.254', family: 4 }],
  'mixed.example': [
    { address: '8.8.8.8', family: 4 },
    { address: 'fe80::1', family: 6 },
  ],
  'public.example': [
    { address: '8.8.8.8', family: 4 },
    { address: '2606:4700::1111', family: 6 },
  ],
  'loopback.example': [{ address: '127.0.0.1', family: 4 }],
});

function lookupOnce(lookup: net.LookupFunction, hostname: string, all: boolean) {
  return new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number }>((resolve) => {
    lookup(hostname, { all }, (err, address, family) => resolve({ err, address, family }));
  });
}

describe('guardedLookup', () => {
  it('answers like dns.lookup for a name whose addresses are all allowed', async () => {
    const lookup = guardedLookup(policy('public'), DNS);

    expect(await lookupOnce(lookup, 'public.example', false)).toEqual({ err: null, address: '8.8.8.8', family: 4 });
    expect(await lookupOnce(lookup, 'public.example', true)).toEqual({
      err: null,
      address: [
        { address: '8.8.8.8', family: 4 },
        { address: '2606:4700::1111', family: 6 },
      ],
      family: undefined,
    });
  });

  it('refuses a name that resolves to a metadata address, with a permanent error', async () => {
    const { err } = await lookupOnce(guardedLookup(policy('private'), DNS), 'metadata.internal', false);

    expect(err).toBeInstanceOf(TargetRefusedError);
    // The message is what a client may see, as at creation; the address is for the log.
    expect(err).toMatchObject({
      code: 'ETARGETREFUSED',
      message: "webhook target refused: the url's host resolves to an address WEBHOOK_TARGETS=private refuses",
      detail: expect.stringContaining('169.254.169.254'),
    });
  });

  it('refuses a name when one of several addresses is refused (either could be the one connected to)', async () => {
    const { err } = await lookupOnce(guardedLookup(policy('private'), DNS), 'mixed.example', true);

    expect(err).toMatchObject({ code: 'ETARGETREFUSED' });
  });

  it('passes a resolver error through unchanged', async () => {
    const { err } = await lookupOnce(guardedLookup(policy('private'), DNS), 'nowhere.example', false);

    expect(err).toMatchObject({ code: 'ENOTFOUND' });
  });

  describe('as the lookup of a real connection', () => {
    let server: http.Server;
    let port: number;

    beforeAll(async () => {
      server = http.createServer((_req, res) => res.end('ok'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      port = (server.address() as AddressInfo).port;
    });

    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    function connect(mode: TargetPolicy['mode']): Promise<string> {
      return new Promise((resolve) => {
        const socket = net.connect({ host: 'loopback.example', port, lookup: guardedLookup(policy(mode), DNS) });
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      });
    }

    it('net.connect reaches loopback under private and is refused under public', async () => {
      expect(await connect('private')).toBe('connected');
      expect(await connect('public')).toBe('ETARGETREFUSED');
    });

    it("undici's Agent, given it as connect.lookup, refuses before a byte is sent", async () => {
      const send = async (mode: TargetPolicy['mode']) => {
        const dispatcher = new Agent({ connect: { lookup: guardedLookup(policy(mode), DNS) } });
        try {
          const res = await request(`http://loopback.example:${port}/hooks`, { method: 'POST', dispatcher });
          await res.body.text();
          return res.statusCode;
        } catch (err) {
          return (err as NodeJS.ErrnoException).code;
        } finally {
          await dispatcher.close();
        }
      };

      expect(await send('private')).toBe(200);
      expect(await send('public')).toBe('ETARGETREFUSED');
    });
  });
});

describe('resolveAll', () => {
  it('resolves every address of a name', async () => {
    expect(await resolveAll('public.example', 1000, DNS)).toEqual(['8.8.8.8', '2606:4700::1111']);
  });

  it('gives up after its time limit when the resolver does not answer', async () => {
    const silent: LookupAll = () => undefined;

    await expect(resolveAll('slow.example', 20, silent)).rejects.toMatchObject({ code: 'ETIMEOUT' });
  });

  it('resolves localhost through the system resolver', async () => {
    expect(await resolveAll('localhost', 5000)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(127\.|::1)/)]),
    );
  });
});
