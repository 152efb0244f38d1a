/**
 * WEBHOOK_TARGETS at creation: a timer whose webhook would reach a refused address
 * (by IP literal in any spelling, or by a name that resolves there) or a port off
 * the allow-list is refused with 400 and writes nothing; an unresolvable name is
 * accepted unless WEBHOOK_REQUIRE_DNS. Host names go through an injected resolver,
 * except where the system resolver is the point.
 */
import { loadConfig, LookupAll } from '@timer/shared';
import { countTimers, createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { WebhookTargets } from '../src/domain/webhookTargets';
import { AppError } from '../src/errors';
import { expectError, RunningApi, startApp, timerRow } from './support';

const NAMES: Record<string, string[]> = {
  'metadata.internal': ['169.254.169.254'],
  'rebind.example': ['93.184.215.14', 'fe80::1'],
  'service.internal': ['10.1.2.3'],
  'hooks.example': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
};

let lookups: string[] = [];
const fakeDns: LookupAll = (hostname, _options, callback) => {
  lookups.push(hostname);
  const addresses = NAMES[hostname];
  setImmediate(() =>
    addresses
      ? callback(
          null,
          addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
        )
      : callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []),
  );
};

let t: TestDatabase;
const apis: RunningApi[] = [];

/** `lookup: null` is the system resolver. */
async function appWith(env: Record<string, string>, lookup: LookupAll | null = fakeDns): Promise<RunningApi> {
  const api = await startApp(loadConfig({ DATABASE_URL: t.url, ...env }), t.store, lookup ? { lookup } : {});
  apis.push(api);
  return api;
}

let privateApi: RunningApi;
let publicApi: RunningApi;

beforeAll(async () => {
  t = await createTestDatabase('api_targets');
  privateApi = await appWith({});
  publicApi = await appWith({ WEBHOOK_TARGETS: 'public' });
});

afterAll(async () => {
  for (const api of apis) await api.close();
  await t?.drop();
});

beforeEach(() => {
  lookups = [];
});

async function expectRefused(
  api: RunningApi,
  url: string,
  code: 'webhook_target_refused' | 'webhook_host_unresolvable' = 'webhook_target_refused',
) {
  const before = await countTimers(t.db);
  const res = await api.http().post('/timers').send({ seconds: 60, url });
  expectError(res, 400, code);
  expect(res.body.error.details).toEqual([{ path: 'url', message: expect.any(String) }]);
  expect(await countTimers(t.db)).toBe(before);
  return res;
}

async function expectAccepted(api: RunningApi, url: string) {
  const res = await api.http().post('/timers').send({ seconds: 60, url });
  expect(res.status).toBe(201);
  expect(await timerRow(t.db, res.body.id)).toMatchObject({ url, status: 'pending' });
}

describe('WEBHOOK_TARGETS=private (the default)', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://169.254.170.2/v2/credentials',
    'http://2852039166/',
    'http://0xa9.0xfe.0xa9.0xfe/',
    'http://[::ffff:169.254.169.254]/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://[::a9fe:a9fe]/',
    'http://[2002:a9fe:a9fe::]/',
    'http://[2001:0:4136:e378:8000:63bf:5601:5601]/',
    'http://[fe80::1]:8080/hooks',
    'http://[fd00:ec2::254]/latest/',
    'http://100.100.100.200/latest/meta-data/',
  ])('refuses %s (link-local or a metadata endpoint) with 400 and writes nothing', async (url) => {
    const res = await expectRefused(privateApi, url);

    expect(res.body.error.message).toMatch(/WEBHOOK_TARGETS=private/);
  });

  it('refuses a name that resolves to the metadata endpoint, without saying what it resolved to', async () => {
    const res = await expectRefused(privateApi, 'http://metadata.internal/computeMetadata/v1/');

    expect(res.body.error.message).toContain('resolves to an address WEBHOOK_TARGETS=private refuses');
    expect(JSON.stringify(res.body)).not.toContain('169.254');
  });

  it('refuses a name when any one of its addresses is refused', async () => {
    await expectRefused(privateApi, 'https://rebind.example/hooks');
  });

  it.each([
    'http://127.0.0.1:4000/hooks',
    'http://[::1]:4000/hooks',
    'http://10.0.0.7/hooks',
    'https://service.internal/hooks',
  ])('accepts internal services: %s', async (url) => {
    await expectAccepted(privateApi, url);
  });

  it("accepts a name the api cannot resolve: the controller's check at send time decides", async () => {
    await expectAccepted(privateApi, 'https://not-yet-created.example/hooks');
  });
});

