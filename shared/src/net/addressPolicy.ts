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
 * Matching uses Node's net.BlockList, which also matches IPv4-mapped IPv6
 * addresses (::ffff:169.254.169.254) against IPv4 ranges. NAT64 addresses
 * (64:ff9b::/96, RFC 6052) embed an IPv4 address that a NAT64 gateway will
 * connect to, so each IPv4 range is also refused in that form.
 */
import { BlockList, isIP } from 'node:net';

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

function rule(range: Range, cidr = range.cidr): Rule {
  const [network, bits] = cidr.split('/');
  const family = isIP(network) === 6 ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  list.addSubnet(network, Number(bits), family);
  return { ...range, cidr, list };
}

/** An IPv4 range and its NAT64 form (64:ff9b::a.b.c.d/96+n). */
function withNat64(range: Range): Rule[] {
  const [network, bits] = range.cidr.split('/');
  if (isIP(network) !== 4) return [rule(range)];
  return [rule(range), rule(range, `64:ff9b::${network}/${96 + Number(bits)}`)];
}

const RULES: Record<TargetMode, readonly Rule[]> = {
  private: METADATA_RANGES.flatMap(withNat64),
  public: [...METADATA_RANGES, ...NON_PUBLIC_RANGES].flatMap(withNat64),
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
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (!COMBINED[mode].check(address, type)) return ALLOWED;
  const matched = RULES[mode].find((r) => r.list.check(address, type));
  const what = matched ? `${matched.what}, ${matched.cidr}` : 'a refused range';
  return { allowed: false, reason: `${address} is ${what}; WEBHOOK_TARGETS=${mode} refuses it` };
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
