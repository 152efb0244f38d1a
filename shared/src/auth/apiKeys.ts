/**
 * API_KEYS: the keys clients present as `Authorization: Bearer <key>`, comma-separated.
 * Each entry is either the key itself or its SHA-256 digest written `sha256:<64 hex>`,
 * so a deployment can keep plain keys out of its environment altogether. Only the
 * digests survive parsing, and no problem message repeats an entry: a config error
 * must not put a key into a log.
 */
import { createHash } from 'node:crypto';

/** Shorter keys can be guessed; 16 random characters are far beyond that. */
export const MIN_API_KEY_LENGTH = 16;

/** RFC 6750's b64token: what may follow `Bearer ` in an Authorization header. */
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const SHA256_ENTRY = /^sha256:([0-9a-fA-F]{64})$/;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export interface ParsedApiKeys {
  /** Lower-case hex SHA-256 digests, without duplicates. */
  digests: string[];
  problems: string[];
}

export function parseApiKeys(name: string, raw: string): ParsedApiKeys {
  const digests: string[] = [];
  const problems: string[] = [];
  const entries = raw.split(',').map((e) => e.trim());
  entries.forEach((entry, i) => {
    if (entry === '') return;
    const where = `${name} entry ${i + 1}`;
    let digest: string;
    if (/^sha256:/i.test(entry)) {
      const match = SHA256_ENTRY.exec(entry);
      if (!match) {
        problems.push(`${where} must be sha256: followed by 64 hex digits`);
        return;
      }
      digest = match[1].toLowerCase();
    } else if (entry.length < MIN_API_KEY_LENGTH) {
      problems.push(`${where} is shorter than ${MIN_API_KEY_LENGTH} characters`);
      return;
    } else if (!BEARER_TOKEN.test(entry)) {
      problems.push(`${where} has characters a Bearer token cannot carry (use A-Z a-z 0-9 - . _ ~ + / and trailing =)`);
      return;
    } else {
      digest = sha256Hex(entry);
    }
    if (!digests.includes(digest)) digests.push(digest);
  });
  if (raw.trim() !== '' && digests.length === 0 && problems.length === 0) {
    problems.push(`${name} is set but names no key`);
  }
  return { digests, problems };
}
