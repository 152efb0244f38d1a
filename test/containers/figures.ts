/**
 * What the container tests measured (image sizes, time to healthy, the burst, the
 * kill and the database restart), gathered in test-output/containers/figures.json:
 * run.sh prints it at the end, and the README's Deploy section quotes it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './compose';

export const FIGURES_FILE = path.join(ROOT, 'test-output', 'containers', 'figures.json');

export function recordFigures(section: string, figures: Record<string, unknown>): void {
  mkdirSync(path.dirname(FIGURES_FILE), { recursive: true });
  const all = existsSync(FIGURES_FILE)
    ? (JSON.parse(readFileSync(FIGURES_FILE, 'utf8')) as Record<string, object>)
    : {};
  all[section] = { ...(all[section] ?? {}), ...figures };
  writeFileSync(FIGURES_FILE, `${JSON.stringify(all, null, 2)}\n`);
}

export const seconds = (ms: number): number => Math.round(ms / 100) / 10;
