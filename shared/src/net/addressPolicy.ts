/**
 * Which network addresses a webhook may be sent to (WEBHOOK_TARGETS), as pure
 * functions of an address and a policy: the api checks a URL when a timer is
 * created, the controller checks the address it is about to connect to. Both
 * call these, so the two checks cannot disagree.
 *
 * - `private` (default): refuses link-local ranges and known cloud metadata
 *   addresses, so 169.254.169.254 is unreachable while internal services are not.
 * - `public`: also refuses everything that is not globally routable: loopback,
 *   private and unique-local ranges, CGNAT, unspecified, multicast, documentation
 *   and reserved ranges (IANA special-purpose registries).
 * - `any`: refuses nothing.
 *
 * Matching uses Node's net.BlockList. An IPv6 address can carry an IPv4 one
 * that the packet in the end goes to (a translator, a relay or a tunnel connects
 * to it): IPv4-mapped, IPv4-compatible, IPv4-translated (SIIT), NAT64 (the
 * well-known and the local-use prefixes, RFC 6052 and 8215), 6to4, Teredo (its
 * server and its client) and ISATAP. embeddedIpv4 reads each of them, and an
 * IPv6 address is refused when any IPv4 address it embeds is, in both policies,
 * so `[::a9fe:a9fe]` and `[2002:a9fe:a9fe::]` cannot reach 169.254.169.254.
 */
