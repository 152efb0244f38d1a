/**
 * Encryption at rest of what can hold a credential (today: tenants' signing
 * secrets), with AES-256-GCM from node:crypto.
 *
 * DATA_KEYS lists keys as `<id>:<base64 of 32 bytes>`, comma-separated: the
 * first seals, every one opens, so a key is rotated by putting a new one first,
 * re-sealing what the old one sealed, then removing the old one.
 *
 * A sealed value reads `$tk1$<key id>$<base64url of iv(12) ‖ ciphertext ‖ tag(16)>`.
 * Each value is sealed for a context (e.g. `timer:<id>:url`), given to GCM as
 * additional data: a value copied into another row or column does not open.
 * A value without the prefix is plain text (written before encryption was on, or
 * with no keys): open() returns it as it is, so turning encryption on needs no
 * migration of the data.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

export interface DataKey {
  readonly id: string;
  readonly key: Buffer;
}

export const SEALED_PREFIX = '$tk1$';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value that cannot be opened: its key is not in DATA_KEYS, or it was altered or moved. */
export class DataKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataKeyError';
  }
}

/** Parses DATA_KEYS; problems never echo a key. */
export function parseDataKeys(name: string, raw: string): { keys: DataKey[]; problems: string[] } {
  const keys: DataKey[] = [];
  const problems: string[] = [];
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  for (const [i, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon);
    const base64 = entry.slice(colon + 1);
    const key = Buffer.from(base64, 'base64');
    if (!KEY_ID.test(id)) {
      problems.push(`${name} entry ${i + 1} must start with a key id (letters, digits, - or _) and a colon`);
    } else if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || key.length !== 32) {
      problems.push(`${name} entry ${i + 1} (${id}) must hold exactly 32 base64-encoded bytes`);
    } else if (keys.some((k) => k.id === id)) {
      problems.push(`${name} names key ${id} twice`);
    } else {
      keys.push(Object.freeze({ id, key }));
    }
  }
  return { keys, problems };
}

/** A new key in DATA_KEYS's format, for the key file and `npm run keys -- data-key`. */
export function newDataKey(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

export class DataKeys {
  private readonly byId: ReadonlyMap<string, Buffer>;

  constructor(readonly keys: readonly DataKey[]) {
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  /** No keys: values are stored as they are. */
  static none(): DataKeys {
    return new DataKeys([]);
  }

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** The id of the key that seals: values sealed with another one are re-encrypted by the command. */
  get currentId(): string | null {
    return this.keys[0]?.id ?? null;
  }

  seal(plain: string, context: string): string {
    const current = this.keys[0];
    if (current === undefined) return plain;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', current.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const sealed = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${SEALED_PREFIX}${current.id}$${sealed.toString('base64url')}`;
  }

  /** The plain text of a sealed value; a value that is not sealed as it is. Throws DataKeyError. */
  open(stored: string, context: string): string {
    if (!isSealed(stored)) return stored;
    const rest = stored.slice(SEALED_PREFIX.length);
    const dollar = rest.indexOf('$');
    const id = rest.slice(0, dollar);
    const key = dollar > 0 ? this.byId.get(id) : undefined;
    if (key === undefined) throw new DataKeyError(`sealed with data key "${id}", which DATA_KEYS does not hold`);
    const bytes = Buffer.from(rest.slice(dollar + 1), 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new DataKeyError('sealed value is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new DataKeyError(`sealed value does not open with data key "${id}" (altered, or moved from another row)`);
    }
  }

  /**
   * Keyed digests of `text` (HMAC-SHA256, hex), one per key, the first key's first:
   * a digest written under any key still matches while that key is held. Each key
   * is first narrowed to `purpose`, so digests for one use say nothing about
   * another. No keys: the plain SHA-256, as written before encryption was on.
   */
  digests(text: string, purpose: string): string[] {
    if (!this.enabled) return [createHash('sha256').update(text, 'utf8').digest('hex')];
    return this.keys.map((k) =>
      createHmac('sha256', createHmac('sha256', k.key).update(`tk1 digest ${purpose}`).digest())
        .update(text, 'utf8')
        .digest('hex'),
    );
  }

  /** Whether the value is already what seal() would write now (sealed with the first key, or plain with none). */
  isCurrent(stored: string): boolean {
    const current = this.currentId;
    if (current === null) return !isSealed(stored);
    return stored.startsWith(`${SEALED_PREFIX}${current}$`);
  }
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(SEALED_PREFIX);
}
