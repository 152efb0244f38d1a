/**
 * Which flow a timer belongs to: the `flow_key` it names, else its URL's origin,
 * always written with its port (`https://api.example.com:443`), so one receiver
 * has one key however its URLs spell the default port.
 */

/** A flow key: 1–255 printable ASCII characters, no spaces. */
export const FLOW_KEY_PATTERN = '^[\\x21-\\x7e]{1,255}$';
export const MAX_FLOW_KEY_LENGTH = 255;

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** `scheme://host:port` of an absolute http(s) URL; null when it cannot be parsed. */
export function originOf(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const port = parsed.port || DEFAULT_PORTS[parsed.protocol];
  if (!port) return null;
  return `${parsed.protocol}//${parsed.hostname}:${port}`;
}

/** The timer's flow: its own key, else its origin (a URL with no origin: the URL itself, cut to a key's length). */
export function flowKeyOf(url: string, flowKey: string | null | undefined): string {
  if (flowKey) return flowKey;
  return originOf(url) ?? url.slice(0, MAX_FLOW_KEY_LENGTH);
}
