#!/usr/bin/env bash
# kubectl get output formats against built-ins: -o json, -o yaml, -o jsonpath, -o name,
# custom-columns, and the server-side tables (default and -o wide) for Deployment (READY,
# UP-TO-DATE, AVAILABLE), Service (CLUSTER-IP, PORT(S)), Secret (TYPE, DATA), ConfigMap;
# selectors; and kubectl get -w (plain and --output-watch-events) streaming changes.
source "$(dirname "$0")/lib.sh"
e2e_start --no-workloads   # printer columns of objects nobody reconciles: API server only
TD="$PROJECT_ROOT/tests/e2e/testdata/kubectl"
expect_ok "apply the app" kubectl apply -f "$TD/app-v1.yaml"
row() { kubectl get "$@" --no-headers | tr -s ' '; }
head_of() { kubectl get "$@" | head -1 | tr -s ' '; }

# -o json / yaml / jsonpath / name
json=$(kubectl get deploy web -o json)
expect_eq "$(echo "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["kind"], d["apiVersion"], d["metadata"]["name"], d["spec"]["replicas"])')" \
  "Deployment apps/v1 web 2" "-o json"
expect_contains "$(kubectl get cm web-config -o yaml)" "  greeting: hello" "-o yaml"
expect_contains "$(kubectl get cm web-config -o yaml)" "kind: ConfigMap" "-o yaml has the kind"
list=$(kubectl get cm,secret -l app=web -o json)
expect_eq "$(echo "$list" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["kind"], len(d["items"]), sorted(i["kind"] for i in d["items"]))')" \
  "List 2 ['ConfigMap', 'Secret']" "-o json of two kinds is a List"
expect_eq "$(kubectl get cm -l app=web -o jsonpath='{range .items[*]}{.metadata.name}={.data.mode}{"\n"}{end}')" "web-config=blue" "jsonpath range"
expect_eq "$(kubectl get deploy web -o jsonpath='{.spec.template.spec.containers[?(@.name=="nginx")].image}')" "nginx:1.25" "jsonpath filter"
expect_eq "$(kubectl get deploy,svc -l app=web -o name | sort | tr '\n' ' ')" "deployment.apps/web service/web " "-o name"
expect_eq "$(kubectl get svc web -o custom-columns=NAME:.metadata.name,PORT:.spec.ports[0].port --no-headers | tr -s ' ')" "web 80" "custom-columns"
expect_eq "$(kubectl get svc web -o go-template='{{.spec.type}}')" "ClusterIP" "go-template"

# Tables from the server.
expect_eq "$(head_of deploy)" "NAME READY UP-TO-DATE AVAILABLE AGE" "deployment header"
expect_eq "$(row deploy web | cut -d' ' -f1-4)" "web 0/2 0 0" "deployment row (no controllers run: nothing ready)"
expect_eq "$(head_of deploy -o wide)" "NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR" "deployment wide header"
expect_eq "$(row deploy web -o wide | cut -d' ' -f1-4,6-)" "web 0/2 0 0 nginx nginx:1.25 app=web" "deployment wide row"
ip=$(kubectl get svc web -o jsonpath='{.spec.clusterIP}')
expect_eq "$(head_of svc)" "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE" "service header"
expect_eq "$(row svc web | cut -d' ' -f1-5)" "web ClusterIP $ip <none> 80/TCP" "service row"
expect_eq "$(head_of svc -o wide)" "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE SELECTOR" "service wide header"
expect_eq "$(row svc web -o wide | cut -d' ' -f7)" "app=web" "service wide selector"
expect_eq "$(head_of secret)" "NAME TYPE DATA AGE" "secret header"
expect_eq "$(row secret web-secret | cut -d' ' -f1-3)" "web-secret Opaque 2" "secret row"
expect_eq "$(head_of cm web-config)" "NAME DATA AGE" "configmap header"
expect_eq "$(row cm web-config | cut -d' ' -f1-2)" "web-config 2" "configmap row"
expect_eq "$(row ns default | cut -d' ' -f1-2)" "default Active" "namespace row"
expect_eq "$(kubectl get deploy web --show-labels --no-headers | awk '{print $NF}')" "app=web" "--show-labels"
expect_eq "$(kubectl get cm -L app --no-headers -l app=web | awk '{print $1, $NF}')" "web-config web" "-L column"
expect_eq "$(kubectl get all -o name | sort | tr '\n' ' ')" "deployment.apps/web service/web " "get all"
expect_eq "$(kubectl get cm --field-selector metadata.name=web-config -o name)" "configmap/web-config" "field selector"
expect_fail "unsupported field selector refused" kubectl get cm --field-selector data.mode=blue
expect_contains "$OUT" 'field label not supported: data.mode' "field selector error (the real apiserver's wording)"
expect_fail "get of a missing object" kubectl get cm nope
expect_eq "$OUT" 'Error from server (NotFound): configmaps "nope" not found' "NotFound message"
expect_eq "$(kubectl get cm nope --ignore-not-found)" "" "--ignore-not-found"
expect_fail "unknown resource type" kubectl get frobnicators
expect_contains "$OUT" 'the server doesn'"'"'t have a resource type "frobnicators"' "unknown resource type message"
expect_eq "$(kubectl get --raw /api/v1/namespaces/default/configmaps/web-config | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["mode"])')" "blue" "get --raw"
expect_eq "$(kubectl get cm --chunk-size=1 -l app=web -o name)" "configmap/web-config" "chunked list"

