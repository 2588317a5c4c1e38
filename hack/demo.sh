#!/usr/bin/env bash
# hack/demo.sh — the README's demo command: the Just Driving operator on kube-sim.
#
#   1. kube-sim starts (with simulated workloads and the app simulator), the CRDs are applied and
#      justdriving-operator starts (leader election on, JSON logs in the state folder);
#   2. a new environment is onboarded: staging of the school "school-demo" (config, per-environment
#      secrets, TLS), checked, waiting for its first release;
#   3. release 1 (2.14.0) migrates once, rolls out web -> workers -> scheduler -> websockets, passes
#      its health probes; the environment's smoke tests pass and it opens to users;
#   4. release 2 (2.15.0, shipped with a config change) migrates and rolls out, but its login page
#      answers 500: the probes catch it and the operator reverts image AND config automatically;
#   5. the timeline of each release, the Events, the signed webhooks received, and the API calls
#      each release cost (kube-sim's accounting).
#
#   hack/demo.sh           # run the demo, stop everything at the end
#   hack/demo.sh --keep    # leave kube-sim and the operator running; prints the KUBECONFIG
# The older kube-sim-only tour is hack/kubesim-tour.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
KEEP=0
[ "${1:-}" == "--keep" ] && KEEP=1
DEMO=hack/demo/operator
NS=school-demo

hack/install-deps.sh >/dev/null
source hack/tools.sh
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
echo "==> building kube-sim and the operator (first run: a few minutes)"
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} >/dev/null
cmake --build "$BUILD_DIR" --target kubesim justdriving-operator -j "$(nproc)" >/dev/null

STATE=$(mktemp -d /tmp/justdriving-demo.XXXXXX)
export KUBECONFIG="$STATE/kubeconfig" HOME="$STATE/home" JD_EXAMPLE_CA_DIR="$STATE/ca"
mkdir -p "$HOME"
PIDS=()
cleanup() {
  if [ $KEEP -eq 0 ]; then
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$STATE"
  fi
}
trap cleanup EXIT

"$BUILD_DIR/hack/kubesim/kubesim" --listen 127.0.0.1:0 --kubeconfig-out "$KUBECONFIG" \
  --scenarios $DEMO/scenarios.yaml >"$STATE/kubesim.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$KUBECONFIG" ] && kubectl get --raw /readyz >/dev/null 2>&1 && break; sleep 0.1; done
APP_HTTP=$(sed -n 's/^kube-sim app simulator on http:\/\/\([^ ]*\) and https:\/\/\(.*\)$/\1/p' "$STATE/kubesim.log")
APP_HTTPS=$(sed -n 's/^kube-sim app simulator on http:\/\/\([^ ]*\) and https:\/\/\(.*\)$/\2/p' "$STATE/kubesim.log")
KUBESIM_URL=$(sed -n 's/^kube-sim listening on //p' "$STATE/kubesim.log")
KUBESIM_TOKEN=$(sed -n 's/^    token: //p' "$KUBECONFIG")

