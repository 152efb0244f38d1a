/** timer-api's version, from its package.json: one level above both src/ (tests) and dist/ (production). */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const API_VERSION = (
  JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;
