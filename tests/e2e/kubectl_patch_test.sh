#!/usr/bin/env bash
# kubectl patch (strategic — the default —, merge and json; strategic on a custom resource
# refused with the real error), --subresource=status; kubectl replace with a stale
# resourceVersion (conflict) and with the current one; kubectl create / label / annotate; an
# Event created from a file, read back with kubectl get events and kubectl events.
source "$(dirname "$0")/lib.sh"
e2e_start
TD="$PROJECT_ROOT/tests/e2e/testdata/kubectl"
expect_ok "apply the app" kubectl apply -f "$TD/app-v1.yaml"
img() { kubectl get deploy web -o jsonpath='{range .spec.template.spec.containers[*]}{.name}={.image};{end}'; }

# Strategic merge (default): containers merge by name.
expect_ok "strategic patch adds a sidecar" kubectl patch deploy web -p '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox:1.36"}]}}}}'
expect_eq "$OUT" "deployment.apps/web patched" "patched message"
expect_eq "$(img)" "side=busybox:1.36;nginx=nginx:1.25;" "strategic merge kept nginx, added side"
expect_ok "strategic patch changes one container by name" kubectl patch deploy web --type strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}}}'
expect_eq "$(img)" "side=busybox:1.36;nginx=nginx:1.27;" "only nginx's image changed"
expect_ok "strategic \$patch: delete" kubectl patch deploy web -p '{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}'
expect_eq "$(img)" "nginx=nginx:1.27;" "sidecar removed by \$patch: delete"
expect_ok "no-op strategic patch" kubectl patch deploy web -p '{"spec":{"replicas":2}}'
expect_eq "$OUT" "deployment.apps/web patched (no change)" "no-op patch says (no change)"

# Merge patch: lists are replaced wholesale; null deletes.
expect_ok "merge patch" kubectl patch cm web-config --type merge -p '{"data":{"mode":null,"extra":"x"}}'
expect_eq "$(kubectl get cm web-config -o jsonpath='{.data}')" '{"extra":"x","greeting":"hello"}' "merge patch set and deleted keys"
expect_ok "merge patch replaces the env list" kubectl patch deploy web --type merge -p '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}'
expect_eq "$(kubectl get deploy web -o jsonpath='{.spec.template.spec.containers[0].env}')" "" "merge patch replaced the containers list (env gone)"

# JSON patch.
expect_ok "json patch" kubectl patch deploy web --type json -p '[{"op":"replace","path":"/spec/replicas","value":4},{"op":"add","path":"/metadata/labels/tier","value":"web"}]'
expect_eq "$(kubectl get deploy web -o jsonpath='{.spec.replicas}/{.metadata.labels.tier}')" "4/web" "json patch applied both operations"
expect_fail "json patch with a failing test op" kubectl patch deploy web --type json -p '[{"op":"test","path":"/spec/replicas","value":9},{"op":"replace","path":"/spec/replicas","value":1}]'
expect_contains "$OUT" "The request is invalid" "failed test op is refused"
expect_eq "$(kubectl get deploy web -o jsonpath='{.spec.replicas}')" "4" "a failed json patch changes nothing"
expect_fail "invalid value through a patch" kubectl patch deploy web --type merge -p '{"spec":{"replicas":-1}}'
expect_contains "$OUT" 'spec.replicas: Invalid value: -1: must be greater than or equal to 0' "validation applies to patches"
expect_fail "patch of a missing object" kubectl patch cm nope -p '{"data":{"a":"b"}}'
expect_contains "$OUT" 'configmaps "nope" not found' "patch NotFound"

