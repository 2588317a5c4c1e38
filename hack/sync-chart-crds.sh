#!/usr/bin/env bash
# hack/sync-chart-crds.sh — keeps the chart's CRDs (charts/justdriving-operator/crds/) byte-identical
# to the source of truth, crds/.
#   hack/sync-chart-crds.sh           copy crds/*.yaml into the chart (removing chart CRDs that no
#                                     longer exist in crds/)
#   hack/sync-chart-crds.sh --check   change nothing; exit 1 and name the files when they differ
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC="$ROOT/crds"
DST="$ROOT/charts/justdriving-operator/crds"

mode=sync
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "sync-chart-crds: unknown argument '$1' (use --check or nothing)" >&2; exit 2 ;;
esac

shopt -s nullglob
src_files=("$SRC"/*.yaml)
if [ ${#src_files[@]} -eq 0 ]; then
  echo "sync-chart-crds: no CRDs in $SRC" >&2
  exit 2
fi

differ=()
for f in "${src_files[@]}"; do
  name=$(basename "$f")
  if ! cmp -s "$f" "$DST/$name"; then
    differ+=("$name")
    [ "$mode" = sync ] && { mkdir -p "$DST"; cp "$f" "$DST/$name"; }
  fi
done
for f in "$DST"/*; do
  name=$(basename "$f")
  if [ ! -e "$SRC/$name" ]; then
    differ+=("$name (only in the chart)")
    [ "$mode" = sync ] && rm -f "$f"
  fi
done

if [ "$mode" = check ]; then
  if [ ${#differ[@]} -gt 0 ]; then
    echo "sync-chart-crds: charts/justdriving-operator/crds/ differs from crds/: ${differ[*]}" >&2
    echo "sync-chart-crds: run hack/sync-chart-crds.sh to copy them" >&2
    exit 1
  fi
  echo "sync-chart-crds: chart CRDs match crds/ (${#src_files[@]} files)"
else
  echo "sync-chart-crds: ${#differ[@]} file(s) updated in charts/justdriving-operator/crds/"
fi
