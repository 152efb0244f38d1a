/**
 * WEBHOOK_TARGETS, address by address: what each mode refuses and allows, the
 * disguises an address can wear (IPv4-mapped, NAT64, integer and hex hosts), and
 * properties over every IPv4 address and random IPv6 ones.
 */
import fc from 'fast-check';
import {
  checkAddress,
  checkAddresses,
  checkPort,
  checkUrlTarget,
  parsePortList,
  parseTargetMode,
  portOf,
  TargetMode,
  TargetPolicy,
} from '@timer/shared';

const policy = (mode: TargetMode, allowedPorts: number[] = []): TargetPolicy => ({ mode, allowedPorts });

const METADATA = [
  '169.254.169.254',
  '169.254.0.1',
  '169.254.255.255',
  'fe80::1',
  'fe80::1%eth0',
  'febf:ffff::1',
  '::ffff:169.254.169.254',
  '::ffff:a9fe:a9fe',
  '64:ff9b::169.254.169.254',
  '64:ff9b::a9fe:a9fe',
  // IPv6 forms that embed 169.254.169.254 for a translator, relay or tunnel to connect to.
  '::a9fe:a9fe',
  '::169.254.169.254',
  '::ffff:0:169.254.169.254',
  '2002:a9fe:a9fe::',
  '2002:a9fe:a9fe::1',
  '64:ff9b:1:a9fe:a9:fe00::',
  '64:ff9b:1::a9fe:a9fe',
  '2001:0:a9fe:a9fe::1',
  '2001:0:4136:e378:8000:63bf:5601:5601',
  '2001:db8::5efe:169.254.169.254',
  '2606:4700::200:5efe:a9fe:a9fe',
  'fd00:ec2::254',
  '100.100.100.200',
  '168.63.129.16',
];

const INTERNAL = [
  '127.0.0.1',
  '127.255.255.254',
  '::1',
  '10.0.0.1',
  '10.255.255.255',
  '172.16.0.0',
  '172.31.255.255',
  '192.168.1.1',
  '100.64.0.0',
  '100.127.255.255',
  'fc00::1',
  'fd12:3456:789a::1',
  '0.0.0.0',
  '::',
  '224.0.0.1',
  '239.255.255.250',
  '255.255.255.255',
  '240.0.0.1',
  'ff02::1',
  '::ffff:10.0.0.1',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '64:ff9b::10.0.0.1',
  '64:ff9b::7f00:1',
  '64:ff9b:1::1',
  '::127.0.0.1',
  '2001:db8::1',
  '2001::1',
  '192.0.0.8',
  '192.0.2.1',
  '198.18.0.1',
  '198.19.255.255',
  '198.51.100.1',
  '203.0.113.1',
  'fec0::1',
  '100::1',
  '3fff::1',
];

const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.215.14',
  '11.0.0.1',
  '172.15.255.255',
  '172.32.0.0',
  '100.63.255.255',
  '100.128.0.0',
  '169.253.255.255',
  '169.255.0.0',
  '192.167.255.255',
  '192.169.0.0',
  '223.255.255.255',
  '2606:4700:4700::1111',
  '2a00:1450:4001::1',
  '::ffff:8.8.8.8',
  '64:ff9b::8.8.8.8',
];

