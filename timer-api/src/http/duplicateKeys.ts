/**
 * JSON.parse keeps the last of two equal keys (`{"url": "ftp://x", "url": "https://y"}`),
 * so a body could mean one thing to a proxy or log reader and another to us. Such
 * bodies are refused instead, as I-JSON (RFC 7493) requires. The scan runs on the
 * raw text before parsing; on text that is not JSON at all its answer does not
 * matter, because the parser refuses that text with the same code anyway.
 */
const TOKENS = /"(?:[^"\\]|\\.)*"|[{}[\]:]/g;

/** The first key that appears twice in one object, if any. */
export function findDuplicateKey(text: string): string | undefined {
  const objects: Array<Set<string> | null> = []; // null: an array
  let lastString: string | undefined;
  for (const [token] of text.matchAll(TOKENS)) {
    if (token === '{') objects.push(new Set());
    else if (token === '[') objects.push(null);
    else if (token === '}' || token === ']') objects.pop();
    else if (token !== ':') lastString = token;
    else {
      const keys = objects[objects.length - 1];
      if (!keys || lastString === undefined) continue;
      const key = unquote(lastString);
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
