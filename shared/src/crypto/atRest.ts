/**
 * What a timer or schedule stores that can hold a credential, sealed with the
 * data keys (dataKeys.ts) before it is written and opened where a value is used:
 *
 *   url      the column keeps the origin (scheme, host, port: readable, for flow
 *            control, the dashboard and whoever reads the database); the whole
 *            URL (path, query and userinfo with it) goes sealed into url_sealed.
 *   webhook  the whole column (payload or body, header values, method) sealed;
 *            a completion notice's webhook holds its parent's snapshot (URL,
 *            payload), sealed the same way.
 *   callbacks the whole column (the on_success and on_failure URLs) sealed.
 *
 * Values are sealed for their tenant and column (`<column>:<tenant>` as GCM's
 * additional data): a schedule's values are copied onto its occurrences as they
 * are (same tenant), while a value moved into another tenant's row does not open.
 * With no data keys, values are stored as they are (url_sealed NULL), and a row
 * written that way reads back as it is under keys too.
 */
import { DataKeys } from './dataKeys';

export interface StoredUrl {
  /** The `url` column: the origin when sealed, else the URL itself. */
  url: string;
  /** The `url_sealed` column: the sealed URL, or null when stored as it is. */
  urlSealed: string | null;
}

export class AtRest {
  constructor(readonly keys: DataKeys) {}

  static none(): AtRest {
    return new AtRest(DataKeys.none());
  }

  sealUrl(url: string, tenant: string): StoredUrl {
    if (!this.keys.enabled) return { url, urlSealed: null };
    return { url: new URL(url).origin, urlSealed: this.keys.seal(url, urlContext(tenant)) };
  }

  /** The URL as given. Throws DataKeyError when the sealed value does not open. */
  openUrl(stored: StoredUrl, tenant: string): string {
    return stored.urlSealed === null ? stored.url : this.keys.open(stored.urlSealed, urlContext(tenant));
  }

  sealWebhook(text: string | null, tenant: string): string | null {
    return text === null ? null : this.keys.seal(text, webhookContext(tenant));
  }

  /** The column's JSON text. Throws DataKeyError when the sealed value does not open. */
  openWebhook(stored: string | null, tenant: string): string | null {
    return stored === null ? null : this.keys.open(stored, webhookContext(tenant));
  }

  sealCallbacks(text: string | null, tenant: string): string | null {
    return text === null ? null : this.keys.seal(text, callbacksContext(tenant));
  }

  /** The column's JSON text. Throws DataKeyError when the sealed value does not open. */
  openCallbacks(stored: string | null, tenant: string): string | null {
    return stored === null ? null : this.keys.open(stored, callbacksContext(tenant));
  }
}

function urlContext(tenant: string): string {
  return `url:${tenant}`;
}

function webhookContext(tenant: string): string {
  return `webhook:${tenant}`;
}

function callbacksContext(tenant: string): string {
  return `callbacks:${tenant}`;
}
