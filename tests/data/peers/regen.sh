#!/usr/bin/env bash
# Regenerates the ContactCenters results that tests/peers.rs compares with:
#   bash tests/data/peers/regen.sh [PEERS_DIR]
# PEERS_DIR (the argument, or the variable of that name) is the peers'
# folder, which is not part of this repository: ../shared/peers beside the
# project root by default. Without it the script stops before touching any
# file here, and says so.
# Needs a Java runtime (PEERS_DIR/contactcenters/setup.sh installs one).
# ContactCenters seeds its streams itself, so a rerun gives the same files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
peers=${1:-${PEERS_DIR:-$(dirname "$root")/shared/peers}}
# Checked first: each results file is removed before ContactCenters
# rewrites it, so a missing runner would lose the kept results.
if [ ! -f "$peers/contactcenters/msk.sh" ]; then
  echo "regen.sh: no peers folder at $peers (no $peers/contactcenters/msk.sh)." >&2
  echo "  The peers (ContactCenters and its scripts) are not part of this repository;" >&2
  echo "  they sit beside it, in ../shared/peers by default. Point at them with" >&2
  echo "  bash tests/data/peers/regen.sh /path/to/peers  (or PEERS_DIR=/path/to/peers)" >&2
  exit 1
fi
for params in "$here"/*.cc.xml; do
  name=$(basename "$params" .cc.xml) # CENTER.POLICY
  out=$here/$name.cc-results.xml
  rm -f "$out" # ContactCenters will not overwrite a results file
  # (its report goes to stdout and its progress bar to stderr)
  bash "$peers/contactcenters/msk.sh" "$params" "$here/repsim.xml" "$out" \
    >/dev/null 2>"$out.log" || { cat "$out.log"; exit 1; }
  rm -f "$out.log"
  # The run's date, CPU time and file paths vary; the results do not.
  sed -i -e '/name="Experiment started on"/d' -e '/name="Total CPU time "/d' \
    -e 's|value="[^"]*/tests/data/peers/|value="tests/data/peers/|' "$out"
  echo "wrote $out"
done
