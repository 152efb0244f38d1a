/**
 * Writes the OpenAPI document into a folder, for tools that read files (Spectral in
 * `npm run lint:openapi`, client generators). The document has two shapes, and each
 * is written: `openapi.json` as a deployment with the default settings serves it, and
 * `openapi-guarded.json` with API_KEYS, RATE_LIMIT_PER_SECOND, MAX_PENDING_PER_KEY and MAX_SCHEDULES_PER_KEY
 * set (security, 401 and 429 answers).
 *
 *   node timer-api/dist/writeOpenApi.js <folder>
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildOpenApiDocument, DocumentOptions } from './openapi';
import { API_VERSION } from './version';

export const DOCUMENT_SHAPES: Record<string, DocumentOptions> = {
  'openapi.json': {},
  'openapi-guarded.json': { apiKeys: true, rateLimited: true, pendingCap: true, scheduleCap: true },
};

function writeDocuments(folder: string): void {
  mkdirSync(folder, { recursive: true });
  for (const [file, options] of Object.entries(DOCUMENT_SHAPES)) {
    writeFileSync(path.join(folder, file), `${JSON.stringify(buildOpenApiDocument(API_VERSION, options), null, 2)}\n`);
  }
}

if (require.main === module) {
  const folder = process.argv[2];
  if (!folder) {
    process.stderr.write('usage: node timer-api/dist/writeOpenApi.js <folder>\n');
    process.exit(2);
  }
  writeDocuments(folder);
}
