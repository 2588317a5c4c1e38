#!/usr/bin/env bash
# helm v3.17 against kube-sim: lint, template, install (CRD, Deployment, Service, Secret, custom
# resource), upgrade, rollback, history, uninstall. helm stores releases as Secrets sent as
# protobuf; the request log must show that, and the decoded records must round-trip.
source "$(dirname "$0")/lib.sh"
e2e_start
CHART="$PROJECT_ROOT/tests/e2e/testdata/helm/demo-chart"

expect_ok "helm lint" helm lint "$CHART"
expect_ok "helm template renders" helm template r1 "$CHART"
expect_contains "$OUT" "kind: Deployment" "template has the Deployment"

expect_ok "helm install" helm install r1 "$CHART" --namespace default
expect_contains "$OUT" "STATUS: deployed" "install deployed"
expect_eq "$(kubectl get deploy r1-web -o jsonpath='{.spec.template.spec.containers[0].image}/{.spec.replicas}')" "nginx:1.25/2" "deployment as rendered"
expect_eq "$(kubectl get svc r1-web -o jsonpath='{.spec.ports[0].port}')" "80" "service port"
expect_eq "$(kubectl get secret r1-secret -o jsonpath='{.data.password}' | base64 -d)" "s3cret" "secret stringData stored as data"
expect_eq "$(kubectl get gd r1-gadget -o jsonpath='{.spec.level}')" "2" "custom resource from the chart's CRD"
expect_eq "$(kubectl get secret -l owner=helm,name=r1 -o jsonpath='{.items[*].type}')" "helm.sh/release.v1" "release record stored"

# helm's typed client sends Secrets as protobuf: prove kube-sim decoded them.
log=$(admin GET /admin/v1/requests)
expect_contains "$log" '"contentType":"application/vnd.kubernetes.protobuf"' "helm sent protobuf bodies"
expect_eq "$(helm list -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["status"])')" "deployed" "helm list reads the protobuf-created record back"

expect_ok "helm upgrade" helm upgrade r1 "$CHART" --set image=nginx:1.26 --set replicas=3
expect_eq "$(kubectl get deploy r1-web -o jsonpath='{.spec.template.spec.containers[0].image}/{.spec.replicas}')" "nginx:1.26/3" "upgrade changed the deployment"
expect_eq "$(kubectl get deploy r1-web -o jsonpath='{.metadata.generation}')" "2" "upgrade bumped generation once"

expect_ok "helm rollback" helm rollback r1 1
expect_eq "$(kubectl get deploy r1-web -o jsonpath='{.spec.template.spec.containers[0].image}/{.spec.replicas}')" "nginx:1.25/2" "rollback restored revision 1"
expect_ok "helm history" helm history r1 -o json
expect_eq "$(echo "$OUT" | python3 -c 'import json,sys; print(",".join(r["status"] for r in json.load(sys.stdin)))')" "superseded,superseded,deployed" "history statuses"

expect_ok "helm uninstall" helm uninstall r1 --wait --timeout 30s
expect_eq "$(kubectl get deploy,svc,secret -l app.kubernetes.io/instance=r1 -o name)" "" "labelled objects gone"
expect_fail "deployment gone" kubectl get deploy r1-web
expect_fail "secret gone" kubectl get secret r1-secret
expect_eq "$(kubectl get secret -l owner=helm -o name)" "" "release records gone"
expect_ok "CRD kept (helm never deletes CRDs)" kubectl get crd gadgets.demo.example.com

# A second install in a new namespace that helm creates.
expect_ok "helm install --create-namespace" helm install r2 "$CHART" -n team-b --create-namespace --set message=hi
expect_eq "$(kubectl -n team-b get deploy r2-web -o jsonpath='{.spec.template.spec.containers[0].env[0].value}')" "hi" "values reach the namespace"
expect_ok "helm uninstall r2" helm uninstall r2 -n team-b
e2e_done