import { BlockList, isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export const TARGET_MODES = ['private', 'public', 'any'] as const;
export type TargetMode = (typeof TARGET_MODES)[number];

export interface TargetPolicy {
  readonly mode: TargetMode;
  /** Ports a webhook URL may use; empty means any port. */
  readonly allowedPorts: readonly number[];
}

export type Verdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

interface Range {
  readonly cidr: string;
  readonly what: string;
}

/** Refused unless the mode is `any`: reaching these from a server is how SSRF steals credentials. */
const METADATA_RANGES: readonly Range[] = [
  { cidr: '169.254.0.0/16', what: 'link-local (cloud metadata endpoints live here)' },
  { cidr: 'fe80::/10', what: 'link-local' },
  { cidr: 'fd00:ec2::254/128', what: 'the AWS instance metadata endpoint (IPv6)' },
  { cidr: '100.100.100.200/32', what: 'the Alibaba Cloud metadata endpoint' },
  { cidr: '168.63.129.16/32', what: 'the Azure platform endpoint (WireServer)' },
];

/** Refused in `public` mode too: not globally routable (IANA IPv4 and IPv6 special-purpose registries). */
const NON_PUBLIC_RANGES: readonly Range[] = [
  { cidr: '0.0.0.0/8', what: 'unspecified ("this network")' },
  { cidr: '10.0.0.0/8', what: 'private (RFC 1918)' },
  { cidr: '100.64.0.0/10', what: 'shared address space (CGNAT, RFC 6598)' },
  { cidr: '127.0.0.0/8', what: 'loopback' },
  { cidr: '172.16.0.0/12', what: 'private (RFC 1918)' },
  { cidr: '192.0.0.0/24', what: 'IETF protocol assignments' },
  { cidr: '192.0.2.0/24', what: 'documentation (TEST-NET-1)' },
  { cidr: '192.88.99.0/24', what: '6to4 relay anycast (deprecated)' },
  { cidr: '192.168.0.0/16', what: 'private (RFC 1918)' },
  { cidr: '198.18.0.0/15', what: 'benchmarking' },
  { cidr: '198.51.100.0/24', what: 'documentation (TEST-NET-2)' },
  { cidr: '203.0.113.0/24', what: 'documentation (TEST-NET-3)' },
  { cidr: '224.0.0.0/4', what: 'multicast' },
  { cidr: '240.0.0.0/4', what: 'reserved (and broadcast)' },
  { cidr: '::/128', what: 'unspecified' },
  { cidr: '::1/128', what: 'loopback' },
  { cidr: '::/96', what: 'IPv4-compatible (deprecated)' },
  { cidr: '64:ff9b:1::/48', what: 'local-use NAT64 (RFC 8215)' },
  { cidr: '100::/64', what: 'discard-only' },
  { cidr: '2001::/23', what: 'IETF protocol assignments (Teredo, ORCHID, …)' },
  { cidr: '2001:db8::/32', what: 'documentation' },
  { cidr: '2002::/16', what: '6to4 (deprecated)' },
  { cidr: '3fff::/20', what: 'documentation' },
  { cidr: '5f00::/16', what: 'segment routing (SRv6) SIDs' },
  { cidr: 'fc00::/7', what: 'unique-local' },
  { cidr: 'fec0::/10', what: 'site-local (deprecated)' },
  { cidr: 'ff00::/8', what: 'multicast' },
];

interface Rule extends Range {
  readonly list: BlockList;
}

function rule(range: Range): Rule {
  const [network, bits] = range.cidr.split('/');
  const family = isIP(network) === 6 ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  list.addSubnet(network, Number(bits), family);
  return { ...range, list };
}

const RULES: Record<TargetMode, readonly Rule[]> = {
  private: METADATA_RANGES.map((r) => rule(r)),
  public: [...METADATA_RANGES, ...NON_PUBLIC_RANGES].map((r) => rule(r)),
  any: [],
};

/** One list per mode for the common answer, "allowed"; the rules only name the reason. */
const COMBINED: Record<TargetMode, BlockList> = {
  private: combine(RULES.private),
  public: combine(RULES.public),
  any: new BlockList(),
};

function combine(rules: readonly Rule[]): BlockList {
  const list = new BlockList();
  for (const r of rules) {
    const [network, bits] = r.cidr.split('/');
    list.addSubnet(network, Number(bits), isIP(network) === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

const ALLOWED: Verdict = Object.freeze({ allowed: true });

/**
 * May a webhook be sent to this IP address? `ip` is a bare address as dns.lookup
 * returns it (no brackets; an IPv6 zone such as `%eth0` is ignored).
 */
export function checkAddress(ip: string, policy: TargetPolicy | TargetMode): Verdict {
  const mode = typeof policy === 'string' ? policy : policy.mode;
  if (mode === 'any') return ALLOWED;
  const address = ip.replace(/%.*$/, '');
  const family = isIP(address);
  if (family === 0) return { allowed: false, reason: `"${ip.slice(0, 100)}" is not an IP address` };
  const own = refusal(address, family === 6 ? 'ipv6' : 'ipv4', mode);
  if (own) return { allowed: false, reason: `${address} is ${own}; WEBHOOK_TARGETS=${mode} refuses it` };
  if (family === 4) return ALLOWED;
  for (const embedded of embeddedIpv4(address)) {
    const inner = refusal(embedded, 'ipv4', mode);
    if (inner) {
      return {
        allowed: false,
        reason: `${address} embeds ${embedded}, which is ${inner}; WEBHOOK_TARGETS=${mode} refuses it`,
      };
    }
  }
  return ALLOWED;
}

/** What the mode refuses `address` as ("loopback, 127.0.0.0/8"), or null. */
function refusal(address: string, type: 'ipv4' | 'ipv6', mode: Exclude<TargetMode, 'any'>): string | null {
  if (!COMBINED[mode].check(address, type)) return null;
  const matched = RULES[mode].find((r) => r.list.check(address, type));
  return matched ? `${matched.what}, ${matched.cidr}` : 'a refused range';
}

/**
 * Every IPv4 address an IPv6 address carries in a form some translator, relay or
 * tunnel sends to (see the header). More than one for Teredo (server and client)
 * and for the local-use NAT64 prefix, whose embedding depends on the operator's
 * prefix length (RFC 6052 section 2.2: /48, /56, /64 or /96 inside 64:ff9b:1::/48).
 */
export function embeddedIpv4(ipv6: string): string[] {
  const b = ipaddr.IPv6.parse(ipv6).toByteArray();
  const v4 = (...bytes: number[]) => bytes.join('.');
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const found: string[] = [];
  const tail = v4(b[12], b[13], b[14], b[15]);
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) found.push(tail); // ::ffff:a.b.c.d, mapped
  if (zero(0, 12)) found.push(tail); // ::a.b.c.d, compatible
  if (zero(0, 8) && b[8] === 0xff && b[9] === 0xff && zero(10, 12)) found.push(tail); // ::ffff:0:a.b.c.d, SIIT
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) {
    if (zero(4, 12)) found.push(tail); // 64:ff9b::/96, well-known NAT64
    if (b[4] === 0x00 && b[5] === 0x01) {
      // 64:ff9b:1::/48, local-use NAT64 (bits 64-71 are always zero in RFC 6052's layout)
      found.push(v4(b[6], b[7], b[9], b[10]), v4(b[7], b[9], b[10], b[11]), v4(b[9], b[10], b[11], b[12]), tail);
    }
  }
  if (b[0] === 0x20 && b[1] === 0x02) found.push(v4(b[2], b[3], b[4], b[5])); // 2002::/16, 6to4
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x00 && b[3] === 0x00) {
    // 2001::/32, Teredo: the server, and the client's address with every bit flipped
    found.push(v4(b[4], b[5], b[6], b[7]), v4(b[12] ^ 0xff, b[13] ^ 0xff, b[14] ^ 0xff, b[15] ^ 0xff));
  }
  if ((b[8] & 0xfd) === 0x00 && b[9] === 0x00 && b[10] === 0x5e && b[11] === 0xfe) found.push(tail); // ISATAP
  return [...new Set(found)];
}

/** The port a URL connects to: its own, or its scheme's default. */
export function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

export function checkPort(port: number, policy: TargetPolicy): Verdict {
  if (policy.allowedPorts.length === 0 || policy.allowedPorts.includes(port)) return ALLOWED;
  return {
    allowed: false,
    reason: `port ${port} is not one of WEBHOOK_ALLOWED_PORTS (${policy.allowedPorts.join(', ')})`,
  };
}

/**
 * What can be decided about a URL without DNS: its port, and its host when that
 * is an IP literal. A host name must be resolved and every address checked.
 */
export type UrlCheck =
  | { readonly outcome: 'allowed' }
  | { readonly outcome: 'refused'; readonly reason: string }
  | { readonly outcome: 'resolve'; readonly hostname: string };

export function checkUrlTarget(url: URL, policy: TargetPolicy): UrlCheck {
  const port = checkPort(portOf(url), policy);
  if (!port.allowed) return { outcome: 'refused', reason: port.reason };
  // The WHATWG parser has already turned 0x7f.1, 2130706433 and the like into dotted quads.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0) {
    const verdict = checkAddress(host, policy);
    return verdict.allowed ? { outcome: 'allowed' } : { outcome: 'refused', reason: verdict.reason };
  }
  if (policy.mode === 'any') return { outcome: 'allowed' };
  return { outcome: 'resolve', hostname: host };
}

/**
 * What a client is told when a host name resolves to a refused address, at
 * creation (400) and at send time (last_error) alike: not the address, which
 * would tell a caller what internal names resolve to. Logs carry the detail.
 */
export function hostRefusedReason(mode: TargetMode): string {
  return `the url's host resolves to an address WEBHOOK_TARGETS=${mode} refuses`;
}

/** Every address a name resolves to must pass: a name with one refused address is refused. */
export function checkAddresses(addresses: readonly string[], policy: TargetPolicy): Verdict {
  for (const address of addresses) {
    const verdict = checkAddress(address, policy);
    if (!verdict.allowed) return verdict;
  }
  return ALLOWED;
}

export function parseTargetMode(raw: string): TargetMode | null {
  return (TARGET_MODES as readonly string[]).includes(raw) ? (raw as TargetMode) : null;
}

/** `80,443,8080` → [80, 443, 8080]; a problem (as text) for anything else. */
export function parsePortList(raw: string): number[] | string {
  const entries = raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const ports: number[] = [];
  for (const entry of entries) {
    const port = /^\d{1,5}$/.test(entry) ? Number(entry) : NaN;
    if (!(port >= 1 && port <= 65535)) return `must be a comma-separated list of ports (1-65535), got "${entry}"`;
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}