describe('WEBHOOK_TARGETS=public', () => {
  it.each([
    'http://127.0.0.1:4000/hooks',
    'http://127.1/',
    'http://0/',
    'http://[::]/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://10.0.0.7/',
    'http://172.20.1.1/',
    'http://192.168.0.1/',
    'http://100.64.0.1/',
    'http://[fd12::1]/',
    'http://224.0.0.1/',
    'https://service.internal/hooks',
    'http://169.254.169.254/',
  ])('refuses %s with 400 and writes nothing', async (url) => {
    await expectRefused(publicApi, url);
  });

  it('accepts public addresses and names that resolve only to them', async () => {
    await expectAccepted(publicApi, 'https://93.184.215.14/hooks');
    await expectAccepted(publicApi, 'https://[2606:4700:4700::1111]/hooks');
    await expectAccepted(publicApi, 'https://hooks.example/hooks?x=1');
  });

  it('refuses localhost through the system resolver', async () => {
    const system = await appWith({ WEBHOOK_TARGETS: 'public' }, null);

    await expectRefused(system, 'http://localhost:4000/hooks');
  });
});

describe('WEBHOOK_TARGETS=any', () => {
  it('accepts even the metadata endpoint, and looks nothing up', async () => {
    const any = await appWith({ WEBHOOK_TARGETS: 'any' });

    await expectAccepted(any, 'http://169.254.169.254/');
    await expectAccepted(any, 'http://metadata.internal/');
    expect(lookups).toEqual([]);
  });
});

describe('WEBHOOK_ALLOWED_PORTS', () => {
  it("refuses a port off the list, counting the scheme's default port", async () => {
    const api = await appWith({ WEBHOOK_ALLOWED_PORTS: '443,8443' });

    await expectAccepted(api, 'https://hooks.example/hooks');
    await expectAccepted(api, 'http://hooks.example:8443/hooks');
    const res = await expectRefused(api, 'http://hooks.example/hooks');
    expect(res.body.error.message).toContain('port 80 is not one of WEBHOOK_ALLOWED_PORTS (443, 8443)');
    await expectRefused(api, 'https://hooks.example:22/hooks');
  });
});

describe('WEBHOOK_REQUIRE_DNS=true', () => {
  it('refuses a name that does not resolve with webhook_host_unresolvable', async () => {
    const api = await appWith({ WEBHOOK_REQUIRE_DNS: 'true' });

    const res = await expectRefused(api, 'https://hooks.exmaple.com/x', 'webhook_host_unresolvable');
    expect(res.body.error.message).toContain('hooks.exmaple.com does not resolve (ENOTFOUND)');
    await expectAccepted(api, 'https://hooks.example/x');
    await expectAccepted(api, 'http://127.0.0.1:9/x');
  });
});

describe('WebhookTargets', () => {
  const policy = { mode: 'private' as const, allowedPorts: [] };

  it('looks a name up once for a burst of timers', async () => {
    const targets = new WebhookTargets({ policy, requireDns: false, lookup: fakeDns });

    await Promise.all(Array.from({ length: 20 }, () => targets.check('https://hooks.example/a')));
    await targets.check('https://HOOKS.example/b');

    expect(lookups).toEqual(['hooks.example']);
  });

  it('keeps what an address or the policy decides alone, and looks names up as before', async () => {
    const targets = new WebhookTargets({
      policy: { mode: 'public', allowedPorts: [] },
      requireDns: false,
      lookup: fakeDns,
    });

    for (let i = 0; i < 3; i++) {
      await expect(targets.check('https://93.184.215.14/hook')).resolves.toBeUndefined();
      await expect(targets.check('http://10.0.0.7/hook')).rejects.toMatchObject({ code: 'webhook_target_refused' });
      await expect(targets.check('https://service.internal/hook')).rejects.toMatchObject({
        code: 'webhook_target_refused',
      });
    }
    expect(lookups).toEqual(['service.internal']);
  });

  it('does not wait for a resolver that never answers past its time limit', async () => {
    const silent: LookupAll = () => undefined;
    const lenient = new WebhookTargets({ policy, requireDns: false, lookup: silent, timeoutMs: 20 });
    const strict = new WebhookTargets({ policy, requireDns: true, lookup: silent, timeoutMs: 20 });

    await expect(lenient.check('https://slow.example/')).resolves.toBeUndefined();
    await expect(strict.check('https://slow.example/')).rejects.toEqual(
      expect.objectContaining({ code: 'webhook_host_unresolvable', message: expect.stringContaining('ETIMEOUT') }),
    );
    await expect(strict.check('https://slow.example/')).rejects.toBeInstanceOf(AppError);
  });
});
