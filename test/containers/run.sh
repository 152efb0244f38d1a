#!/usr/bin/env bash
# npm run test:containers: the images built and the compose fleet run by a Docker
# engine (test/containers/*.test.ts). On a fresh Debian machine, as root, it installs
# and starts what it needs (prepare.sh). Arguments go to jest (e.g. -t 'Swagger').
#
# SKIP_CONTAINER_TEST=1 skips it, saying so, on a machine that cannot run containers.
# Nothing sets it for you: without it, an engine that cannot start fails the run.
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if [ -n "${SKIP_CONTAINER_TEST:-}" ]; then
  echo "containers: SKIPPED: SKIP_CONTAINER_TEST is set, so no image was built and no container run" >&2
  exit 0
fi

started=$(date +%s)
# shellcheck source=prepare.sh
source test/containers/prepare.sh
prepare_containers
prepared=$(date +%s)
echo "containers: prepared in $((prepared - started)) s"

rm -f test-output/containers/figures.json
status=0
npx jest --config jest.containers.config.js "$@" || status=$?
echo "containers: test ran $(($(date +%s) - prepared)) s; figures (test-output/containers/figures.json):"
cat test-output/containers/figures.json 2>/dev/null || echo "(none)"
exit "${status}"
