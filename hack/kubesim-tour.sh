#!/usr/bin/env bash
# hack/kubesim-tour.sh — a tour of kube-sim, the project's local
# Kubernetes cluster: it starts one, applies sample manifests with the real kubectl (a CRD,
# a namespace, config, a Secret, a Deployment, a Service, an Ingress, custom resources), shows
# them as kubectl prints them, shows an invalid object being refused, streams a change with
# `kubectl get -w`, installs a chart with the real helm, then lets the simulated workloads run:
# a rollout, the app answering by the image that serves, a broken release, a release stopped at
# its progress deadline, `kubectl rollout undo`, and a migration Job. The operator demo is
# hack/demo.sh (environment onboarding, a release rolled out, a bad one reverted).
#   hack/kubesim-tour.sh           # run the tour, stop kube-sim at the end
#   hack/kubesim-tour.sh --keep    # leave kube-sim running; prints the KUBECONFIG to use
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
KEEP=0
[ "${1:-}" == "--keep" ] && KEEP=1

hack/install-deps.sh >/dev/null
source hack/tools.sh
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
echo "==> building kube-sim"
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} >/dev/null
cmake --build "$BUILD_DIR" --target kubesim -j "$(nproc)" >/dev/null

STATE=$(mktemp -d /tmp/justdriving-demo.XXXXXX)
export KUBECONFIG="$STATE/kubeconfig" HOME_ORIG="$HOME" HOME="$STATE/home"
mkdir -p "$HOME"
"$BUILD_DIR/hack/kubesim/kubesim" --listen 127.0.0.1:0 --kubeconfig-out "$KUBECONFIG" \
  --scenarios hack/demo/scenarios.yaml >"$STATE/kubesim.log" 2>&1 &
PID=$!
cleanup() {
  if [ $KEEP -eq 0 ]; then kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$STATE"; fi
}
trap cleanup EXIT
for _ in $(seq 1 100); do [ -s "$KUBECONFIG" ] && kubectl get --raw /readyz >/dev/null 2>&1 && break; sleep 0.1; done

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "kube-sim is up: $(sed -n 's/^kube-sim listening on //p' "$STATE/kubesim.log")"
run kubectl version
run kubectl get namespaces

step "Apply a CRD, wait until it is served"
run kubectl apply -f hack/demo/02-crd.yaml
run kubectl wait --for condition=established crd/drivinglessons.demo.kubesim.io --timeout=10s

step "Apply the sample application manifests"
run kubectl apply -f hack/demo/01-namespace.yaml
run kubectl apply -f hack/demo/03-app.yaml

step "kubectl get shows the printer columns (defaults applied by the schema: minutes 60, vehicle manual)"
run kubectl -n school-demo get lesson
run kubectl -n school-demo get deploy,svc,cm,secret -o wide

step "An invalid object is refused, naming each bad field"
run kubectl apply -f hack/demo/04-invalid-lesson.yaml || true

step "kubectl explain reads the CRD's schema"
run kubectl explain drivinglesson.spec

step "kubectl get -w streams changes"
kubectl -n school-demo get lesson -w --output-watch-events >"$STATE/watch.txt" 2>&1 &
WATCH=$!
sleep 1
run kubectl -n school-demo patch lesson lesson-bram --type merge -p '{"spec":{"minutes":120}}'
run kubectl -n school-demo delete lesson lesson-anna
sleep 1
kill $WATCH 2>/dev/null || true
wait $WATCH 2>/dev/null || true
cat "$STATE/watch.txt"

step "A stale update is refused (optimistic concurrency)"
kubectl -n school-demo get cm justdriving-config -o yaml >"$STATE/cm.yaml"
run kubectl -n school-demo patch cm justdriving-config --type merge -p '{"data":{"BOOKING_REMINDER_HOURS":"48"}}'
run kubectl replace -f "$STATE/cm.yaml" || true

step "helm installs a chart (its release record travels as protobuf)"
run helm install demo tests/e2e/testdata/helm/demo-chart -n school-demo --set replicas=1
run helm list -n school-demo
run kubectl -n school-demo get deploy,svc -l app.kubernetes.io/instance=demo

APP=$(sed -n 's/^kube-sim app simulator on \(http:[^ ]*\) .*/\1/p' "$STATE/kubesim.log")
app() { printf '$ curl -H "Host: app.school.example" %s%s\n' "$APP" "$1"; curl -s -w '   [HTTP %{http_code}]\n' -H 'Host: app.school.example' "$APP$1"; }

step "Workloads: kube-sim's controllers roll the Deployment out (scenarios: hack/demo/scenarios.yaml)"
run kubectl -n school-demo rollout status deploy/web --timeout=60s
run kubectl -n school-demo get deploy,rs,pods -l app.kubernetes.io/component=web
app /login

step "A migration Job runs to completion"
run kubectl apply -f hack/demo/05-migration.yaml
run kubectl -n school-demo wait --for=condition=complete job/migrate-2-14-0 --timeout=60s
run kubectl -n school-demo get job migrate-2-14-0

step "Release 2.15.0 rolls out fine, but its login page is broken (what the operator's health checks will catch)"
run kubectl -n school-demo set image deploy/web app=registry.example.com/justdriving/app:2.15.0
run kubectl -n school-demo rollout status deploy/web --timeout=60s
app /login

step "Release 2.16.0 never gets ready: the old pods keep serving and the progress deadline stops it"
run kubectl -n school-demo set image deploy/web app=registry.example.com/justdriving/app:2.16.0
run kubectl -n school-demo rollout status deploy/web --timeout=60s || true
run kubectl -n school-demo get deploy web
app /login

step "kubectl rollout undo --to-revision=1 puts 2.14.0 back"
run kubectl -n school-demo rollout undo deploy/web --to-revision=1
echo "(As on a real cluster, 'rollout status' right after undoing a failed rollout can still read the stale"
echo " ProgressDeadlineExceeded condition, so wait on the counts.)"
for _ in $(seq 1 300); do
  [ "$(kubectl -n school-demo get deploy web -o jsonpath='{.status.updatedReplicas}/{.status.availableReplicas}/{.status.replicas}')" == "3/3/3" ] && break
  sleep 0.2
done
run kubectl -n school-demo get deploy web
app /login
run kubectl -n school-demo get events --field-selector involvedObject.name=web --sort-by=.lastTimestamp

step "What kube-sim counted (kube-sim's accounting endpoint, by verb)"
TOKEN=$(sed -n 's/^    token: //p' "$KUBECONFIG")
URL=$(sed -n 's/^kube-sim listening on //p' "$STATE/kubesim.log")
curl -s --cacert <(sed -n 's/^    certificate-authority-data: //p' "$KUBECONFIG" | base64 -d) -H "Authorization: Bearer $TOKEN" "$URL/admin/v1/accounting" |
  python3 -c 'import json,sys,collections
c=collections.Counter()
for r in json.load(sys.stdin)["requests"]: c[r["verb"]]+=r["count"]
print("  ".join(f"{k}={v}" for k,v in sorted(c.items())))'

if [ $KEEP -eq 1 ]; then
  step "kube-sim keeps running (pid $PID). Use it with: export KUBECONFIG=$KUBECONFIG"
else
  step "Done. (hack/demo.sh --keep leaves kube-sim running.)"
fi
