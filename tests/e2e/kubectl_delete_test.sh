#!/usr/bin/env bash
# kubectl delete --cascade=background|foreground|orphan of an owner with dependents (linked by
# ownerReferences set through kubectl apply), finalizers holding a deletion, kubectl delete ns
# removing its contents, and kubectl wait (--for=condition on a custom resource whose status is
# set through --subresource=status, --for=delete, --for=jsonpath).
source "$(dirname "$0")/lib.sh"
e2e_start
TD="$PROJECT_ROOT/tests/e2e/testdata/kubectl"

# owner NAME, then dependents NAME... of it (ConfigMaps, ownerReferences by uid).
family() {
  local owner=$1; shift
  kubectl create configmap "$owner" >/dev/null || return 1
  local uid; uid=$(kubectl get cm "$owner" -o jsonpath='{.metadata.uid}')
  for d in "$@"; do
    kubectl apply -f - >/dev/null <<Y || return 1
apiVersion: v1
kind: ConfigMap
metadata:
  name: $d
  ownerReferences:
  - {apiVersion: v1, kind: ConfigMap, name: $owner, uid: $uid, blockOwnerDeletion: true}
Y
  done
}
names() { kubectl get cm -o name "$@" 2>/dev/null | grep -v kube-root-ca | sort | tr '\n' ' ' | sed 's/ $//'; }

expect_ok "background family" family bg bg-a bg-b
expect_eq "$(kubectl get cm bg-a -o jsonpath='{.metadata.ownerReferences[0].name}')" "bg" "ownerReference stored"
expect_ok "delete --cascade=background" kubectl delete cm bg --cascade=background
expect_eq "$OUT" 'configmap "bg" deleted' "delete message"
eventually_eq "" "background: dependents collected" 10 names bg-a bg-b

expect_ok "orphan family" family or or-a or-b
expect_ok "delete --cascade=orphan" kubectl delete cm or --cascade=orphan
eventually_eq "configmap/or-a configmap/or-b" "orphan: dependents kept" 10 names or-a or-b
eventually_eq "" "orphan: ownerReferences removed from dependents" 10 kubectl get cm or-a -o jsonpath='{.metadata.ownerReferences}'
expect_fail "orphan: the owner is gone" kubectl get cm or

# Foreground: a dependent with a finalizer keeps the owner waiting (deletionTimestamp set,
# foregroundDeletion finalizer) until the dependent is gone.
expect_ok "foreground family" family fg fg-a fg-b
expect_ok "fg-b gets a finalizer" kubectl patch cm fg-b --type merge -p '{"metadata":{"finalizers":["e2e.example.com/hold"]}}'
expect_ok "delete --cascade=foreground --wait=false" kubectl delete cm fg --cascade=foreground --wait=false
eventually_eq "foregroundDeletion" "foreground: owner carries the foregroundDeletion finalizer" 10 kubectl get cm fg -o jsonpath='{.metadata.finalizers[*]}'
expect_contains "$(kubectl get cm fg -o jsonpath='{.metadata.deletionTimestamp}')" "T" "foreground: owner has a deletionTimestamp"
eventually_eq "configmap/fg-b" "foreground: fg-a deleted, fg-b held by its finalizer" 10 names fg-a fg-b
expect_contains "$(kubectl get cm fg-b -o jsonpath='{.metadata.deletionTimestamp}')" "T" "fg-b is terminating"
expect_ok "owner still present while a dependent remains" kubectl get cm fg
expect_ok "release fg-b's finalizer" kubectl patch cm fg-b --type json -p '[{"op":"remove","path":"/metadata/finalizers"}]'
eventually_eq "" "foreground: dependents and owner gone" 10 names fg fg-a fg-b
expect_ok "foreground delete that waits" bash -c "$(declare -f family); family fw fw-a && kubectl delete cm fw --cascade=foreground --timeout=20s"
expect_eq "$(names fw fw-a)" "" "kubectl delete --cascade=foreground returned after everything was gone"

