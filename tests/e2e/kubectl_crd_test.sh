#!/usr/bin/env bash
# kubectl against a CustomResourceDefinition: client-side apply of a CRD with a structural schema,
# printer columns, a short name, categories and the status subresource; wait for Established;
# valid and invalid objects; tables (default and wide) through the short name, "all" and the
# category; kubectl explain from the published OpenAPI v3 schema.
source "$(dirname "$0")/lib.sh"
e2e_start
TD="$PROJECT_ROOT/tests/e2e/testdata/kubectl"

expect_ok "apply the CRD" kubectl apply -f "$TD/widget-crd.yaml"
expect_contains "$OUT" "customresourcedefinition.apiextensions.k8s.io/widgets.e2e.example.com created" "apply says created"
expect_ok "wait for Established" kubectl wait --for condition=established --timeout=20s crd/widgets.e2e.example.com
expect_contains "$OUT" "condition met" "wait reports condition met"
expect_eq "$(kubectl get crd widgets.e2e.example.com -o jsonpath='{.status.acceptedNames.shortNames[0]}/{.status.acceptedNames.categories[*]}')" \
  "wdg/all gizmos" "accepted names carry the short name and categories"
expect_ok "re-apply the CRD unchanged" kubectl apply -f "$TD/widget-crd.yaml"
expect_contains "$OUT" "widgets.e2e.example.com unchanged" "CRD re-apply is unchanged"

expect_ok "apply a valid Widget" kubectl apply -f "$TD/widget-valid.yaml"
expect_contains "$OUT" "widget.e2e.example.com/w1 created" "widget created"
expect_eq "$(kubectl get widget w1 -o jsonpath='{.spec.size}/{.spec.color}/{.spec.tags[*]}/{.metadata.generation}')" "3/blue/alpha beta/1" "stored as applied"

# An object breaking the schema is refused with a message naming every bad field.
expect_fail "an invalid Widget is refused" kubectl apply -f "$TD/widget-invalid.yaml"
expect_contains "$OUT" 'The Widget "bad" is invalid' "error names the object"
expect_contains "$OUT" 'spec.size: Invalid value: 42: spec.size in body should be less than or equal to 10' "error names spec.size"
expect_contains "$OUT" 'spec.color: Unsupported value: "purple": supported values: "red", "green", "blue"' "error names spec.color"
expect_fail "the invalid Widget was not stored" kubectl get widget bad
expect_fail "a Widget without the required size is refused" kubectl create -f - <<'Y'
apiVersion: e2e.example.com/v1
kind: Widget
metadata: {name: nosize}
spec: {color: red}
Y
expect_contains "$OUT" 'spec.size: Required value' "error names the missing field"
# Unknown fields: kubectl asks for strict field validation by default.
expect_fail "an unknown field is refused (strict validation)" kubectl create -f - <<'Y'
apiVersion: e2e.example.com/v1
kind: Widget
metadata: {name: extra}
spec: {size: 2, flavour: mint}
Y
expect_contains "$OUT" 'unknown field "spec.flavour"' "error names the unknown field"
# Defaulting from the schema.
expect_ok "create a Widget relying on the default color" kubectl create -f - <<'Y'
apiVersion: e2e.example.com/v1
kind: Widget
metadata: {name: w2}
spec: {size: 7}
Y
expect_eq "$(kubectl get wdg w2 -o jsonpath='{.spec.color}')" "red" "schema default applied"
# The status subresource: status in the main resource is ignored.
expect_ok "apply with a status stanza" kubectl apply -f - <<'Y'
apiVersion: e2e.example.com/v1
kind: Widget
metadata: {name: w3}
spec: {size: 1}
status: {conditions: [{type: Ready, status: "True"}]}
Y
expect_eq "$(kubectl get wdg w3 -o jsonpath='{.status}')" "" "status is not written through the main resource"

# Tables: printer columns through the short name.
tbl=$(kubectl get wdg)
expect_eq "$(echo "$tbl" | head -1 | tr -s ' ')" "NAME SIZE COLOR READY AGE" "short name: header has the printer columns"
expect_eq "$(echo "$tbl" | awk '$1=="w1"{print $2"/"$3}')" "3/blue" "short name: row has size and color"
expect_eq "$(echo "$tbl" | tail -n +2 | wc -l | tr -d ' ')" "3" "three rows"
wide=$(kubectl get wdg -o wide)
expect_eq "$(echo "$wide" | head -1 | tr -s ' ')" "NAME SIZE COLOR READY OWNER AGE" "wide adds the priority-1 column"
expect_eq "$(echo "$wide" | awk '$1=="w1"{print $2"/"$3"/"$4}')" "3/blue/team-a" "wide row shows the owner (READY is empty)"
expect_eq "$(kubectl get wdg --no-headers -o custom-columns=N:.metadata.name,S:.spec.size | tr -s ' ' | sort | tr '\n' ';')" "w1 3;w2 7;w3 1;" "custom columns"
expect_eq "$(kubectl get wdg -l nothing=here 2>&1)" "No resources found in default namespace." "empty selection message"
expect_eq "$(kubectl get wdg --sort-by=.spec.size -o name | tr '\n' ' ')" "widget.e2e.example.com/w3 widget.e2e.example.com/w1 widget.e2e.example.com/w2 " "sort by spec.size"

# Categories: "all" and the CRD's own category.
all=$(kubectl get all)
expect_contains "$all" "widget.e2e.example.com/w1" "get all lists widgets (category all)"
expect_contains "$(echo "$all" | grep -m1 'NAME' | tr -s ' ')" "NAME SIZE COLOR READY AGE" "get all uses the widget printer columns"
expect_eq "$(kubectl get gizmos -o name | sort | tr '\n' ' ')" "widget.e2e.example.com/w1 widget.e2e.example.com/w2 widget.e2e.example.com/w3 " "get by category"
expect_contains "$(kubectl api-resources --api-group=e2e.example.com)" "wdg" "api-resources shows the short name"

# kubectl explain, from /openapi/v3.
expect_ok "explain widget.spec" kubectl explain widget.spec
expect_contains "$OUT" "WidgetSpec is the desired state of a Widget." "explain shows the spec description"
expect_contains "$OUT" "Size of the widget, from 1 to 10." "explain shows the size description"
expect_contains "$OUT" "size	<integer> -required-" "explain marks size required"
expect_contains "$OUT" "Color paints the widget." "explain shows color's description"
expect_ok "explain widget (short name)" kubectl explain wdg
expect_contains "$OUT" "Widget is a test resource for the kubectl end-to-end suite." "explain shows the kind description"
expect_ok "explain --recursive" kubectl explain widget.status --recursive
expect_contains "$OUT" "lastTransitionTime" "recursive explain reaches nested fields"

# Deleting the CRD removes its objects and its API.
expect_ok "delete the CRD" kubectl delete -f "$TD/widget-crd.yaml"
eventually_eq "" "widgets API gone" 10 bash -c "kubectl api-resources --api-group=e2e.example.com -o name 2>/dev/null"
e2e_done
