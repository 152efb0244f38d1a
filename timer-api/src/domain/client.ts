/**
 * Who is calling: the API key a request proved it holds (by the key's id, never the
 * key), its scope and the tenant it acts in; or, when the api has no keys at all,
 * the one open client of the default tenant.
 */
import { DEFAULT_TENANT, Scope } from '@timer/shared';

export interface Client {
  /** Whose request budget a request spends: the key's id, or the caller's address without keys. */
  readonly rateKey: string;
  /** Which key created a timer (kept on the row, for the log and the operator): the key's id, or `anonymous`. */
  readonly owner: string;
  readonly scope: Scope;
  /** The tenant it creates in: its key's, or for an admin key the one X-Tenant names. */
  readonly tenant: string;
  /** Whose timers and schedules it sees: its tenant, or null (every tenant) for an admin key without X-Tenant. */
  readonly sees: string | null;
}

export const ANONYMOUS_OWNER = 'anonymous';

/** The caller of an api without keys: one team, the default tenant, everything but key management. */
export const OPEN_CLIENT: Client = {
  rateKey: 'ip:unknown',
  owner: ANONYMOUS_OWNER,
  scope: 'write',
  tenant: DEFAULT_TENANT,
  sees: DEFAULT_TENANT,
};

/** A key's id: a prefix of its digest, safe to log and to store, useless for calling the api. */
export function keyIdOf(digestHex: string): string {
  return `key_${digestHex.slice(0, 16)}`;
}

/** What each scope may do: a scope allows what the ones before it allow. */
export function allows(scope: Scope, needed: Scope): boolean {
  const rank: Record<Scope, number> = { read: 0, write: 1, admin: 2 };
  return rank[scope] >= rank[needed];
}
