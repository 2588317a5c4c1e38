#!/usr/bin/env bash
# hack/check-image-libs.sh — checks, without a Docker engine, that a stage of the Dockerfile
# installs every shared library the given locally built binaries link:
#   1. every package the stage's `apt-get install` names exists in Debian (apt-cache show);
#   2. every library `ldd BINARY` resolves belongs (dpkg -S) to one of those packages or to one
#      of their recursive Depends (what apt installs with them).
# The machine must be Debian 12 like the image (same package names and versions). DOCKERFILE
# overrides the file checked.
#   hack/check-image-libs.sh operator build/operator/justdriving-operator
#   hack/check-image-libs.sh kubesim build/hack/kubesim/kubesim
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
stage=$1; shift

# The packages of the stage's `apt-get install` (between --no-install-recommends and &&).
mapfile -t packages < <(awk -v stage="$stage" '
  /^FROM / { in_stage = (tolower($NF) == tolower(stage)) ; next }
  in_stage && /apt-get install/ { grab = 1; sub(/.*--no-install-recommends/, "") }
  grab { line = $0; stop = (line ~ /&&/); sub(/&&.*/, "", line); gsub(/\\/, "", line)
         n = split(line, w, /[ \t]+/); for (i = 1; i <= n; i++) if (w[i] != "") print w[i]
         if (stop) grab = 0 }' "${DOCKERFILE:-$ROOT/Dockerfile}")
[ ${#packages[@]} -gt 0 ] || { echo "check-image-libs: no apt-get install in stage '$stage'" >&2; exit 2; }
echo "stage $stage installs: ${packages[*]}"

# The package that owns a library: dpkg knows files under the path it installed them to, which
# with the merged /usr may be the path ldd printed, the resolved one, or the /usr/lib twin.
owner_of() {
  local candidate
  for candidate in "$1" "$(readlink -f "$1")" "/usr$1" "$(dirname "$(readlink -f "$1")")/$(basename "$1")"; do
    dpkg -S "$candidate" 2>/dev/null | head -1 | cut -d: -f1 && return 0
  done
  return 0
}

failed=0
for p in "${packages[@]}"; do
  if ! apt-cache show --no-all-versions "$p" >/dev/null 2>&1; then
    echo "MISSING PACKAGE: $p is not in the Debian archive" >&2; failed=1
  fi
done
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances "${packages[@]}" 2>/dev/null | grep -v '^ ' | grep -v '^<' | sort -u)

for bin in "$@"; do
  while read -r lib path; do
    [ -n "$path" ] || continue
    owner=$(owner_of "$path")
    if [ -z "$owner" ]; then
      echo "UNOWNED: $(basename "$bin"): $lib ($path) belongs to no Debian package" >&2; failed=1
    elif grep -qx "$owner" <<<"$closure"; then
      echo "ok  $(basename "$bin"): $lib <- $owner"
    else
      echo "NOT INSTALLED: $(basename "$bin"): $lib comes from $owner, which stage $stage does not install" >&2
      failed=1
    fi
  done < <(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }')
done
exit $failed