describe('checkAddress', () => {
  it.each(METADATA)('refuses %s (link-local or a metadata endpoint) in private and public mode', (ip) => {
    for (const mode of ['private', 'public'] as const) {
      expect(checkAddress(ip, mode)).toEqual({ allowed: false, reason: expect.stringContaining(mode) });
    }
    expect(checkAddress(ip, 'any').allowed).toBe(true);
  });

  it.each(INTERNAL)('allows %s in private mode, refuses it in public mode', (ip) => {
    expect(checkAddress(ip, 'private').allowed).toBe(true);
    expect(checkAddress(ip, 'public').allowed).toBe(false);
    expect(checkAddress(ip, 'any').allowed).toBe(true);
  });

  it.each(PUBLIC)('allows %s in every mode', (ip) => {
    for (const mode of ['private', 'public', 'any'] as const) expect(checkAddress(ip, mode).allowed).toBe(true);
  });

  it('names the range that refused an address', () => {
    expect(checkAddress('169.254.169.254', 'private')).toEqual({
      allowed: false,
      reason: expect.stringMatching(/169\.254\.169\.254 is link-local.*169\.254\.0\.0\/16; WEBHOOK_TARGETS=private/),
    });
    expect(checkAddress('10.1.2.3', policy('public'))).toEqual({
      allowed: false,
      reason: expect.stringContaining('private (RFC 1918), 10.0.0.0/8'),
    });
    expect(checkAddress('::ffff:127.0.0.1', 'public')).toEqual({
      allowed: false,
      reason: expect.stringContaining('loopback'),
    });
  });

  it.each(['', 'localhost', 'example.com', '1.2.3', '1.2.3.4.5', '[::1]', ' 8.8.8.8', '999.1.1.1', '::g'])(
    'refuses %j, which is not an IP address, unless the mode is any',
    (text) => {
      expect(checkAddress(text, 'private').allowed).toBe(false);
      expect(checkAddress(text, 'public').allowed).toBe(false);
      expect(checkAddress(text, 'any').allowed).toBe(true);
    },
  );

  it('refuses a name when any one of its addresses is refused', () => {
    expect(checkAddresses(['8.8.8.8', '2606:4700::1'], policy('public')).allowed).toBe(true);
    expect(checkAddresses(['8.8.8.8', '169.254.169.254'], policy('private')).allowed).toBe(false);
    expect(checkAddresses(['8.8.8.8', '::1'], policy('public')).allowed).toBe(false);
  });
});

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const ipv6 = fc
  .array(fc.nat(0xffff), { minLength: 8, maxLength: 8 })
  .map((g) => g.map((n) => n.toString(16)).join(':'));
// Addresses near the ranges, not just anywhere: the first octet drawn from the interesting ones.
const nearRanges = fc
  .tuple(
    fc.constantFrom(0, 10, 100, 127, 168, 169, 172, 192, 198, 203, 224, 240, 255),
    fc.nat(255),
    fc.nat(255),
    fc.nat(255),
  )
  .map((p) => p.join('.'));
const anyIpv4 = fc.oneof(ipv4, nearRanges);

