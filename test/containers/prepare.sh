#!/usr/bin/env bash
# Everything the container test needs before it starts a fleet, on a fresh Debian
# machine as root, idempotently: the engine's packages, a running dockerd, local
# stand-ins for the public base images (no registry is reachable here), and the
# service images built by .cicd/.cicd.sh on the stand-in Node image.
#
# Sourced by run.sh, which then runs the test with the variables this sets:
#   NODE_IMAGE, MYSQL_IMAGE, PROMETHEUS_IMAGE   the base images (stand-ins unless given)
#   TIMER_IMAGE_TAG                             the tag .cicd/.cicd.sh just built
#
# Where a registry is reachable, give the official images instead and no stand-in is
# made for them (the engine pulls them):
#   NODE_IMAGE=node:20-alpine MYSQL_IMAGE=mysql:8.4 PROMETHEUS_IMAGE=prom/prometheus:v3.5.0 npm run test:containers
#
# Stand-ins are named after what went into them (recipe and host node version), so
# they are made once and reused by every later run; the service images reuse the
# engine's layer cache.
#
# Environment:
#   DEBIAN_MIRROR   where debootstrap fetches the base system (default: http://deb.debian.org/debian)
#   DOCKERD_LOG     where a dockerd this script starts writes (default: /var/log/timer-test-dockerd.log)

containers_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
standins_dir="${containers_dir}/standins"
repo_root="$(cd "${containers_dir}/../.." && pwd)"

prepare_started=${SECONDS}
say() { printf 'containers: [%3ds] %s\n' "$((SECONDS - prepare_started))" "$*"; }

# ------------------------------------------------------------------ packages

# Stand-ins are made only for the base images not given.
needs_standins() { [ -z "${NODE_IMAGE:-}" ] || [ -z "${MYSQL_IMAGE:-}" ] || [ -z "${PROMETHEUS_IMAGE:-}" ]; }

