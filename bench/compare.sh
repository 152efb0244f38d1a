#!/usr/bin/env bash
# Compares the benchmark figures of two revisions on this machine:
#
#   bench/compare.sh [--quick] [--runs N] BEFORE AFTER      e.g. bench/compare.sh main issue-13
#
# Checks each revision out into its own temporary worktree, installs and builds
# it, then runs `npm run bench -- burst`, `-- steady` and `-- fleet` N times
# (default 3) for each, alternating the two revisions run by run (and which goes
# first), so that drift in the machine's load falls on both alike. Prints the
# median of each figure for each revision and the change. Run it on a quiet
# machine: the figures are only comparable within one run of this script.
# --quick passes --quick to the benchmarks (a smoke test of the script, not figures).
set -euo pipefail

runs=3
quick=()
revs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=(--quick) ;;
    --runs) runs="$2"; shift ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) revs+=("$1") ;;
  esac
  shift
done
if [ "${#revs[@]}" -ne 2 ]; then
  echo "usage: bench/compare.sh [--quick] [--runs N] BEFORE AFTER" >&2
  exit 2
fi

repo="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
work="$(mktemp -d "${TMPDIR:-/tmp}/bench-compare.XXXXXX")"
results="$work/results.jsonl"
cleanup() {
  for side in before after; do
    [ -d "$work/$side" ] && git -C "$repo" worktree remove --force "$work/$side" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

sides=(before after)
for i in 0 1; do
  side="${sides[$i]}"
  rev="${revs[$i]}"
  echo "==> $side: $rev ($(git -C "$repo" rev-parse --short "$rev"))" >&2
  git -C "$repo" worktree add --detach "$work/$side" "$rev" >/dev/null
  (cd "$work/$side" && npm ci --no-audit --no-fund >/dev/null 2>&1 && npm run build >/dev/null && npx tsc -p bench >/dev/null)
done

for run in $(seq 1 "$runs"); do
  for scenario in burst steady fleet; do
    order=(before after)
    if [ $((run % 2)) -eq 0 ]; then order=(after before); fi
    for side in "${order[@]}"; do
      echo "==> run $run/$runs: $scenario on $side" >&2
      line="$(cd "$work/$side" && node bench/dist/bench/run.js "${quick[@]}" "$scenario" | grep "\"scenario\":\"$scenario\"")"
      printf '{"side":"%s","run":%s,"result":%s}\n' "$side" "$run" "$line" >>"$results"
    done
  done
done

node - "$results" "${revs[0]}" "${revs[1]}" <<'NODE'
const fs = require('fs');
const [file, before, after] = process.argv.slice(2);
const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const figures = {
  burst: { 'fires/s': (r) => r.fires_per_second, 'lateness p99 ms': (r) => r.lateness_ms.p99 },
  steady: { 'lateness p50 ms': (r) => r.lateness_ms.p50, 'lateness p99 ms': (r) => r.lateness_ms.p99 },
  fleet: { 'fired/s': (r) => r.fired_per_second, 'lateness p50 ms': (r) => r.lateness_ms.p50, 'lateness p99 ms': (r) => r.lateness_ms.p99 },
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const lost = rows.filter((r) => Number(r.result.missing ?? 0) > 0 || Number(r.result.duplicates ?? 0) > 0);
console.log(`scenario  figure            ${before.padStart(12)} ${after.padStart(12)}   change   (median of ${rows.length / 6} runs each)`);
for (const [scenario, named] of Object.entries(figures)) {
  for (const [name, pick] of Object.entries(named)) {
    const of = (side) => median(rows.filter((r) => r.side === side && r.result.scenario === scenario).map((r) => pick(r.result)));
    const [b, a] = [of('before'), of('after')];
    const change = b === 0 ? 'n/a' : `${(((a - b) / b) * 100).toFixed(1)} %`;
    console.log(`${scenario.padEnd(9)} ${name.padEnd(17)} ${String(b).padStart(12)} ${String(a).padStart(12)}   ${change}`);
  }
}
if (lost.length > 0) {
  console.log(`${lost.length} run(s) lost or duplicated timers: ${JSON.stringify(lost.map((r) => [r.side, r.result.scenario]))}`);
  process.exitCode = 1;
}
NODE
