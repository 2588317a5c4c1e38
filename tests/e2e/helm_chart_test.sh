#!/usr/bin/env bash
# The operator's Helm chart (charts/justdriving-operator) with the real helm against kube-sim,
# workloads on (the operator's pods are simulated and become Ready; no operator process runs):
# its CRDs match crds/; lint is clean; it renders in both RBAC modes (all namespaces: a
# ClusterRole; watchNamespaces: a Role per namespace and nothing cluster-wide); the schema refuses
# bad values naming the field; install --wait succeeds, the CRDs are Established, the Deployment
# rolls out, the RBAC objects exist and grant exactly the least privilege (evaluated by
# testdata/helm/rbac_check.py, since kube-sim stores RBAC but does not enforce it); an upgrade with
# a changed value rolls the Deployment and one without does not; uninstall removes everything but
# the CRDs.
source "$(dirname "$0")/lib.sh"
CHART="$PROJECT_ROOT/charts/justdriving-operator"
RBAC_CHECK="$PROJECT_ROOT/tests/e2e/testdata/helm/rbac_check.py"
FULL=jd-justdriving-operator     # release jd's object names
export HOME="$E2E_TMP/home" HELM_CACHE_HOME="$E2E_TMP/helm/cache" HELM_CONFIG_HOME="$E2E_TMP/helm/config" HELM_DATA_HOME="$E2E_TMP/helm/data"
mkdir -p "$HOME"

