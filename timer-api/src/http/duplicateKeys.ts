/**
 * JSON.parse keeps the last of two equal keys (`{"url": "ftp://x", "url": "https://y"}`),
 * so a body could mean one thing to a proxy or log reader and another to us. Such
 * bodies are refused instead, as I-JSON (RFC 7493) requires. The scan runs on the
 * raw text before parsing; on text that is not JSON at all its answer does not
 * matter, because the parser refuses that text with the same code anyway.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;

/**
 * The first key that appears twice in one object, if any. One pass over the
 * characters (a body of 1,000 timers is some 90 KB): strings are skipped whole,
 * and only a string followed by a colon, a key, is cut out and compared.
 */
export function findDuplicateKey(text: string): string | undefined {
  const objects: Array<Set<string> | null> = []; // null: an array
  let lastString = -1; // where the last string began; its end is lastEnd
  let lastEnd = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) !== QUOTE) j += text.charCodeAt(j) === BACKSLASH ? 2 : 1;
      if (j >= text.length) return undefined; // an unclosed string: not JSON, which the parser refuses
      lastString = i;
      lastEnd = j + 1;
      i = j;
    } else if (c === OPEN_OBJECT) objects.push(new Set());
    else if (c === OPEN_ARRAY) objects.push(null);
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) objects.pop();
    else if (c === COLON) {
      const keys = objects[objects.length - 1];
      if (!keys || lastString < 0) continue;
      const key = unquote(text.slice(lastString, lastEnd));
      if (keys.has(key)) return key;
      keys.add(key);
    }
  }
  return undefined;
}

/** `"\u0061"` and `"a"` are the same key. A key without escapes is its text (most keys: no parse). */
function unquote(token: string): string {
  if (!token.includes('\\')) return token.slice(1, -1);
  try {
    return JSON.parse(token) as string;
  } catch {
    return token;
  }
}
