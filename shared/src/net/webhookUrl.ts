/**
 * The one reading of a webhook URL. The api calls it to accept a timer or a
 * schedule, the controller to build the request when the timer is due: whatever
 * the first accepts, the second can send. (They once read URLs by two sets of
 * rules, and a URL the api accepted made the controller throw at send time.)
 *
 * Rules, beyond what the WHATWG parser already refuses:
 * - `http:` or `https:`, with a host;
 * - every part that is percent-decoded anywhere (user name, password, path,
 *   query, fragment) holds only valid percent-encodings of UTF-8: `%` followed by
 *   two hex digits, and the bytes a valid UTF-8 sequence. `%C0`, `%FF`, a lone `%`
 *   or a cut-off `%E0%A4` are refused, not passed on for a receiver to choke on.
 *
 * Reading never throws: it answers with the target or with the problem.
 */

/** A receiver URL taken apart once: where to connect, and what goes around the id. */
export interface WebhookTarget {
  /** scheme://host[:port], as the parser normalized it. */
  origin: string;
  /** The path without trailing slashes: the id goes after it as a new segment. */
  path: string;
  /** The query string with its `?`, or empty. The fragment is never sent. */
  search: string;
  /** Basic credentials given in the URL (`https://user:pass@host/…`), as a header value. */
  authorization: string | null;
  /** The parsed URL, for the target policy's checks (port, IP literal). */
  url: URL;
}

export type WebhookUrlReading =
  { readonly ok: true; readonly target: WebhookTarget } | { readonly ok: false; readonly problem: string };

const PARTS = ['username', 'password', 'pathname', 'search', 'hash'] as const;
const PART_NAMES: Record<(typeof PARTS)[number], string> = {
  username: 'user name',
  password: 'password',
  pathname: 'path',
  search: 'query',
  hash: 'fragment',
};

export function readWebhookUrl(raw: string): WebhookUrlReading {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('url must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refuse('url must use http or https');
  if (!url.hostname) return refuse('url must name a host');
  for (const part of PARTS) {
    if (!decodes(url[part])) {
      return refuse(
        `url's ${PART_NAMES[part]} has an invalid percent-encoding (% must start a UTF-8 byte as two hex digits)`,
      );
    }
  }
  const credentials = url.username || url.password;
  return {
    ok: true,
    target: {
      origin: url.origin,
      path: url.pathname.replace(/\/+$/, ''),
      search: url.search,
      authorization: credentials
        ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
        : null,
      url,
    },
  };
}

/** The path and query a request asks for: the id as a new path segment (`/a` + id → `/a/{id}`), the query kept. */
export function pathWithId(target: WebhookTarget, id: string): string {
  return `${target.path}/${encodeURIComponent(id)}${target.search}`;
}

function decodes(part: string): boolean {
  if (!part.includes('%')) return true;
  try {
    decodeURIComponent(part);
    return true;
  } catch {
    return false;
  }
}

function refuse(problem: string): WebhookUrlReading {
  return { ok: false, problem };
}
