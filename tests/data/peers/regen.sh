#!/usr/bin/env bash
# Regenerates the ContactCenters results that tests/peers.rs compares with:
#   bash tests/data/peers/regen.sh [PEERS_DIR]      (default ../shared/peers)
# Needs a Java runtime (PEERS_DIR/contactcenters/setup.sh installs one).
# ContactCenters seeds its streams itself, so a rerun gives the same files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
peers=${1:-$here/../../../../shared/peers}
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
