/**
 * The monitoring files pass Prometheus's own checks, run by promtool in the
 * Prometheus image: the configuration as compose mounts it, the alerting rules, and
 * their unit tests (deploy/prometheus/alerts.test.yml: each alert fires on a
 * synthetic failure and stays quiet on a healthy fleet).
 */
import path from 'node:path';
import { docker, ROOT } from './compose';
import { preparedImages } from './fleet';

const FILES = path.join(ROOT, 'deploy', 'prometheus');

/** promtool in the Prometheus image, with deploy/prometheus where compose mounts it. */
function promtool(args: string[]): Promise<string> {
  const { PROMETHEUS_IMAGE } = preparedImages();
  return docker([
    'run',
    '--rm',
    '--network=none',
    '--volume',
    `${FILES}:/etc/prometheus:ro`,
    '--workdir',
    '/etc/prometheus',
    '--entrypoint',
    'promtool',
    PROMETHEUS_IMAGE,
    ...args,
  ]);
}

it('accepts the configuration compose runs Prometheus with, and the rules it loads', async () => {
  expect(await promtool(['check', 'config', '/etc/prometheus/prometheus.yml'])).toContain('SUCCESS');
  expect(await promtool(['check', 'rules', 'alerts.yml'])).toMatch(/SUCCESS: \d+ rules found/);
});

it('passes the alerts unit tests', async () => {
  expect(await promtool(['test', 'rules', 'alerts.test.yml'])).toContain('SUCCESS');
});