bold() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
admin() {
  curl -sS --cacert <(sed -n 's/^    certificate-authority-data: //p' "$KUBECONFIG" | base64 -d) \
    -H "Authorization: Bearer $KUBESIM_TOKEN" "$KUBESIM_URL$1"
}
# The operator's API calls so far, by verb ("get=12 list=9 ...") and in total.
operator_calls() {
  admin /admin/v1/accounting | python3 -c 'import json,sys,collections
c=collections.Counter()
for r in json.load(sys.stdin)["requests"]:
    if r["userAgent"].startswith("justdriving-operator"): c[r["verb"]]+=r["count"]
print(sum(c.values()), " ".join(f"{k}={v}" for k,v in sorted(c.items())))'
}
calls_between() {  # "total verbs" before, after -> the difference by verb
  python3 - "$1" "$2" <<'PY'
import sys, collections
def parse(s):
    parts = s.split()
    return collections.Counter({k: int(v) for k, v in (p.split("=") for p in parts[1:])})
a, b = parse(sys.argv[1]), parse(sys.argv[2])
d = b - a
print(f"{sum(d.values())} API calls: " + " ".join(f"{k}={v}" for k, v in sorted(d.items())))
PY
}
# Prints a release's phase changes as they happen until it reaches one of the final phases.
follow_release() {  # name final-phase... ; prints "+  3.2s  Migrating   <message>"
  local name=$1; shift
  local start last="" phase msg
  start=$(date +%s.%N)
  for _ in $(seq 1 1500); do
    phase=$(kubectl -n $NS get jdr "$name" -o jsonpath='{.status.phase}' 2>/dev/null || true)
    if [ -n "$phase" ] && [ "$phase" != "$last" ]; then
      msg=$(kubectl -n $NS get jdr "$name" -o jsonpath='{.status.conditions[?(@.type=="Ready")].message}' 2>/dev/null || true)
      printf '  +%6.1fs  %-12s %s\n' "$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN{print a-b}')" "$phase" "${msg:0:110}"
      last=$phase
    fi
    for f in "$@"; do [ "$phase" == "$f" ] && return 0; done
    sleep 0.1
  done
  echo "  (gave up waiting after 150 s; phase $last)"
  return 1
}
timeline() {  # the steps the release recorded in its status
  kubectl -n $NS get jdr "$1" -o json | python3 -c 'import json,sys
s=json.load(sys.stdin).get("status",{})
for st in s.get("steps",[]):
    print("  {:<14} {:<10} {:<22} {:<22} {}".format(st.get("name",""), st.get("state",""), st.get("startedAt",""), st.get("finishedAt",""), st.get("message","")[:70]))
h=s.get("health",[])
if h: print("  health: " + "; ".join("{} {}x ok {}x failed last {} ({} ms){}".format(c["name"], c.get("passes",0), c.get("failures",0), c.get("lastStatus",""), c.get("lastLatencyMs",""), (" - "+c["lastError"]) if c.get("lastError") else "") for c in h))'
}
login() {
  printf '$ curl -H "Host: staging.school-demo.example" http://%s/login\n' "$APP_HTTP"
  curl -s -w '   [HTTP %{http_code}]\n' -H 'Host: staging.school-demo.example' "http://$APP_HTTP/login"
}

bold "kube-sim is up at $KUBESIM_URL (app traffic: http://$APP_HTTP, https://$APP_HTTPS)"
run kubectl apply -f crds/
run kubectl wait --for condition=established --timeout=10s crd/justdrivingenvironments.justdriving.io crd/justdrivingreleases.justdriving.io
kubectl create namespace jd-system >/dev/null

WEBHOOK_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 $DEMO/webhook-receiver.py "$WEBHOOK_PORT" staging-webhook-hmac-key-example >"$STATE/webhooks.log" 2>&1 &
PIDS+=($!)

bold "Start justdriving-operator (leader election on; logs: $STATE/operator.log)"
JD_APP_HTTP_ADDRESS=$APP_HTTP JD_APP_HTTPS_ADDRESS=$APP_HTTPS POD_NAME=justdriving-operator-0 \
  "$BUILD_DIR/operator/justdriving-operator" --kubeconfig "$KUBECONFIG" --leader-elect \
  --leader-election-namespace jd-system --metrics-bind-address 127.0.0.1:0 \
  --health-probe-bind-address 127.0.0.1:0 --log-format json --max-concurrent-reconciles 2 \
  >"$STATE/operator.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do
  HEALTH=$(sed -n 's/.*"msg":"serving health probes".*"port":"\([0-9]*\)".*/\1/p' "$STATE/operator.log" | head -1)
  [ -n "$HEALTH" ] && curl -sf "http://127.0.0.1:$HEALTH/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
run curl -s "http://127.0.0.1:$HEALTH/readyz"
run kubectl -n jd-system get lease

