/** Tenants, API keys and scopes: who may see and change what. */

/** The tenant of everything made before tenants existed, and of API_KEYS. */
export const DEFAULT_TENANT = 'default';

/**
 * read: GET anything of its tenant. write: also create, change, cancel, replay.
 * admin: every tenant, key and tenant management, the whole dashboard.
 */
export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Lower-case letters, digits, `-` and `_`, starting with a letter or digit; at most 64. */
export const TENANT_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** An API key as stored: never the key, only its digest. */
export interface ApiKeyRecord {
  id: string;
  /** Lower-case hex SHA-256 of the key. */
  digest: string;
  tenant: string;
  scope: Scope;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface TenantRecord {
  name: string;
  /** Sealed `whsec_…` secrets, space-separated, newest first; null: WEBHOOK_SECRET. */
  signingSecrets: string | null;
  /** null: the service's default (MAX_PENDING_PER_KEY). */
  maxPending: number | null;
  /** null: the service's default (CREATES_PER_SECOND). */
  createsPerSecond: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface TenantLimits {
  maxPending?: number | null;
  createsPerSecond?: number | null;
}