ensure_packages() {
  local missing=()
  # The engine's package, unless an engine answers already (a docker CLI alone is not one).
  if ! command -v docker >/dev/null 2>&1 || { ! command -v dockerd >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; }; then
    missing+=(docker.io)
  fi
  if ! command -v debootstrap >/dev/null 2>&1 && needs_standins; then missing+=(debootstrap); fi
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
  if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null 2>&1; then
    missing+=(docker-compose)
  fi
  if [ "${#missing[@]}" -eq 0 ]; then
    return
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ------------------------------------------------------------------ engine

ensure_engine() {
  if docker info >/dev/null 2>&1; then
    say "using the running Docker engine ($(docker version --format '{{.Server.Version}}'))"
    return
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    say "no Docker engine answers, and there is no dockerd here to start" >&2
    return 1
  fi
  local log="${DOCKERD_LOG:-/var/log/timer-test-dockerd.log}"
  say "starting dockerd (log: ${log})"
  # Its own session, so it outlives this script and keeps its images for the next run.
  setsid dockerd >"${log}" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then
      say "dockerd is up ($(docker version --format '{{.Server.Version}}'))"
      return
    fi
    sleep 1
  done
  say "dockerd did not come up within 60 s; the end of its log:" >&2
  tail -n 30 "${log}" >&2 || true
  return 1
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# A short digest of the files an image is made from, for its tag.
recipe_digest() { cat "$@" | sha256sum | cut -c1-12; }

# ------------------------------------------------------------------ stand-ins

# Debian bookworm, minimal, imported from a debootstrap tree: the base of the others.
ensure_debian() {
  # Named after this function's own text: changing the recipe makes a new image.
  DEBIAN_IMAGE="timer-standin/debian:bookworm-$(declare -f ensure_debian | sha256sum | cut -c1-12)"
  if image_exists "${DEBIAN_IMAGE}"; then
    return
  fi
  local tree
  tree="$(mktemp -d)"
  say "debootstrap bookworm (minbase) into ${tree}"
  debootstrap --variant=minbase bookworm "${tree}" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"${tree}.log" 2>&1 ||
    { tail -n 20 "${tree}.log" >&2; return 1; }
  # As the official slim images: no package lists, caches, documentation or translations,
  # and dpkg told to leave them out of later installs too.
  rm -rf "${tree}"/var/cache/apt/archives/*.deb "${tree}"/var/lib/apt/lists/* \
    "${tree}"/usr/share/doc/* "${tree}"/usr/share/man/* "${tree}"/usr/share/info/* "${tree}"/usr/share/locale/*
  cat >"${tree}/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
  tar -C "${tree}" -c . | docker import --change 'CMD ["bash"]' - "${DEBIAN_IMAGE}" >/dev/null
  rm -rf "${tree}" "${tree}.log"
  say "made ${DEBIAN_IMAGE}"
}

# The host's node and npm on that base, where the official Node image has them.
ensure_node() {
  if [ -n "${NODE_IMAGE:-}" ]; then return; fi
  local node npm_dir
  node="$(readlink -f "$(command -v node)")"
  npm_dir="$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)"
  NODE_IMAGE="timer-standin/node:$(node --version | tr -d v)-$(recipe_digest "${standins_dir}/node.Dockerfile" "${node}")"
  if image_exists "${NODE_IMAGE}"; then
    return
  fi
  local context
  context="$(mktemp -d)"
  cp "${node}" "${context}/node"
  cp -r "${npm_dir}" "${context}/npm"
  cp /etc/ssl/certs/ca-certificates.crt "${context}/ca-certificates.crt"
  cp "${standins_dir}/node.Dockerfile" "${context}/Dockerfile"
  say "building ${NODE_IMAGE}"
  docker build -q --build-arg "BASE_IMAGE=${DEBIAN_IMAGE}" -t "${NODE_IMAGE}" "${context}" >/dev/null
  rm -rf "${context}"
}

# The name of the stand-in for a base image (made from a Dockerfile in standins/ and
# the files beside it), into that variable, unless the caller named an image there.
name_standin() {
  local variable=$1 name=$2 dockerfile=$3
  shift 3
  if [ -z "${!variable:-}" ]; then
    printf -v "${variable}" 'timer-standin/%s:%s' "${name}" "$(recipe_digest "${standins_dir}/${dockerfile}" "$@")"
  fi
}

# Builds a stand-in on the Debian base unless it exists. An image the caller named
# instead is the engine's to pull.
build_standin() {
  local image=$1 dockerfile=$2
  if [[ "${image}" != timer-standin/* ]] || image_exists "${image}"; then
    return
  fi
  say "building ${image}"
  docker build -q --build-arg "BASE_IMAGE=${DEBIAN_IMAGE}" -f "${standins_dir}/${dockerfile}" \
    -t "${image}" "${standins_dir}" >/dev/null
  say "made ${image}"
}

# ------------------------------------------------------------------ the service images

build_service_images() {
  say "building the service images with .cicd/.cicd.sh on ${NODE_IMAGE}"
  NODE_IMAGE="${NODE_IMAGE}" "${repo_root}/.cicd/.cicd.sh" >/dev/null
  TIMER_IMAGE_TAG="$(node -p "require('${repo_root}/package.json').version")"
  local service
  for service in timer-api timer-controller; do
    say "${service}:${TIMER_IMAGE_TAG} is $(docker image inspect -f '{{.Size}}' "${service}:${TIMER_IMAGE_TAG}" |
      awk '{ printf "%.0f MB", $1 / 1e6 }')"
  done
}

prepare_containers() {
  ensure_packages
  ensure_engine
  if needs_standins; then ensure_debian; fi
  ensure_node
  name_standin MYSQL_IMAGE mariadb mariadb.Dockerfile "${standins_dir}/mariadb-entrypoint.sh"
  name_standin PROMETHEUS_IMAGE prometheus prometheus.Dockerfile
  say "base images: ${NODE_IMAGE}, ${MYSQL_IMAGE}, ${PROMETHEUS_IMAGE}"
  # The database and Prometheus stand-ins mostly wait on Debian's mirror, the service
  # images on the compiler: made side by side, a fresh machine saves a minute or two.
  build_standin "${MYSQL_IMAGE}" mariadb.Dockerfile &
  local mariadb=$!
  build_standin "${PROMETHEUS_IMAGE}" prometheus.Dockerfile &
  local prometheus=$!
  build_service_images
  wait "${mariadb}"
  wait "${prometheus}"
  export NODE_IMAGE MYSQL_IMAGE PROMETHEUS_IMAGE TIMER_IMAGE_TAG
}