bold "A new environment: staging of school-demo (own secrets, test payment keys, TLS)"
run kubectl apply -f docs/examples/00-namespace.yaml
echo '$ hack/examples/make-tls.sh school-demo staging-tls staging.school-demo.example | kubectl apply -f -'
hack/examples/make-tls.sh $NS staging-tls staging.school-demo.example | kubectl apply -f -
run kubectl apply -f docs/examples/01-config.yaml -f docs/examples/02-secrets-staging.yaml
sed "s/WEBHOOK_PORT/$WEBHOOK_PORT/" $DEMO/environment.yaml | kubectl apply -f -
for _ in $(seq 1 100); do [ "$(kubectl -n $NS get jde staging -o jsonpath='{.status.phase}')" == "Onboarding" ] && break; sleep 0.1; done
run kubectl -n $NS get jde
kubectl -n $NS get jde staging -o json | python3 -c 'import json,sys
for c in json.load(sys.stdin)["status"]["conditions"]:
    print("  {:<17} {:<6} {:<20} {}".format(c["type"], c["status"], c["reason"], c["message"][:90]))'

bold "Release 1: 2.14.0 (a destructive migration, with its plan)"
CALLS0=$(operator_calls)
run kubectl apply -f $DEMO/release-2.14.0.yaml
follow_release staging-2-14-0 Succeeded Failed RolledBack Blocked
CALLS1=$(operator_calls)
echo "Steps recorded in status:"
timeline staging-2-14-0
for _ in $(seq 1 300); do [ "$(kubectl -n $NS get jde staging -o jsonpath='{.status.phase}')" == "Ready" ] && break; sleep 0.1; done
echo "The environment ran its smoke tests against 2.14.0 and opened to users:"
run kubectl -n $NS get jde,jdr
run kubectl -n $NS get jobs
run kubectl -n $NS get deploy
login

bold "Release 2: 2.15.0, with a config change (BOOKING_REMINDER_HOURS 24 -> 48) and a broken login page"
run kubectl -n $NS patch configmap justdriving-config --type merge -p '{"data":{"BOOKING_REMINDER_HOURS":"48"}}'
run kubectl apply -f $DEMO/release-2.15.0.yaml
follow_release staging-2-15-0 RolledBack Failed Succeeded Blocked
CALLS2=$(operator_calls)
echo "Steps recorded in status:"
timeline staging-2-15-0
run kubectl -n $NS get jdr staging-2-15-0 -o jsonpath='{.status.failureReason}{"\n"}{.status.rolledBackTo}{"\n"}'
echo "Every component runs 2.14.0 again, with 2.14.0's config snapshot:"
kubectl -n $NS get deploy -o custom-columns='DEPLOYMENT:.metadata.name,IMAGE:.spec.template.spec.containers[0].image,CONFIG:.spec.template.metadata.annotations.justdriving\.io/config-snapshot,READY:.status.readyReplicas'
run kubectl -n $NS get configmap staging-2-14-0-config staging-2-15-0-config -o custom-columns='NAME:.metadata.name,IMMUTABLE:.immutable,BOOKING_REMINDER_HOURS:.data.BOOKING_REMINDER_HOURS'
login
run kubectl -n $NS get jde,jdr

bold "Events of the releases"
kubectl -n $NS get events --sort-by=.lastTimestamp -o custom-columns='TYPE:.type,REASON:.reason,OBJECT:.involvedObject.name,MESSAGE:.message' |
  grep -E 'staging-2-1[45]-0 ' | cut -c1-160

bold "Deployment notifications received (signed with HMAC-SHA256)"
sleep 1
cat "$STATE/webhooks.log"

bold "What each release cost in API calls (kube-sim's accounting of the operator's requests)"
echo "  release 1 (2.14.0, succeeded):   $(calls_between "$CALLS0" "$CALLS1")"
echo "  release 2 (2.15.0, rolled back): $(calls_between "$CALLS1" "$CALLS2")"

if [ $KEEP -eq 1 ]; then
  bold "Still running. export KUBECONFIG=$KUBECONFIG ; operator log: $STATE/operator.log"
else
  bold "Done. (hack/demo.sh --keep leaves kube-sim and the operator running.)"
fi