# Watches: kubectl get -w prints the current list and then every change; with
# --output-watch-events it prefixes the event type.
W1="$E2E_TMP/watch1" W2="$E2E_TMP/watch2" W3="$E2E_TMP/watch3"
kubectl get cm -w >"$W1" 2>&1 & wp1=$!
kubectl get cm -w --output-watch-events >"$W2" 2>&1 & wp2=$!
kubectl get cm -w -o name --watch-only >"$W3" 2>&1 & wp3=$!
eventually_eq "1" "watch 1 listed the existing configmap" 10 grep -c '^web-config' "$W1"
eventually_eq "1" "watch 2 listed the existing configmap as ADDED" 10 grep -c '^ADDED *web-config' "$W2"
# Give the --watch-only watch time to register before changing things: the apiserver has no
# way to tell us it is listening, so poll the request log for its watch request.
watching() { admin GET /admin/v1/requests | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin)["items"] if r.get("verb")=="watch" and r.get("resource")=="configmaps"))'; }
eventually_eq "3" "three watch requests reached the server" 10 watching
expect_ok "create cm w" kubectl create cm w --from-literal=a=1
expect_ok "label cm w" kubectl label cm w color=red
expect_ok "delete cm w" kubectl delete cm w
eventually_eq "3" "plain watch shows w three times (add, modify, delete)" 10 grep -c '^w ' "$W1"
eventually_eq "ADDED MODIFIED DELETED" "watch events in order" 10 bash -c "grep -E '^[A-Z]+ +w ' '$W2' | awk '{print \$1}' | tr '\n' ' ' | sed 's/ \$//'"
eventually_eq "configmap/w configmap/w configmap/w" "-o name --watch-only shows only the changes" 10 bash -c "tr '\n' ' ' <'$W3' | sed 's/ \$//'"
expect_eq "$(head -1 "$W2" | tr -s ' ')" "EVENT NAME DATA AGE" "watch events header"
kill $wp1 $wp2 $wp3 2>/dev/null; wait $wp1 $wp2 $wp3 2>/dev/null

# A watch on one object by name (a metadata.name field selector on the wire), as JSON.
W4="$E2E_TMP/watch4"
kubectl get cm web-config -w -o json >"$W4" 2>&1 & wp4=$!
eventually_eq "1" "named watch printed the object" 10 grep -c '"name": "web-config"' "$W4"
expect_ok "change the watched object" kubectl annotate cm web-config seen=yes
expect_ok "change another object" kubectl create cm other
eventually_eq "1" "named watch saw the annotation" 10 grep -c '"seen": "yes"' "$W4"
expect_eq "$(grep -c '"name": "other"' "$W4")" "0" "named watch saw nothing else"
kill $wp4 2>/dev/null; wait $wp4 2>/dev/null
e2e_done
