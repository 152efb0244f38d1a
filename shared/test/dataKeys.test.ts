/**
 * DATA_KEYS and sealing (AES-256-GCM): the first key seals, every key opens, a
 * value opens only in the context it was sealed for, plain values pass through,
 * and no problem report echoes a key.
 */
import { randomBytes } from 'node:crypto';
import { DataKeyError, DataKeys, isSealed, loadConfig, newDataKey, parseDataKeys } from '@timer/shared';

const k1 = newDataKey('k1');
const k2 = newDataKey('k2');

describe('DATA_KEYS', () => {
  it('reads keys as <id>:<base64 of 32 bytes>, comma-separated, first one first', () => {
    const { keys, problems } = parseDataKeys('DATA_KEYS', ` ${k2} , ${k1} `);
    expect(problems).toEqual([]);
    expect(keys.map((k) => [k.id, k.key.length])).toEqual([
      ['k2', 32],
      ['k1', 32],
    ]);
  });

  it('refuses a short key, a missing id and a repeated id, never echoing the key', () => {
    const short = `k3:${randomBytes(16).toString('base64')}`;
    const problems = (() => {
      try {
        loadConfig({ DATA_KEYS: `${short},${randomBytes(32).toString('base64')},${k1},${k1}` });
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(problems).toContain('DATA_KEYS entry 1 (k3) must hold exactly 32 base64-encoded bytes');
    expect(problems).toContain('DATA_KEYS entry 2 must start with a key id');
    expect(problems).toContain('DATA_KEYS names key k1 twice');
    expect(problems).not.toContain(short.slice(3));
    expect(problems).not.toContain(k1.slice(3));
  });
});

describe('sealing', () => {
  const keysOf = (spec: string) => new DataKeys(parseDataKeys('DATA_KEYS', spec).keys);

  it('seals with the first key so that only the right context opens it', () => {
    const keys = keysOf(`${k1}`);
    const sealed = keys.seal('whsec_secret-marker', 'tenant:acme:signing_secret');

    expect(isSealed(sealed)).toBe(true);
    expect(sealed).toMatch(/^\$tk1\$k1\$[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('secret-marker');
    expect(keys.open(sealed, 'tenant:acme:signing_secret')).toBe('whsec_secret-marker');
    expect(() => keys.open(sealed, 'tenant:globex:signing_secret')).toThrow(DataKeyError);
    expect(keys.seal('same', 'c')).not.toBe(keys.seal('same', 'c'));
  });

  it('rotates: a new first key seals, the old one still opens, until it is removed', () => {
    const old = keysOf(k1).seal('value', 'c');
    const rotated = keysOf(`${k2},${k1}`);

    expect(rotated.open(old, 'c')).toBe('value');
    expect(rotated.isCurrent(old)).toBe(false);
    const resealed = rotated.seal(rotated.open(old, 'c'), 'c');
    expect(rotated.isCurrent(resealed)).toBe(true);
    expect(keysOf(k2).open(resealed, 'c')).toBe('value');
    expect(() => keysOf(k2).open(old, 'c')).toThrow(/data key "k1"/);
  });

  it('detects a value altered in the database', () => {
    const keys = keysOf(k1);
    const sealed = keys.seal('value', 'c');
    const flipped = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'B' : 'A') + sealed.slice(-1);
    expect(() => keys.open(flipped, 'c')).toThrow(DataKeyError);
  });

  it('without keys stores values as they are, and opens plain values as they are', () => {
    expect(DataKeys.none().seal('plain', 'c')).toBe('plain');
    expect(keysOf(k1).open('whsec_plain', 'c')).toBe('whsec_plain');
    expect(DataKeys.none().isCurrent('plain')).toBe(true);
  });
});
