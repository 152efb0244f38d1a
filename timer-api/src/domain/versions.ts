/**
 * Versions on the wire: the weak ETag W/"{version}" every single-timer answer
 * carries, and the If-Match that makes PATCH, DELETE and POST …/retry
 * conditional. Weak because two versions differ in what they mean, not byte for
 * byte in the JSON (time_left moves on its own). If-Match compares the version
 * alone, so "3", W/"3" and a list of them all match version 3; * matches any.
 */
export type IfMatch = null | '*' | number[];

export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/** The If-Match header as versions; null when absent; [] when it names none this service issues. */
export function readIfMatch(header: string | undefined): IfMatch {
  if (header === undefined) return null;
  const value = header.trim();
  if (value === '*') return '*';
  const versions: number[] = [];
  for (const tag of value.split(',')) {
    const m = /^\s*(?:W\/)?"(\d{1,10})"\s*$/.exec(tag);
    if (m) versions.push(Number(m[1]));
  }
  return versions;
}

export function matches(ifMatch: IfMatch, version: number): boolean {
  return ifMatch === null || ifMatch === '*' || ifMatch.includes(version);
}