# Custom resources: strategic merge is not supported; merge and json are.
expect_ok "apply the CRD" kubectl apply -f "$TD/widget-crd.yaml"
expect_ok "CRD established" kubectl wait --for condition=established --timeout=20s crd/widgets.e2e.example.com
expect_ok "apply a widget" kubectl apply -f "$TD/widget-valid.yaml"
expect_fail "strategic patch on a custom resource" kubectl patch widget w1 -p '{"spec":{"size":4}}'
expect_contains "$OUT" 'error: application/strategic-merge-patch+json is not supported by e2e.example.com/v1, Kind=Widget: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml' "the real unsupported-media-type error"
expect_ok "merge patch on a custom resource" kubectl patch widget w1 --type merge -p '{"spec":{"size":4}}'
expect_ok "json patch on a custom resource" kubectl patch widget w1 --type json -p '[{"op":"add","path":"/spec/tags/-","value":"gamma"}]'
expect_eq "$(kubectl get widget w1 -o jsonpath='{.spec.size}/{.spec.tags[*]}/{.metadata.generation}')" "4/alpha beta gamma/3" "custom resource patched, generation counts spec changes"
expect_fail "schema validation on a patched custom resource" kubectl patch widget w1 --type merge -p '{"spec":{"size":0}}'
expect_contains "$OUT" 'spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1' "patch validated against the schema"
expect_ok "status patch through --subresource=status" kubectl patch widget w1 --subresource=status --type merge -p '{"status":{"conditions":[{"type":"Ready","status":"True"}]},"spec":{"size":9}}'
expect_eq "$(kubectl get widget w1 -o jsonpath='{.status.conditions[0].type}={.status.conditions[0].status}/{.spec.size}/{.metadata.generation}')" "Ready=True/4/3" "status written, spec through status ignored, generation unchanged"
expect_eq "$(kubectl get wdg w1 --no-headers | awk '{print $4}')" "True" "READY printer column reads the condition"

# replace: a stale resourceVersion conflicts; the current one succeeds.
kubectl get cm web-config -o yaml >"$E2E_TMP/cm.yaml"
expect_ok "someone else changes the configmap" kubectl annotate cm web-config changed=yes
sed -i 's/greeting: hello/greeting: bonjour/' "$E2E_TMP/cm.yaml"
expect_fail "replace with a stale resourceVersion" kubectl replace -f "$E2E_TMP/cm.yaml"
expect_eq "$OUT" 'Error from server (Conflict): error when replacing "'"$E2E_TMP/cm.yaml"'": Operation cannot be fulfilled on configmaps "web-config": the object has been modified; please apply your changes to the latest version and try again' "conflict message"
expect_eq "$(kubectl get cm web-config -o jsonpath='{.data.greeting}')" "hello" "stale replace changed nothing"
kubectl get cm web-config -o yaml | sed 's/greeting: hello/greeting: bonjour/' >"$E2E_TMP/cm2.yaml"
expect_ok "replace with the current resourceVersion" kubectl replace -f "$E2E_TMP/cm2.yaml"
expect_eq "$OUT" "configmap/web-config replaced" "replaced message"
expect_eq "$(kubectl get cm web-config -o jsonpath='{.data.greeting}/{.metadata.annotations.changed}')" "bonjour/yes" "replace stored the new data"
grep -v resourceVersion "$E2E_TMP/cm2.yaml" | sed 's/bonjour/salut/' >"$E2E_TMP/cm3.yaml"
expect_ok "replace without a resourceVersion (unconditional)" kubectl replace -f "$E2E_TMP/cm3.yaml"
expect_eq "$(kubectl get cm web-config -o jsonpath='{.data.greeting}')" "salut" "unconditional replace"
expect_ok "replace --force (delete and re-create)" kubectl replace --force -f "$E2E_TMP/cm3.yaml"
expect_contains "$OUT" 'configmap "web-config" deleted' "replace --force deletes"
expect_contains "$OUT" "configmap/web-config replaced" "replace --force re-creates"
expect_fail "replace of a missing object" kubectl replace -f - <<<'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ghost"}}'
expect_contains "$OUT" 'configmaps "ghost" not found' "replace NotFound"

