#!/usr/bin/env bash
# The simulator's speed goals, measured side by side with the peers in one run.
#
#   bash benches/peers.sh            # from the project root; ROUNDS=3 by default
#   ROUNDS=5 SKIP_100M=1 bash benches/peers.sh
#   PEERS_DIR=/path/to/peers bash benches/peers.sh
#
# The peers (SimPy, Ciw and ContactCenters, their scripts and setup.sh) are
# not in this repository: they live in a folder beside it, PEERS_DIR,
# ../shared/peers by default (relative to the project root). Without it the
# script stops at once and says so. The binaries are built into
# $CARGO_TARGET_DIR if set, else target/.
#
# Runs `examples/mmn` (perf profile) alternating with `examples/mmn_floor` (the
# same queue as a bare loop with no router: the floor any simulator pays) and
# SimPy, then Ciw and ContactCenters (if a Java runtime is present) once each,
# on M/M/100 at L=95, M=1, H=20000, with and without abandonment (θ=0.5); then
# the default multi-skill center under optimal assignment (`examples/sim_speed`,
# five runs of 30 replications); then 100 million contacts in one run with its
# peak memory.
# Ends with medians and the ratios the issue's goals are stated in. Timings on
# shared machines move by ±30% within minutes: only same-run ratios mean much.
set -euo pipefail
# Paths given relative to where the script was started from mean that
# folder, not the project root the script moves to.
absolute() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
[ -n "${PEERS_DIR:-}" ] && PEERS_DIR=$(absolute "$PEERS_DIR")
[ -n "${CARGO_TARGET_DIR:-}" ] && export CARGO_TARGET_DIR=$(absolute "$CARGO_TARGET_DIR")
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
peers=${PEERS_DIR:-$(dirname "$PWD")/shared/peers}
if [ ! -f "$peers/setup.sh" ]; then
  echo "peers.sh: no peers folder at $peers (no $peers/setup.sh)." >&2
  echo "  The peers (SimPy, Ciw, ContactCenters and their setup.sh) are not part of" >&2
  echo "  this repository; they sit beside it, in ../shared/peers by default." >&2
  echo "  Point at them with PEERS_DIR=/path/to/peers bash benches/peers.sh" >&2
  exit 1
fi
bin=${CARGO_TARGET_DIR:-target}/perf/examples
PY=$(bash "$peers/setup.sh" | tail -1)
cargo build -q --profile perf --example mmn --example mmn_floor --example sim_speed
log=$(mktemp)
A=(--arrival-rate 95 --service-rate 1 --agents 100 --horizon 20000)

run() { # label, command...: one JSON line, tagged
  local label=$1
  shift
  printf '%s\t%s\n' "$label" "$("$@")" | tee -a "$log"
}

for case in plain abandon; do
  ab=()
  [ "$case" = abandon ] && ab=(--abandon-rate 0.5)
  for ((r = 1; r <= rounds; r++)); do
    run "$case skillroute" "$bin"/mmn "${A[@]}" "${ab[@]}"
    run "$case floor" "$bin"/mmn_floor "${A[@]}" "${ab[@]}"
    run "$case simpy" "$PY" "$peers/mmn_simpy.py" "${A[@]}" "${ab[@]}"
  done
  run "$case skillroute" "$bin"/mmn "${A[@]}" "${ab[@]}"
  run "$case ciw" "$PY" "$peers/mmn_ciw.py" "${A[@]}" "${ab[@]}"
  if command -v java >/dev/null 2>&1; then
    run "$case skillroute" "$bin"/mmn "${A[@]}" "${ab[@]}"
    run "$case contactcenters" bash "$peers/contactcenters/run.sh" "${A[@]}" "${ab[@]}"
  fi
done
for _ in 1 2 3 4 5; do
  run "center skillroute" "$bin"/sim_speed --reps 30 --policy optimal-assignment
done
if [ -z "${SKIP_100M:-}" ]; then
  # 1,053,000 s at 95/s: 100 million arrivals.
  out=$(mktemp)
  /usr/bin/time -f '%M' -o "$out.rss" "$bin"/mmn --arrival-rate 95 \
    --service-rate 1 --agents 100 --horizon 1053000 --abandon-rate 0.5 >"$out"
  line=$(cat "$out")
  printf '100M skillroute\t%s\n' "${line%\}}, \"peak_rss_kb\": $(cat "$out.rss")}" | tee -a "$log"
  rm -f "$out" "$out.rss"
fi

"$PY" - "$log" <<'EOF'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, js = line.rstrip("\n").split("\t", 1)
    rows.setdefault(label, []).append(json.loads(js))
def med(label, key="contacts_per_second"):
    xs = [r[key] for r in rows.get(label, [])]
    return (statistics.median(xs), min(xs), max(xs), len(xs)) if xs else None
print()
print("case     tool            contacts/s median (min-max, runs)   p_wait   p_abandon  vs skillroute")
for case in ("plain", "abandon"):
    ours = med(f"{case} skillroute")
    for tool in ("skillroute", "floor", "simpy", "ciw", "contactcenters"):
        m = med(f"{case} {tool}")
        if not m:
            continue
        r = rows[f"{case} {tool}"][0]
        ratio = "" if tool == "skillroute" else f"{ours[0] / m[0]:.1f}x"
        print(f"{case:8} {tool:15} {m[0]:>12,.0f} ({m[1]:,.0f}-{m[2]:,.0f}, {m[3]})"
              f"   {r['p_wait']:.4f}   {r['p_abandon']:.5f}   {ratio}")
for case in ("plain", "abandon"):
    floor, simpy = med(f"{case} floor"), med(f"{case} simpy")
    if floor and simpy:
        # What the 100x goal asks, against the bare loop that has no router.
        print(f"{case:8} 100x SimPy is {100 * simpy[0] / floor[0]:.0%} of the floor's speed")
c = med("center skillroute")
if c:
    print(f"center   optimal-assign. {c[0]:>12,.0f} ({c[1]:,.0f}-{c[2]:,.0f}, {c[3]})   goal 1,000,000")
    lo, hi = med("center skillroute", "contacts_per_second_p10"), med("center skillroute", "contacts_per_second_p90")
    if lo and hi:
        # The machine's slow and fast phases, as the replications met them.
        print(f"         replications' own speeds, median p10 {lo[0]:,.0f}, p90 {hi[0]:,.0f}")
for r in rows.get("100M skillroute", []):
    print(f"100M     skillroute      {r['contacts_per_second']:>12,.0f}   {r['contacts']:,} contacts"
          f" in {r['seconds']:.1f} s, peak RSS {r['peak_rss_kb'] / 1024:.1f} MB (goal < 100 MB)")
EOF
rm -f "$log"
