#!/usr/bin/env bash
# Builds the timer-api and timer-controller images from the repository root, tagged
# with the package version and the git short sha, and pushes them when REGISTRY is set.
#
#   .cicd/.cicd.sh                                    # build only: timer-api:0.1.0, timer-api:3f2c1ab, ...
#   REGISTRY=registry.example.com/timer .cicd/.cicd.sh  # build and push registry.example.com/timer/timer-api:...
#
# Environment:
#   REGISTRY      registry (and path) to prefix the image names with and push to; unset: no push
#   NODE_IMAGE    the Node base image of both (default: the Dockerfiles' own, node:20-alpine);
#                 any official Node 20 image works, e.g. node:20-bookworm-slim, or a mirror's copy
#   DOCKER        the docker CLI to use (default: docker)
#   BUILD_ARGS    extra arguments for every `docker build`, word-split (e.g. "--pull --no-cache")
#
# Log in to the registry (docker login) before running it with REGISTRY set.
set -Eeuo pipefail

step="starting"
on_error() {
  local status=$? line=$1 command=$2
  echo "cicd: FAILED while ${step} (exit ${status} at line ${line}: ${command})" >&2
  exit "${status}"
}
trap 'on_error "${LINENO}" "${BASH_COMMAND}"' ERR

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${root}"

DOCKER="${DOCKER:-docker}"
REGISTRY="${REGISTRY:-}"
REGISTRY="${REGISTRY%/}"
read -r -a build_args <<<"${BUILD_ARGS:-}"
if [[ -n "${NODE_IMAGE:-}" ]]; then
  build_args+=(--build-arg "NODE_IMAGE=${NODE_IMAGE}")
fi

step="reading the version from package.json"
version="$(node -p "require('./package.json').version")"
[[ -n "${version}" && "${version}" != "undefined" ]] || { echo "cicd: package.json has no version" >&2; false; }

step="reading the git short sha"
sha="$(git rev-parse --short HEAD)"
if [[ -n "$(git status --porcelain --untracked-files=no)" ]]; then
  # The sha tag must name exactly what was built; a dirty tree would make it lie.
  sha="${sha}-dirty"
fi

prefix=""
if [[ -n "${REGISTRY}" ]]; then
  prefix="${REGISTRY}/"
fi

revision="$(git rev-parse HEAD)"
services=(timer-api timer-controller)

# Build everything before pushing anything, so a failed build never leaves a
# release half pushed.
for service in "${services[@]}"; do
  image="${prefix}${service}"
  step="building ${service} (${service}/Dockerfile)"
  echo "cicd: building ${image}:${version} and ${image}:${sha} on ${NODE_IMAGE:-the default Node image}"
  "${DOCKER}" build \
    --file "${service}/Dockerfile" \
    --tag "${image}:${version}" \
    --tag "${image}:${sha}" \
    --label "org.opencontainers.image.title=${service}" \
    --label "org.opencontainers.image.version=${version}" \
    --label "org.opencontainers.image.revision=${revision}" \
    "${build_args[@]}" \
    .
done

if [[ -z "${REGISTRY}" ]]; then
  echo "cicd: built ${version} and ${sha}; REGISTRY is not set, so nothing was pushed"
  exit 0
fi

for service in "${services[@]}"; do
  for tag in "${version}" "${sha}"; do
    step="pushing ${prefix}${service}:${tag}"
    "${DOCKER}" push "${prefix}${service}:${tag}"
    echo "cicd: pushed ${prefix}${service}:${tag}"
  done
done