# create / label / annotate.
expect_ok "kubectl create configmap" kubectl create configmap made --from-literal=k=v
expect_eq "$OUT" "configmap/made created" "create message"
expect_fail "create again" kubectl create configmap made --from-literal=k=v
expect_eq "$OUT" 'error: failed to create configmap: configmaps "made" already exists' "AlreadyExists message"
# Typed create subcommands send protobuf bodies.
expect_ok "kubectl create deployment" kubectl create deployment made --image=nginx:1.25 --replicas=2 --port=80
expect_eq "$(kubectl get deploy made -o jsonpath='{.spec.replicas}/{.spec.selector.matchLabels.app}/{.spec.template.spec.containers[0].image}/{.spec.template.spec.containers[0].ports[0].containerPort}')" "2/made/nginx:1.25/80" "created deployment"
expect_ok "kubectl create service nodeport" kubectl create service nodeport made --tcp=80:8080
expect_eq "$(kubectl get svc made -o jsonpath='{.spec.type}/{.spec.ports[0].port}/{.spec.ports[0].targetPort}')" "NodePort/80/8080" "created service"
expect_ok "kubectl create job" kubectl create job made --image=busybox:1.36 -- echo hi
expect_eq "$(kubectl get job made -o jsonpath='{.spec.template.spec.containers[0].command[*]}/{.spec.template.spec.restartPolicy}')" "echo hi/Never" "created job"
expect_ok "kubectl create serviceaccount" kubectl create serviceaccount made
expect_ok "kubectl create role" kubectl create role made --verb=get,list --resource=configmaps
expect_eq "$(kubectl get role made -o jsonpath='{.rules[0].verbs[*]}/{.rules[0].resources[*]}')" "get list/configmaps" "created role"
expect_ok "kubectl create rolebinding" kubectl create rolebinding made --role=made --serviceaccount=default:made
expect_ok "kubectl create -f" kubectl create -f - <<<'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"made2"},"data":{"a":"1"}}'
expect_ok "label" kubectl label cm made env=test
expect_fail "label without --overwrite" kubectl label cm made env=prod
expect_contains "$OUT" "'env' already has a value (test), and --overwrite is false" "label refuses to overwrite"
expect_ok "label --overwrite" kubectl label cm made env=prod --overwrite
expect_ok "label by selector" kubectl label cm -l env=prod reviewed=true
expect_eq "$(kubectl get cm made -o jsonpath='{.metadata.labels}')" '{"env":"prod","reviewed":"true"}' "labels"
expect_ok "remove a label" kubectl label cm made reviewed-
expect_ok "annotate" kubectl annotate cm made owner=me
expect_ok "remove an annotation" kubectl annotate cm made owner-
expect_eq "$(kubectl get cm made -o jsonpath='{.metadata.labels}|{.metadata.annotations}')" '{"env":"prod"}|' "label and annotation removed"

# Events.
expect_ok "create an Event from a file" kubectl create -f - <<'Y'
apiVersion: v1
kind: Event
metadata: {name: web-config.e2e}
involvedObject: {apiVersion: v1, kind: ConfigMap, name: web-config, namespace: default}
reason: Tested
message: the e2e suite looked at this
type: Warning
firstTimestamp: "2024-01-01T00:00:00Z"
lastTimestamp: "2024-01-01T00:00:00Z"
count: 3
source: {component: e2e-suite}
Y
ev=$(kubectl get events)
expect_eq "$(echo "$ev" | head -1 | tr -s ' ')" "LAST SEEN TYPE REASON OBJECT MESSAGE" "get events header"
expect_contains "$(echo "$ev" | tr -s ' ')" "Warning Tested configmap/web-config the e2e suite looked at this" "get events row"
wide=$(kubectl get events -o wide | tr -s ' ')
expect_eq "$(echo "$wide" | head -1)" "LAST SEEN TYPE REASON OBJECT SUBOBJECT SOURCE MESSAGE FIRST SEEN COUNT NAME" "get events -o wide header"
expect_contains "$wide" "configmap/web-config e2e-suite the e2e suite looked at this" "wide row has the source"
expect_contains "$wide" " 3 web-config.e2e" "wide row has count and name"
expect_eq "$(kubectl get events --field-selector reason=Tested -o jsonpath='{.items[0].count}')" "3" "events field selector"
expect_eq "$(kubectl get events --field-selector involvedObject.name=nothing -o name)" "" "events field selector on involvedObject"
evs=$(kubectl events)
expect_eq "$(echo "$evs" | head -1 | tr -s ' ')" "LAST SEEN TYPE REASON OBJECT MESSAGE" "kubectl events header"
expect_contains "$(echo "$evs" | tr -s ' ')" "Warning Tested ConfigMap/web-config the e2e suite looked at this" "kubectl events row"
expect_contains "$(kubectl events --for configmap/web-config --types=Warning | tr -s ' ')" "Tested" "kubectl events --for --types"
expect_eq "$(kubectl get events.events.k8s.io web-config.e2e -o jsonpath='{.regarding.name}/{.note}/{.reportingController}')" "web-config/the e2e suite looked at this/e2e-suite" "the same Event through events.k8s.io/v1"
e2e_done
