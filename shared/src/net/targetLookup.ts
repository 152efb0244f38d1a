/**
 * The DNS side of the webhook target policy (addressPolicy.ts has the rules).
 *
 * A name checked when a timer is created may point elsewhere when it fires (DNS
 * rebinding), so the check that counts is the one on the address actually
 * connected to: `guardedLookup` is a drop-in `lookup` for net/tls.connect (and so
 * for undici's `connect` options) that refuses a name when any of its addresses
 * is refused. IP literals never reach a lookup function; check those with
 * checkUrlTarget before sending.
 */
import dns, { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Clock, systemClock } from '../clock';
import { checkAddresses, hostRefusedReason, TargetPolicy } from './addressPolicy';

/**
 * A webhook target the policy refuses: permanent, retrying cannot help. The
 * message is what the client may see (hostRefusedReason); `detail` names the
 * name and the address, for the operator's log only.
 */
export class TargetRefusedError extends Error {
  readonly code = 'ETARGETREFUSED';
  constructor(
    reason: string,
    readonly detail: string,
  ) {
    super(`webhook target refused: ${reason}`);
    this.name = 'TargetRefusedError';
  }
}

/** dns.lookup with `all: true`, as a function tests can replace. */
export type LookupAll = (
  hostname: string,
  options: dns.LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemLookup: LookupAll = (hostname, options, callback) => dns.lookup(hostname, options, callback);

/**
 * A `lookup` for net.connect that resolves every address of the name and fails
 * with TargetRefusedError when one of them is refused; otherwise it answers in
 * the form the caller asked for (one address, or all with `all: true`).
 */
export function guardedLookup(policy: TargetPolicy, lookup: LookupAll = systemLookup): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      if (addresses.length === 0) {
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      }
      const verdict = checkAddresses(
        addresses.map((a) => a.address),
        policy,
      );
      if (!verdict.allowed) {
        return callback(
          new TargetRefusedError(hostRefusedReason(policy.mode), `${hostname}: ${verdict.reason}`),
          '',
          0,
        );
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** Every address of a name, or a rejection: the resolver's error, or ETIMEOUT after `timeoutMs`. */
export function resolveAll(
  hostname: string,
  timeoutMs: number,
  lookup: LookupAll = systemLookup,
  clock: Clock = systemClock,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    // getaddrinfo cannot be canceled; past the time limit its answer is ignored.
    const timer = clock.setTimer(timeoutMs, () => {
      reject(Object.assign(new Error(`DNS lookup of ${hostname} took over ${timeoutMs} ms`), { code: 'ETIMEOUT' }));
    });
    lookup(hostname, { all: true }, (err, addresses) => {
      clock.clearTimer(timer);
      if (err) reject(err);
      else resolve(addresses.map((a) => a.address));
    });
  });
}