# kinds of a rendered manifest as "Kind/namespace/name", sorted, one per line.
kinds() { python3 -c '
import sys, yaml
for d in yaml.safe_load_all(sys.stdin):
    if d: print("%s/%s/%s" % (d["kind"], d["metadata"].get("namespace", "-"), d["metadata"]["name"]))' | sort; }
# one field of the rendered Deployment (a Python expression over `d`, the Deployment).
deploy_field() { python3 -c '
import sys, yaml
d = next(x for x in yaml.safe_load_all(sys.stdin) if x and x["kind"] == "Deployment")
print(eval(sys.argv[1]))' "$1"; }
# The real operator binary (when built) runs with exactly the args the chart rendered, as the pod
# would (POD_NAME/POD_NAMESPACE set, health and metrics on free local ports); every request it
# makes is then checked against the RBAC the chart installed.
OPERATOR_BIN=${OPERATOR_BIN:-$(cd "$(dirname "$KUBESIM_BIN")/../.." && pwd)/operator/justdriving-operator}
OPERATOR_PID=""
stop_operator() {
  if [ -n "$OPERATOR_PID" ] && kill -0 "$OPERATOR_PID" 2>/dev/null; then kill "$OPERATOR_PID"; wait "$OPERATOR_PID" 2>/dev/null; fi
  OPERATOR_PID=""
}
trap 'stop_operator; e2e_cleanup' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# run_operator RELEASE NAMESPACE LOG: starts the operator with the release's rendered args; sets
# HEALTH_PORT; returns once /readyz answers 200 (or after 20 s).
run_operator() {
  local release=$1 ns=$2 log=$3 args
  HEALTH_PORT=$(free_port); local metrics_port; metrics_port=$(free_port)
  mapfile -t args < <(helm get manifest "$release" -n "$ns" | deploy_field '"\n".join(d["spec"]["template"]["spec"]["containers"][0]["args"])' |
    sed -e "s/^--metrics-bind-address=:.*/--metrics-bind-address=127.0.0.1:$metrics_port/" \
        -e "s/^--health-probe-bind-address=:.*/--health-probe-bind-address=127.0.0.1:$HEALTH_PORT/")
  POD_NAME="$release-pod-0" POD_NAMESPACE="$ns" "$OPERATOR_BIN" "${args[@]}" >"$log" 2>&1 &
  OPERATOR_PID=$!
  for _ in $(seq 1 200); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HEALTH_PORT/readyz")" = 200 ] && return 0
    sleep 0.1
  done
}
# The operator's requests since SEQ as rbac_check lines: "allow VERB GROUP RESOURCE NAMESPACE [NAME]".
operator_requests() {  # since-seq
  admin GET "/admin/v1/requests?since=$1" | python3 -c '
import json, sys
seen = set()
for r in json.load(sys.stdin)["items"]:
    if not r["userAgent"].startswith("justdriving-operator"):
        continue
    resource, _, sub = r["resource"].partition("/")
    name, _, group = resource.partition(".")
    line = "allow %s %s %s %s %s" % (r["verb"], group or "core", name + ("/" + sub if sub else ""), r["namespace"] or "-", r["name"])
    if line not in seen:
        seen.add(line); print(line.strip())'
}
lease_holder() { kubectl -n "$1" get lease "$2" -o jsonpath='{.spec.holderIdentity}' | cut -d_ -f1; }
last_seq() { admin GET "/admin/v1/requests?since=999999999" | python3 -c 'import json,sys; print(json.load(sys.stdin)["lastSeq"])'; }
rbac() {  # SA checks-file
  kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o json | python3 "$RBAC_CHECK" "$1" "$2"
}

# --- Static: CRDs in sync, lint, template -----------------------------------------------------
expect_ok "chart CRDs are byte-identical to crds/" "$PROJECT_ROOT/hack/sync-chart-crds.sh" --check
for vals in "" "watchNamespaces={a,b}"; do
  expect_ok "helm lint --strict ${vals:-(defaults)}" helm lint --strict "$CHART" ${vals:+--set "$vals"}
  expect_contains "$OUT" "1 chart(s) linted, 0 chart(s) failed" "lint passes ${vals:-(defaults)}"
  expect_not_contains "$OUT" "[WARNING]" "lint has no warnings ${vals:-(defaults)}"
  expect_not_contains "$OUT" "[ERROR]" "lint has no errors ${vals:-(defaults)}"
done

expect_ok "template with defaults" helm template jd "$CHART" -n jd-system
DEFAULT_RENDER=$OUT
expect_eq "$(echo "$DEFAULT_RENDER" | kinds | tr '\n' ' ')" \
  "ClusterRole/-/$FULL ClusterRoleBinding/-/$FULL Deployment/jd-system/$FULL PodDisruptionBudget/jd-system/$FULL Role/jd-system/$FULL-leader-election RoleBinding/jd-system/$FULL-leader-election Service/jd-system/$FULL-metrics ServiceAccount/jd-system/$FULL " \
  "default render: cluster-wide RBAC, leader-election Role, Deployment, PDB, metrics Service, ServiceAccount"
expect_eq "$(echo "$DEFAULT_RENDER" | deploy_field '" ".join(d["spec"]["template"]["spec"]["containers"][0]["args"])')" \
  "--leader-elect=true --leader-election-namespace=jd-system --leader-election-id=$FULL --metrics-bind-address=:8080 --health-probe-bind-address=:8081 --log-format=json --log-level=info --max-concurrent-reconciles=2" \
  "default args in controller-runtime spelling"
expect_eq "$(echo "$DEFAULT_RENDER" | deploy_field '[(e["name"], e["valueFrom"]["fieldRef"]["fieldPath"]) for e in d["spec"]["template"]["spec"]["containers"][0]["env"]]')" \
  "[('POD_NAME', 'metadata.name'), ('POD_NAMESPACE', 'metadata.namespace')]" "POD_NAME and POD_NAMESPACE from the downward API"
expect_eq "$(echo "$DEFAULT_RENDER" | deploy_field 'd["spec"]["replicas"], d["spec"]["template"]["spec"]["containers"][0]["image"], d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]')" \
  "(2, 'registry.example.com/justdriving/justdriving-operator:0.1.0', 40)" "2 replicas, image tag = appVersion, grace 40 s (> the operator's 30 s drain)"
expect_eq "$(echo "$DEFAULT_RENDER" | deploy_field '(lambda c: (c["livenessProbe"]["httpGet"], c["readinessProbe"]["httpGet"], [(p["name"], p["containerPort"]) for p in c["ports"]]))(d["spec"]["template"]["spec"]["containers"][0])')" \
  "({'path': '/healthz', 'port': 'health'}, {'path': '/readyz', 'port': 'health'}, [('metrics', 8080), ('health', 8081)])" \
  "liveness /healthz and readiness /readyz on the health port"
expect_eq "$(echo "$DEFAULT_RENDER" | deploy_field '(lambda s: (s["securityContext"], s["containers"][0]["securityContext"]))(d["spec"]["template"]["spec"])')" \
  "({'runAsGroup': 65532, 'runAsNonRoot': True, 'runAsUser': 65532, 'seccompProfile': {'type': 'RuntimeDefault'}}, {'allowPrivilegeEscalation': False, 'capabilities': {'drop': ['ALL']}, 'readOnlyRootFilesystem': True})" \
  "pod and container security contexts"
expect_eq "$(echo "$DEFAULT_RENDER" | deploy_field '[(t["topologyKey"], t["whenUnsatisfiable"], t["maxSkew"]) for t in d["spec"]["template"]["spec"]["topologySpreadConstraints"]]')" \
  "[('kubernetes.io/hostname', 'ScheduleAnyway', 1)]" "soft topology spread across nodes"

expect_ok "template with one replica, no leader election, no metrics" helm template jd "$CHART" -n jd-system \
  --set replicaCount=1 --set leaderElection.enabled=false --set metrics.enabled=false
expect_eq "$(echo "$OUT" | kinds | tr '\n' ' ')" \
  "ClusterRole/-/$FULL ClusterRoleBinding/-/$FULL Deployment/jd-system/$FULL ServiceAccount/jd-system/$FULL " \
  "one replica: no PDB; no leader election: no Lease Role; no metrics: no Service"
expect_eq "$(echo "$OUT" | deploy_field '" ".join(a for a in d["spec"]["template"]["spec"]["containers"][0]["args"] if "leader" in a or "metrics" in a)')" \
  "--leader-elect=false --metrics-bind-address=0" "disabled leader election and metrics reach the args"

expect_ok "template with watchNamespaces={a,b}" helm template jd "$CHART" -n jd-system --set 'watchNamespaces={a,b}'
NS_RENDER=$OUT
expect_eq "$(echo "$NS_RENDER" | kinds | tr '\n' ' ')" \
  "Deployment/jd-system/$FULL PodDisruptionBudget/jd-system/$FULL Role/a/$FULL Role/b/$FULL Role/jd-system/$FULL-leader-election RoleBinding/a/$FULL RoleBinding/b/$FULL RoleBinding/jd-system/$FULL-leader-election Service/jd-system/$FULL-metrics ServiceAccount/jd-system/$FULL " \
  "watchNamespaces: a Role and RoleBinding in a and b, no ClusterRole or ClusterRoleBinding"
expect_eq "$(echo "$NS_RENDER" | deploy_field '" ".join(a for a in d["spec"]["template"]["spec"]["containers"][0]["args"] if a.startswith("--namespace"))')" \
  "--namespace=a --namespace=b" "one --namespace per watched namespace"

expect_ok "ServiceMonitor rendered where monitoring.coreos.com/v1 is served" helm template jd "$CHART" \
  --set metrics.serviceMonitor.enabled=true --api-versions monitoring.coreos.com/v1
expect_contains "$(echo "$OUT" | kinds)" "ServiceMonitor/default/$FULL" "ServiceMonitor present"
expect_ok "ServiceMonitor skipped elsewhere" helm template jd "$CHART" --set metrics.serviceMonitor.enabled=true
expect_not_contains "$OUT" "kind: ServiceMonitor" "no ServiceMonitor without the API"
expect_ok "digest pins the image" helm template jd "$CHART" --set image.digest=sha256:$(printf 'a%.0s' $(seq 64))
expect_contains "$OUT" "justdriving-operator@sha256:aaaa" "image by digest"

# --- The schema and the cross-field checks refuse bad values, naming the field -----------------
refuse() {  # description expected-message --set value
  local d=$1 want=$2; shift 2
  expect_fail "refused: $d" helm template jd "$CHART" "$@"
  expect_contains "$OUT" "$want" "message names the field: $d"
}
refuse "replicaCount=-1" "- replicaCount: Must be greater than or equal to 0" --set replicaCount=-1
refuse "logFormat=xml" '- logFormat: logFormat must be one of the following: "json", "text"' --set logFormat=xml
refuse "logLevel=verbose" '- logLevel: logLevel must be one of the following' --set logLevel=verbose
refuse "typo replicaCont" "Additional property replicaCont is not allowed" --set replicaCont=3
refuse "typo metrics.prot" "- metrics: Additional property prot is not allowed" --set metrics.prot=9090
refuse "maxConcurrentReconciles=0" "- maxConcurrentReconciles: Must be greater than or equal to 1" --set maxConcurrentReconciles=0
refuse "watchNamespaces={Team_A}" "- watchNamespaces.0: Does not match pattern" --set 'watchNamespaces={Team_A}'
refuse "health.port=string" "- health.port: Invalid type. Expected: integer, given: string" --set-string health.port=http
refuse "2 replicas without leader election" "replicaCount: 2 pods without leader election" --set leaderElection.enabled=false
refuse "metrics and health on one port" "metrics.port and health.port are both 8081" --set metrics.port=8081
refuse "crds.install=false without the CRDs served" "crds.install: false, but the cluster does not serve justdriving.io/v1alpha1" --set crds.install=false

# --- On kube-sim -------------------------------------------------------------------------------
e2e_start
expect_fail "install with a bad value is refused before anything is created" \
  helm install jd "$CHART" -n jd-system --create-namespace --set logFormat=xml
expect_contains "$OUT" "- logFormat: logFormat must be one of the following" "install names the field"
expect_eq "$(kubectl get secret -A -l owner=helm -o name; kubectl get deploy,sa -A -l app.kubernetes.io/instance=jd -o name)" "" \
  "the refused install recorded no release and created no object"
expect_fail "the refused install did not create its namespace" kubectl get namespace jd-system
# Helm installs crds/ before it validates the values (pkg/action/install.go): the CRDs exist now.
expect_eq "$(kubectl get crd -o name | wc -l)" "2" "helm installed crds/ before refusing the values"

expect_ok "helm install --wait" helm install jd "$CHART" -n jd-system --create-namespace --wait --timeout 60s
expect_contains "$OUT" "STATUS: deployed" "install deployed"
expect_contains "$OUT" "kubectl -n jd-system rollout status deployment/$FULL" "NOTES say how to check it runs"
expect_contains "$OUT" "kubectl apply -f docs/examples/" "NOTES say how to create the first environment"
expect_ok "both CRDs Established" kubectl wait --for condition=established --timeout=20s \
  crd/justdrivingenvironments.justdriving.io crd/justdrivingreleases.justdriving.io
expect_eq "$(echo "$OUT" | grep -c 'condition met')" "2" "wait reports both CRDs"
expect_ok "rollout status" kubectl -n jd-system rollout status "deployment/$FULL" --timeout=30s
expect_contains "$OUT" "successfully rolled out" "Deployment available"
expect_eq "$(kubectl -n jd-system get deploy "$FULL" -o jsonpath='{.status.availableReplicas}/{.status.readyReplicas}/{.status.conditions[?(@.type=="Available")].status}')" \
  "2/2/True" "2 pods available"
expect_eq "$(kubectl -n jd-system get pods -l app.kubernetes.io/instance=jd -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{" "}{end}')" \
  "True True " "both pods Ready"
expect_eq "$(kubectl -n jd-system get sa,role,rolebinding,svc,pdb -l app.kubernetes.io/instance=jd -o name | sort | tr '\n' ' ')" \
  "poddisruptionbudget.policy/$FULL role.rbac.authorization.k8s.io/$FULL-leader-election rolebinding.rbac.authorization.k8s.io/$FULL-leader-election service/$FULL-metrics serviceaccount/$FULL " \
  "namespaced objects exist"
expect_eq "$(kubectl get clusterrole,clusterrolebinding -l app.kubernetes.io/instance=jd -o name | tr '\n' ' ')" \
  "clusterrole.rbac.authorization.k8s.io/$FULL clusterrolebinding.rbac.authorization.k8s.io/$FULL " "cluster-wide RBAC exists"
expect_eq "$(kubectl -n jd-system get pdb "$FULL" -o jsonpath='{.spec.maxUnavailable}')" "1" "PDB allows one pod down at a time"
expect_eq "$(kubectl -n jd-system get svc "$FULL-metrics" -o jsonpath='{.spec.ports[0].port}/{.spec.ports[0].targetPort}/{.spec.selector}')" \
  '8080/metrics/{"app.kubernetes.io/instance":"jd","app.kubernetes.io/name":"justdriving-operator"}' "metrics Service selects the pods"

cat >"$E2E_TMP/rbac-cluster.txt" <<'EOF'
# The custom resources: read, status only; never spec.
allow list justdriving.io justdrivingenvironments -
allow watch justdriving.io justdrivingreleases -
allow get justdriving.io justdrivingenvironments school-x staging
allow patch justdriving.io justdrivingreleases/status school-x r1
allow update justdriving.io justdrivingenvironments/status school-x staging
allow update justdriving.io justdrivingenvironments/finalizers school-x staging
deny update justdriving.io justdrivingenvironments school-x staging
deny patch justdriving.io justdrivingreleases school-x r1
deny create justdriving.io justdrivingreleases school-x
deny delete justdriving.io justdrivingenvironments school-x staging
# Owned workloads: full control.
allow create apps deployments school-x
allow delete apps deployments school-x web
allow list apps deployments -
allow patch core services school-x web
allow create batch jobs school-x
allow delete batch jobs school-x migrate
allow create policy poddisruptionbudgets school-x
allow update networking.k8s.io ingresses school-x web
deny delete apps replicasets school-x web
deny create apps statefulsets school-x
deny create apps daemonsets school-x
# Secrets read only; ConfigMaps read + create.
allow list core secrets -
allow get core secrets school-x jd-db
deny create core secrets school-x
deny update core secrets school-x jd-db
deny delete core secrets school-x jd-db
allow create core configmaps school-x
deny update core configmaps school-x justdriving-config
deny delete core configmaps school-x justdriving-config
# Events in both APIs.
allow create core events school-x
allow patch events.k8s.io events school-x e1
deny delete core events school-x e1
# The Lease: create in jd-system, get/update only its own.
allow create coordination.k8s.io leases jd-system
allow get coordination.k8s.io leases jd-system jd-justdriving-operator
allow update coordination.k8s.io leases jd-system jd-justdriving-operator
deny update coordination.k8s.io leases jd-system someone-else
deny create coordination.k8s.io leases school-x
deny delete coordination.k8s.io leases jd-system jd-justdriving-operator
# Pods: read only (restarts during a release's verification).
allow list core pods -
allow watch core pods school-x
deny delete core pods school-x web
# Nothing else.
deny create core pods/exec school-x web
deny delete core namespaces - school-x
deny get core nodes - n1
deny create rbac.authorization.k8s.io clusterroles -
deny create rbac.authorization.k8s.io rolebindings school-x
deny update apiextensions.k8s.io customresourcedefinitions - justdrivingenvironments.justdriving.io
EOF
expect_ok "RBAC: least privilege, all namespaces" rbac jd-system/$FULL "$E2E_TMP/rbac-cluster.txt"
expect_contains "$OUT" "RBAC checks passed" "RBAC evaluation ran"

# The cluster serves justdriving.io/v1alpha1 now: crds.install=false renders against it.
expect_ok "crds.install=false passes where the CRDs are served (server dry-run)" \
  helm upgrade jd "$CHART" -n jd-system --reuse-values --set crds.install=false --dry-run=server

# --- The operator itself with the chart's args and RBAC (cluster-wide mode) ------------------------
if [ -x "$OPERATOR_BIN" ]; then
  kubectl apply -f "$PROJECT_ROOT/docs/examples/00-namespace.yaml" >/dev/null
  JD_EXAMPLE_CA_DIR="$E2E_TMP/example-ca" "$PROJECT_ROOT/hack/examples/make-tls.sh" school-demo staging-tls staging.school-demo.example 2>/dev/null |
    kubectl apply -f - >/dev/null
  expect_ok "apply the staging example (an environment for the operator to reconcile)" kubectl apply -f "$PROJECT_ROOT/docs/examples/"
  since=$(last_seq)
  run_operator jd jd-system "$E2E_TMP/operator-cluster.log"
  expect_eq "$(curl -s "http://127.0.0.1:$HEALTH_PORT/healthz")" "ok" "operator with the chart's args: /healthz on the health port"
  expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HEALTH_PORT/readyz")" "200" "operator with the chart's args: caches synced (/readyz 200)"
  eventually_eq "jd-pod-0" "operator leads through the chart's Lease" 20 lease_holder jd-system "$FULL"
  eventually_eq "1" "operator reconciled the environment (status.observedGeneration)" 20 \
    kubectl -n school-demo get jde staging -o jsonpath='{.status.observedGeneration}'
  stop_operator
  operator_requests "$since" >"$E2E_TMP/operator-cluster-requests.txt"
  expect_contains "$(cat "$E2E_TMP/operator-cluster-requests.txt")" "allow watch justdriving.io justdrivingenvironments" "request log has the operator's watches"
  expect_ok "every request the operator made is allowed by the chart's RBAC (all namespaces)" \
    rbac "jd-system/$FULL" "$E2E_TMP/operator-cluster-requests.txt"
else
  echo "skip - operator process checks: no operator binary at $OPERATOR_BIN (build the justdriving-operator target or set OPERATOR_BIN)"
fi

# --- Upgrade ------------------------------------------------------------------------------------
revision() { kubectl -n jd-system get deploy "$FULL" -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}'; }
expect_eq "$(revision)" "1" "first rollout is revision 1"
expect_ok "helm upgrade without changes" helm upgrade jd "$CHART" -n jd-system --reuse-values --wait --timeout 60s
expect_eq "$(revision)/$(kubectl -n jd-system get deploy "$FULL" -o jsonpath='{.metadata.generation}')" "1/1" \
  "an unchanged upgrade does not roll the pods (the render is deterministic)"
expect_ok "helm upgrade logLevel=debug" helm upgrade jd "$CHART" -n jd-system --reuse-values --set logLevel=debug --wait --timeout 60s
expect_ok "rollout status after upgrade" kubectl -n jd-system rollout status "deployment/$FULL" --timeout=30s
expect_eq "$(revision)" "2" "the changed value rolled the Deployment (revision 2)"
eventually_eq "True True " "new pods Ready, old ones gone" 15 \
  kubectl -n jd-system get pods -l app.kubernetes.io/instance=jd -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{" "}{end}'
expect_eq "$(kubectl -n jd-system get pods -l app.kubernetes.io/instance=jd -o jsonpath='{range .items[*]}{.spec.containers[0].args[6]}{" "}{end}')" \
  "--log-level=debug --log-level=debug " "new pods run with --log-level=debug"
expect_eq "$(kubectl -n jd-system get rs -l app.kubernetes.io/instance=jd -o jsonpath='{range .items[*]}{.spec.replicas}{"\n"}{end}' | sort | tr '\n' ' ')" \
  "0 2 " "old ReplicaSet scaled to 0, new one to 2"
expect_eq "$(helm history jd -n jd-system -o json | python3 -c 'import json,sys; print(",".join(r["status"] for r in json.load(sys.stdin)))')" \
  "superseded,superseded,deployed" "history: install, no-op upgrade, upgrade"

# --- A second release watching two namespaces ----------------------------------------------------
expect_fail "watchNamespaces naming a missing namespace fails" \
  helm install jdns "$CHART" -n jd-ns --create-namespace --set 'watchNamespaces={team-a,nope}' --set replicaCount=1 --wait --timeout 20s
expect_contains "$OUT" 'namespaces "team-a" not found' "the error names the missing namespace"
helm uninstall jdns -n jd-ns >/dev/null 2>&1
kubectl create namespace team-a >/dev/null && kubectl create namespace team-b >/dev/null
expect_ok "helm install watchNamespaces={team-a,team-b}" helm install jdns "$CHART" -n jd-ns --create-namespace \
  --set 'watchNamespaces={team-a,team-b}' --wait --timeout 60s
expect_eq "$(kubectl get role,rolebinding -A -l app.kubernetes.io/instance=jdns -o jsonpath='{range .items[*]}{.kind}/{.metadata.namespace}{" "}{end}')" \
  "Role/jd-ns Role/team-a Role/team-b RoleBinding/jd-ns RoleBinding/team-a RoleBinding/team-b " "Roles in the watched namespaces and the Lease namespace"
expect_eq "$(kubectl get clusterrole,clusterrolebinding -l app.kubernetes.io/instance=jdns -o name)" "" "no cluster-wide RBAC"
cat >"$E2E_TMP/rbac-ns.txt" <<'EOF'
allow list justdriving.io justdrivingenvironments team-a
allow watch justdriving.io justdrivingreleases team-b
allow patch justdriving.io justdrivingreleases/status team-b r1
allow create apps deployments team-a
allow list core secrets team-b
allow create core configmaps team-a
allow create core events team-b
allow create coordination.k8s.io leases jd-ns
allow update coordination.k8s.io leases jd-ns jdns-justdriving-operator
# Not in other namespaces, not cluster-wide.
deny list justdriving.io justdrivingenvironments -
deny list justdriving.io justdrivingenvironments team-c
deny list core secrets -
deny get core secrets default db
deny list core secrets jd-system
deny create apps deployments school-x
deny list apps deployments -
deny create core events default
deny create coordination.k8s.io leases team-a
EOF
expect_ok "RBAC: least privilege, two namespaces" rbac jd-ns/jdns-justdriving-operator "$E2E_TMP/rbac-ns.txt"
if [ -x "$OPERATOR_BIN" ]; then
  since=$(last_seq)
  run_operator jdns jd-ns "$E2E_TMP/operator-ns.log"
  expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HEALTH_PORT/readyz")" "200" "operator with --namespace args: caches synced"
  stop_operator
  operator_requests "$since" >"$E2E_TMP/operator-ns-requests.txt"
  # With Roles only, a real API server refuses any cluster-wide list/watch (403): the operator must
  # list and watch each watched namespace on its own.
  expect_ok "every request the operator made is allowed by the chart's RBAC (watchNamespaces)" \
    rbac "jd-ns/jdns-justdriving-operator" "$E2E_TMP/operator-ns-requests.txt"
fi
expect_ok "rollout status (namespaced release)" kubectl -n jd-ns rollout status deployment/jdns-justdriving-operator --timeout=30s
expect_ok "helm uninstall jdns" helm uninstall jdns -n jd-ns --wait --timeout 30s
expect_eq "$(kubectl get role,rolebinding -A -l app.kubernetes.io/instance=jdns -o name)" "" "namespaced release's Roles gone"

# --- Uninstall -----------------------------------------------------------------------------------
expect_ok "helm uninstall" helm uninstall jd -n jd-system --wait --timeout 30s
expect_eq "$(kubectl get deploy,rs,svc,sa,role,rolebinding,pdb -A -l app.kubernetes.io/instance=jd -o name)" "" "namespaced objects gone"
expect_eq "$(kubectl get clusterrole,clusterrolebinding -l app.kubernetes.io/instance=jd -o name)" "" "cluster-wide RBAC gone"
eventually_eq "" "pods gone" 15 kubectl get pods -A -l app.kubernetes.io/instance=jd -o name
expect_eq "$(kubectl get secret -A -l owner=helm -o name)" "" "release records gone"
expect_eq "$(kubectl get crd justdrivingenvironments.justdriving.io justdrivingreleases.justdriving.io -o name | tr '\n' ' ')" \
  "customresourcedefinition.apiextensions.k8s.io/justdrivingenvironments.justdriving.io customresourcedefinition.apiextensions.k8s.io/justdrivingreleases.justdriving.io " \
  "CRDs kept (Helm never deletes CRDs)"
e2e_done