# Namespace deletion removes the contents.
expect_ok "create namespace" kubectl create namespace doomed
expect_ok "content in the namespace" kubectl apply -n doomed -f "$TD/app-v1.yaml"
expect_ok "delete the namespace (waits)" kubectl delete ns doomed --timeout=30s
expect_eq "$OUT" 'namespace "doomed" deleted' "namespace delete message"
expect_fail "namespace gone" kubectl get ns doomed
expect_eq "$(kubectl get deploy,svc,cm,secret -n doomed -o name 2>&1)" "" "namespace contents gone"
expect_ok "terminating namespace refuses new content" bash -c '
  kubectl create ns slow >/dev/null && kubectl create cm held -n slow >/dev/null &&
  kubectl patch cm held -n slow --type merge -p "{\"metadata\":{\"finalizers\":[\"e2e.example.com/hold\"]}}" >/dev/null &&
  kubectl delete ns slow --wait=false >/dev/null && ! kubectl create cm late -n slow 2>/tmp/late.$$; r=$?; cat /tmp/late.$$; rm -f /tmp/late.$$; exit $r'
expect_contains "$OUT" 'forbidden: unable to create new content in namespace slow because it is being terminated' "create in a terminating namespace"
expect_eq "$(kubectl get ns slow -o jsonpath='{.status.phase}')" "Terminating" "namespace Terminating while content is held"
expect_ok "release the held configmap" kubectl patch cm held -n slow --type merge -p '{"metadata":{"finalizers":null}}'
expect_ok "wait for the namespace to go" kubectl wait --for=delete ns/slow --timeout=20s

# kubectl wait on a custom resource.
expect_ok "apply the CRD" kubectl apply -f "$TD/widget-crd.yaml"
expect_ok "CRD established" kubectl wait --for condition=established --timeout=20s crd/widgets.e2e.example.com
expect_ok "apply a widget" kubectl apply -f "$TD/widget-valid.yaml"
kubectl wait --for=condition=Ready widget/w1 --timeout=30s >"$E2E_TMP/wait.out" 2>&1 &
waiter=$!
# The waiter must already be waiting; then the status changes.
expect_fail "not Ready yet" kubectl wait --for=condition=Ready widget/w1 --timeout=1s
expect_contains "$OUT" "timed out waiting for the condition on widgets/w1" "wait times out while the condition is absent"
expect_ok "set Ready through the status subresource" kubectl patch widget w1 --subresource=status --type merge \
  -p '{"status":{"conditions":[{"type":"Ready","status":"True","reason":"Tested","message":"ok","lastTransitionTime":"2024-01-01T00:00:00Z"}]}}'
wait "$waiter"
expect_eq "$?" "0" "kubectl wait --for=condition=Ready returned success"
expect_eq "$(cat "$E2E_TMP/wait.out")" "widget.e2e.example.com/w1 condition met" "wait output"
expect_ok "wait --for=jsonpath" kubectl wait --for=jsonpath='{.spec.size}'=3 widget/w1 --timeout=10s
expect_ok "wait --for=condition=Ready=false on a False condition" bash -c "kubectl patch widget w1 --subresource=status --type merge -p '{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"}]}}' >/dev/null && kubectl wait --for=condition=Ready=false widget/w1 --timeout=10s"
kubectl wait --for=delete widget/w1 --timeout=30s >"$E2E_TMP/wait-del.out" 2>&1 &
waiter=$!
# Delete only once the waiter watches (else it finds nothing to wait for and prints nothing).
watches() { admin GET /admin/v1/requests | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin)["items"] if r["verb"]=="watch" and r["resource"]=="widgets.e2e.example.com"))'; }
before=$(watches)
eventually_eq "$((before + 1))" "kubectl wait --for=delete is watching" 10 watches
expect_ok "delete the widget" kubectl delete widget w1 --wait=false
wait "$waiter"
expect_eq "$?" "0" "kubectl wait --for=delete returned success"
expect_eq "$(cat "$E2E_TMP/wait-del.out")" "widget.e2e.example.com/w1 condition met" "wait --for=delete output"
expect_ok "wait --for=delete of something already gone" kubectl wait --for=delete widget/w1 --timeout=5s
e2e_done