describe('checkAddress, as properties', () => {
  it('gives an IPv4 address, its IPv4-mapped form and its NAT64 form the same answer', () => {
    fc.assert(
      fc.property(anyIpv4, fc.constantFrom<TargetMode>('private', 'public'), (ip, mode) => {
        const plain = checkAddress(ip, mode).allowed;
        expect(checkAddress(`::ffff:${ip}`, mode).allowed).toBe(plain);
        expect(checkAddress(`64:ff9b::${ip}`, mode).allowed).toBe(plain);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses every IPv6 form that embeds a refused IPv4 address, in both modes', () => {
    const hex = (ip: string) => {
      const [a, b, c, d] = ip.split('.').map(Number);
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    };
    const flipped = (ip: string) =>
      hex(
        ip
          .split('.')
          .map((n) => 255 - Number(n))
          .join('.'),
      );
    const forms = (ip: string) => {
      const [hi, lo] = hex(ip);
      const [fhi, flo] = flipped(ip);
      return [
        `::${ip}`,
        `::ffff:${ip}`,
        `::ffff:0:${ip}`,
        `64:ff9b::${ip}`,
        `64:ff9b:1::${ip}`,
        `2002:${hi}:${lo}::1`,
        `2001:0:${hi}:${lo}::1`,
        `2001:0:4136:e378:8000:63bf:${fhi}:${flo}`,
        `2a00:1450::5efe:${ip}`,
        `2a00:1450::200:5efe:${ip}`,
      ];
    };
    fc.assert(
      fc.property(anyIpv4, fc.constantFrom<TargetMode>('private', 'public'), (ip, mode) => {
        if (checkAddress(ip, mode).allowed) return;
        for (const form of forms(ip)) {
          expect(checkAddress(form, mode)).toEqual({ allowed: false, reason: expect.stringContaining(mode) });
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses in public mode everything private mode refuses, and any mode refuses nothing', () => {
    fc.assert(
      fc.property(fc.oneof(anyIpv4, ipv6), (ip) => {
        if (!checkAddress(ip, 'private').allowed) expect(checkAddress(ip, 'public').allowed).toBe(false);
        expect(checkAddress(ip, 'any').allowed).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.constantFrom<TargetMode>('private', 'public', 'any'),
        (text, mode) => {
          expect(typeof checkAddress(text, mode).allowed).toBe('boolean');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads a URL host written as an integer, in hex or with fewer dots as the address it stands for', () => {
    fc.assert(
      fc.property(anyIpv4, (ip) => {
        const [a, b, c, d] = ip.split('.').map(Number);
        const integer = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
        for (const host of [String(integer), `0x${integer.toString(16)}`, `${a}.${(b << 16) + (c << 8) + d}`]) {
          const check = checkUrlTarget(new URL(`http://${host}/hooks`), policy('public'));
          expect(check.outcome).toBe(checkAddress(ip, 'public').allowed ? 'allowed' : 'refused');
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('checkUrlTarget', () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data', 'private', 'refused'],
    ['http://[::ffff:169.254.169.254]/', 'private', 'refused'],
    ['http://[fe80::1]/', 'private', 'refused'],
    ['http://2852039166/', 'private', 'refused'],
    ['http://127.0.0.1:8080/hooks', 'private', 'allowed'],
    ['http://127.0.0.1:8080/hooks', 'public', 'refused'],
    ['http://[::1]/', 'public', 'refused'],
    ['http://0x7f.1/', 'public', 'refused'],
    ['https://8.8.8.8/', 'public', 'allowed'],
    ['http://169.254.169.254/', 'any', 'allowed'],
    ['https://example.com/hooks', 'private', 'resolve'],
    ['https://metadata.google.internal/', 'public', 'resolve'],
    ['https://example.com/hooks', 'any', 'allowed'],
  ] as const)('%s under %s: %s', (url, mode, outcome) => {
    expect(checkUrlTarget(new URL(url), policy(mode)).outcome).toBe(outcome);
  });

  it('names the host to resolve without brackets or case changes beyond the URL parser', () => {
    expect(checkUrlTarget(new URL('https://Hooks.Example.COM/x'), policy('public'))).toEqual({
      outcome: 'resolve',
      hostname: 'hooks.example.com',
    });
  });

  it('refuses a port outside WEBHOOK_ALLOWED_PORTS, counting the scheme default', () => {
    const ports = policy('any', [443, 8443]);
    expect(checkUrlTarget(new URL('https://example.com/'), ports).outcome).toBe('allowed');
    expect(checkUrlTarget(new URL('https://example.com:8443/'), ports).outcome).toBe('allowed');
    expect(checkUrlTarget(new URL('http://example.com/'), ports)).toEqual({
      outcome: 'refused',
      reason: 'port 80 is not one of WEBHOOK_ALLOWED_PORTS (443, 8443)',
    });
    expect(checkUrlTarget(new URL('https://8.8.8.8:22/'), policy('public', [443])).outcome).toBe('refused');
  });

  it('knows the default ports', () => {
    expect(portOf(new URL('http://h/'))).toBe(80);
    expect(portOf(new URL('https://h/'))).toBe(443);
    expect(portOf(new URL('https://h:80/'))).toBe(80);
    expect(checkPort(25, policy('any'))).toEqual({ allowed: true });
  });
});

describe('parsing the settings', () => {
  it('reads a mode', () => {
    expect(parseTargetMode('public')).toBe('public');
    expect(parseTargetMode('PUBLIC')).toBeNull();
    expect(parseTargetMode('none')).toBeNull();
  });

  it.each([
    ['443', [443]],
    ['80, 443,8080', [80, 443, 8080]],
    ['443,443', [443]],
    ['', []],
    [' , ', []],
  ])('reads the port list %j', (raw, ports) => {
    expect(parsePortList(raw)).toEqual(ports);
  });

  it.each(['0', '65536', 'http', '80;443', '-1', '1e3', '443.0'])('refuses the port list %j', (raw) => {
    expect(typeof parsePortList(raw)).toBe('string');
  });
});
