# tests/e2e/lib.sh — shared harness for end-to-end tests: starts a private kubesim, points real
# kubectl and helm at it through the kubeconfig kubesim writes, and offers small assertions.
#
#   source "$(dirname "$0")/lib.sh"
#   e2e_start                       # kubesim on a free port; KUBECONFIG exported
#   kubectl apply -f ...
#   expect_eq "$(kubectl get cm x -o jsonpath='{.data.a}')" "1" "configmap value"
#   operator_writes / expect_no_operator_writes_since BEFORE DESC   # kube-sim's accounting
#   e2e_done                        # prints "N passed, 0 failed" and exits non-zero on failures
#
# Environment: KUBESIM_BIN (set by ctest), PROJECT_ROOT; kubectl and helm are found through
# hack/tools.sh (the project-local tools folder first).
set -u
PROJECT_ROOT=${PROJECT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=../../hack/tools.sh
source "$PROJECT_ROOT/hack/tools.sh"
KUBESIM_BIN=${KUBESIM_BIN:-$PROJECT_ROOT/build/hack/kubesim/kubesim}
E2E_NAME=$(basename "$0" .sh)
E2E_TMP=$(mktemp -d "/tmp/e2e-$E2E_NAME.XXXXXX")
E2E_PASSED=0
E2E_FAILED=0
KUBESIM_PID=""

e2e_cleanup() {
  if [ -n "$KUBESIM_PID" ] && kill -0 "$KUBESIM_PID" 2>/dev/null; then
    kill "$KUBESIM_PID" 2>/dev/null
    wait "$KUBESIM_PID" 2>/dev/null
  fi
  rm -rf "$E2E_TMP"
}
trap e2e_cleanup EXIT

# Starts kubesim (extra arguments go to it) and waits until the kubeconfig is written and the
# server answers. Exports KUBESIM_URL, KUBESIM_TOKEN and, when kubesim serves the app simulator,
# APP_HTTP_URL and APP_HTTPS_URL.
e2e_start() {
  export HOME="$E2E_TMP/home"       # kubectl's discovery cache and helm's config stay private
  mkdir -p "$HOME"
  export KUBECONFIG="$E2E_TMP/kubeconfig"
  export HELM_CACHE_HOME="$E2E_TMP/helm/cache" HELM_CONFIG_HOME="$E2E_TMP/helm/config" HELM_DATA_HOME="$E2E_TMP/helm/data"
  "$KUBESIM_BIN" --listen 127.0.0.1:0 --kubeconfig-out "$KUBECONFIG" "$@" >"$E2E_TMP/kubesim.log" 2>&1 &
  KUBESIM_PID=$!
  for _ in $(seq 1 100); do
    if [ -s "$KUBECONFIG" ] && kubectl get --raw /readyz >/dev/null 2>&1; then
      KUBESIM_URL=$(sed -n 's/^kube-sim listening on //p' "$E2E_TMP/kubesim.log")
      KUBESIM_TOKEN=$(sed -n 's/^    token: //p' "$KUBECONFIG")
      APP_HTTP_URL=$(sed -n 's/^kube-sim app simulator on \(http:[^ ]*\) .*/\1/p' "$E2E_TMP/kubesim.log")
      APP_HTTPS_URL=$(sed -n 's/^kube-sim app simulator on .* and \(https:[^ ]*\)$/\1/p' "$E2E_TMP/kubesim.log")
      export KUBESIM_URL KUBESIM_TOKEN APP_HTTP_URL APP_HTTPS_URL
      return 0
    fi
    sleep 0.1
  done
  echo "kubesim did not start; its log:" >&2
  cat "$E2E_TMP/kubesim.log" >&2
  exit 1
}

pass() { E2E_PASSED=$((E2E_PASSED + 1)); echo "ok - $*"; }
fail() { E2E_FAILED=$((E2E_FAILED + 1)); echo "FAIL - $*" >&2; }

expect_eq() {  # actual expected description
  if [ "$1" == "$2" ]; then pass "$3"; else fail "$3: expected [$2], got [$1]"; fi
}
expect_contains() {  # haystack needle description
  if [[ "$1" == *"$2"* ]]; then pass "$3"; else fail "$3: expected to contain [$2], got [$1]"; fi
}
expect_not_contains() {
  if [[ "$1" != *"$2"* ]]; then pass "$3"; else fail "$3: expected not to contain [$2], got [$1]"; fi
}
# Runs a command that must succeed; its output is in $OUT.
expect_ok() {  # description command...
  local d=$1; shift
  if OUT=$("$@" 2>&1); then pass "$d"; else fail "$d: command failed: $* => $OUT"; fi
}
# Runs a command that must fail; its output is in $OUT.
expect_fail() {
  local d=$1; shift
  if OUT=$("$@" 2>&1); then fail "$d: command succeeded but should fail: $* => $OUT"; else pass "$d"; fi
}
# Polls a command until its output equals the expected value (timeout seconds, default 10).
eventually_eq() {  # expected description timeout command...
  local want=$1 d=$2 t=$3; shift 3
  local got=""
  for _ in $(seq 1 $((t * 10))); do
    got=$("$@" 2>&1) && [ "$got" == "$want" ] && { pass "$d"; return 0; }
    sleep 0.1
  done
  fail "$d: expected [$want] within ${t}s, last got [$got]"
}
# Calls a kube-sim admin endpoint: admin METHOD PATH [JSON-BODY]
admin() {
  local method=$1 path=$2 body=${3:-}
  curl -sS --cacert <(sed -n 's/^    certificate-authority-data: //p' "$KUBECONFIG" | base64 -d) \
    -H "Authorization: Bearer $KUBESIM_TOKEN" -H 'Content-Type: application/json' \
    -X "$method" ${body:+--data "$body"} "$KUBESIM_URL$path"
}

# The operator's writes so far (create, update, patch, delete; not its Lease renewals), from
# kube-sim's accounting of requests whose user agent starts with justdriving-operator.
operator_writes() {
  admin GET /admin/v1/accounting | python3 -c 'import json,sys
d=json.load(sys.stdin)
print(sum(r["count"] for r in d["requests"] if r["userAgent"].startswith("justdriving-operator") and r["verb"] in ("create","update","patch","delete") and not r["resource"].startswith("leases")))'
}
# Asserts that nothing was written since `before` (a count from operator_writes), and that the
# count is real: a failed read would give "" on both sides and pass for the wrong reason.
expect_no_operator_writes_since() {  # before description
  local before=$1 d=$2 now
  now=$(operator_writes)
  if ! [[ "$before" =~ ^[0-9]+$ ]] || [ "$before" -eq 0 ]; then
    fail "$d: the operator's writes were not counted (got [$before])"
  else
    expect_eq "$now" "$before" "$d"
  fi
}

e2e_done() {
  echo "$E2E_PASSED passed, $E2E_FAILED failed"
  if [ "$E2E_FAILED" -ne 0 ]; then
    echo "--- kubesim log ---" >&2
    tail -50 "$E2E_TMP/kubesim.log" >&2
    exit 1
  fi
  exit 0
}
