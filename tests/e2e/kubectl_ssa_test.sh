#!/usr/bin/env bash
# kubectl apply --server-side: create, re-apply, removal of a field the manager stops applying,
# a conflicting apply from another --field-manager (refused with the real conflict message),
# --force-conflicts taking ownership, shared ownership at equal values, managedFields shown by
# --show-managed-fields, and server-side apply of a custom resource.
source "$(dirname "$0")/lib.sh"
e2e_start
TD="$PROJECT_ROOT/tests/e2e/testdata/kubectl"
mf() {  # kind/name -> "manager:operation:fields" per managedFields entry
  kubectl get "$1" -o json --show-managed-fields | python3 -c '
import json, sys
def paths(d, pre=""):
    out = []
    for k, v in sorted(d.items()):
        if k == ".": continue
        p = pre + "." + k.split(":", 1)[1]
        out += paths(v, p) if v else [p]
    return out
for e in json.load(sys.stdin)["metadata"]["managedFields"]:
    print(e["manager"] + ":" + e["operation"] + ":" + ",".join(paths(e.get("fieldsV1", {}))))'
}

cm1='apiVersion: v1
kind: ConfigMap
metadata:
  name: ssa
  labels: {team: a}
data:
  a: "1"
  b: "2"'
expect_ok "server-side apply creates" kubectl apply --server-side -f - <<<"$cm1"
expect_eq "$OUT" "configmap/ssa serverside-applied" "create message"
expect_eq "$(kubectl get cm ssa -o jsonpath='{.data.a}/{.data.b}/{.metadata.labels.team}')" "1/2/a" "stored as applied"
expect_eq "$(mf cm/ssa)" "kubectl:Apply:.data.a,.data.b,.metadata.labels.team" "managedFields: kubectl owns what it applied"
expect_not_contains "$(kubectl get cm ssa -o yaml)" "managedFields" "-o yaml hides managedFields without --show-managed-fields"
expect_contains "$(kubectl get cm ssa -o yaml --show-managed-fields)" "managedFields" "-o yaml --show-managed-fields shows them"
expect_eq "$(kubectl get cm ssa -o jsonpath='{.metadata.annotations}')" "" "no last-applied annotation with server-side apply"
rv=$(kubectl get cm ssa -o jsonpath='{.metadata.resourceVersion}')
expect_ok "server-side re-apply" kubectl apply --server-side -f - <<<"$cm1"
expect_eq "$(kubectl get cm ssa -o jsonpath='{.metadata.resourceVersion}')" "$rv" "identical re-apply is a no-op"

# Another manager applies a different value for a field kubectl owns: conflict.
other='apiVersion: v1
kind: ConfigMap
metadata: {name: ssa}
data: {a: "9", c: "3"}'
expect_fail "conflicting apply is refused" kubectl apply --server-side --field-manager=other -f - <<<"$other"
expect_contains "$OUT" 'Apply failed with 1 conflict: conflict with "kubectl": .data.a' "conflict names manager and field"
expect_contains "$OUT" "--force-conflicts" "kubectl suggests --force-conflicts"
expect_eq "$(kubectl get cm ssa -o jsonpath='{.data.a}/{.data.c}')" "1/" "refused apply changed nothing"
expect_ok "--force-conflicts wins" kubectl apply --server-side --field-manager=other --force-conflicts -f - <<<"$other"
expect_eq "$(kubectl get cm ssa -o jsonpath='{.data.a}/{.data.b}/{.data.c}')" "9/2/3" "forced values stored, others kept"
expect_eq "$(mf cm/ssa)" "kubectl:Apply:.data.b,.metadata.labels.team
other:Apply:.data.a,.data.c" "ownership of .data.a moved to other"

# Equal values are shared, not conflicting.
expect_ok "apply the same value from a third manager" kubectl apply --server-side --field-manager=third -f - <<<'apiVersion: v1
kind: ConfigMap
metadata: {name: ssa}
data: {c: "3"}'
expect_contains "$(mf cm/ssa)" "third:Apply:.data.c" "third co-owns .data.c"
expect_contains "$(mf cm/ssa)" "other:Apply:.data.a,.data.c" "other still owns .data.c"

# kubectl drops a field from its configuration: the field goes (no one else owns it).
expect_ok "kubectl re-applies without b" kubectl apply --server-side -f - <<<'apiVersion: v1
kind: ConfigMap
metadata:
  name: ssa
  labels: {team: a}
data: {}'
expect_eq "$(kubectl get cm ssa -o jsonpath='{.data}')" '{"a":"9","c":"3"}' "field removed when its only applier drops it"

# An imperative update by another client shows up as an Update entry.
expect_ok "kubectl label (an update)" kubectl label cm ssa extra=yes
expect_contains "$(mf cm/ssa)" "kubectl-label:Update:.metadata.labels.extra" "label recorded as an Update by kubectl-label"

# A Deployment: defaults are not owned, a second apply with a changed image updates it.
dep='apiVersion: apps/v1
kind: Deployment
metadata: {name: ssa-web}
spec:
  replicas: 1
  selector: {matchLabels: {app: ssa-web}}
  template:
    metadata: {labels: {app: ssa-web}}
    spec:
      containers:
      - name: c
        image: busybox:1.36'
expect_ok "server-side apply a deployment" kubectl apply --server-side -f - <<<"$dep"
expect_ok "re-apply with a new image" kubectl apply --server-side -f - <<<"${dep/busybox:1.36/busybox:1.37}"
expect_eq "$(kubectl get deploy ssa-web -o jsonpath='{.spec.template.spec.containers[0].image}/{.metadata.generation}')" "busybox:1.37/2" "image changed, generation 2"
expect_fail "another manager changing replicas conflicts" kubectl apply --server-side --field-manager=hpa -f - <<<'apiVersion: apps/v1
kind: Deployment
metadata: {name: ssa-web}
spec: {replicas: 5}'
expect_contains "$OUT" 'conflict with "kubectl": .spec.replicas' "conflict on .spec.replicas"

# A custom resource.
expect_ok "apply the CRD" kubectl apply --server-side -f "$TD/widget-crd.yaml"
expect_ok "CRD established" kubectl wait --for condition=established --timeout=20s crd/widgets.e2e.example.com
expect_ok "server-side apply a widget" kubectl apply --server-side -f "$TD/widget-valid.yaml"
expect_eq "$(mf widget/w1)" "kubectl:Apply:.spec.color,.spec.owner,.spec.size,.spec.tags" "widget managed fields"
expect_fail "server-side apply of an invalid widget" kubectl apply --server-side -f "$TD/widget-invalid.yaml"
expect_contains "$OUT" "spec.size: Invalid value: 42" "SSA validation error names the field"
e2e_done
