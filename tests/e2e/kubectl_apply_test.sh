#!/usr/bin/env bash
# Client-side kubectl apply of built-ins (ConfigMap, Secret, Deployment, Service): create,
# re-apply unchanged, apply a modified manifest (image changed, env var removed, data changed)
# and check the stored objects change by exactly that; fields others set survive (three-way
# merge); kubectl diff (server-side dry run) shows the pending change.
source "$(dirname "$0")/lib.sh"
e2e_start --no-workloads   # apply semantics only: no controller writes status behind the test's back
TD="$PROJECT_ROOT/tests/e2e/testdata/kubectl"

expect_ok "apply v1" kubectl apply -f "$TD/app-v1.yaml"
expect_eq "$OUT" "configmap/web-config created
secret/web-secret created
deployment.apps/web created
service/web created" "apply v1 creates all four"
expect_eq "$(kubectl get secret web-secret -o jsonpath='{.data.password}' | base64 -d)/$(kubectl get secret web-secret -o jsonpath='{.data.token}' | base64 -d)" \
  "s3cret/token" "secret stringData merged into data"
expect_eq "$(kubectl get secret web-secret -o jsonpath='{.stringData}')" "" "stringData is not stored"
expect_eq "$(kubectl get deploy web -o jsonpath='{.spec.template.spec.containers[0].env[*].name}')" "MODE DEBUG" "v1 env"
expect_eq "$(kubectl get deploy web -o jsonpath='{.spec.strategy.type}/{.spec.template.spec.containers[0].imagePullPolicy}/{.spec.template.spec.containers[0].ports[0].protocol}')" \
  "RollingUpdate/IfNotPresent/TCP" "deployment defaults"
svc_ip=$(kubectl get svc web -o jsonpath='{.spec.clusterIP}')
expect_contains "$svc_ip" "." "service got a cluster IP"
last=$(kubectl get deploy web -o jsonpath='{.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}')
expect_contains "$last" '"image":"nginx:1.25"' "last-applied annotation recorded"

rv_cm=$(kubectl get cm web-config -o jsonpath='{.metadata.resourceVersion}')
rv_dep=$(kubectl get deploy web -o jsonpath='{.metadata.resourceVersion}')
expect_ok "re-apply v1 unchanged" kubectl apply -f "$TD/app-v1.yaml"
expect_contains "$OUT" "configmap/web-config unchanged" "configmap unchanged"
expect_contains "$OUT" "deployment.apps/web unchanged" "deployment unchanged"
expect_contains "$OUT" "service/web unchanged" "service unchanged"
# A Secret with stringData is always "configured": stringData is never stored, so the three-way
# patch always carries it (real kubectl against a real apiserver does the same).
expect_contains "$OUT" "secret/web-secret configured" "secret with stringData is re-sent"
expect_eq "$(kubectl get cm web-config -o jsonpath='{.metadata.resourceVersion}')" "$rv_cm" "unchanged configmap kept its resourceVersion"
expect_eq "$(kubectl get deploy web -o jsonpath='{.metadata.resourceVersion}')" "$rv_dep" "unchanged deployment kept its resourceVersion"

# Someone else labels the deployment and changes the configmap out of band; apply keeps what it
# does not own (three-way merge).
expect_ok "label the deployment" kubectl label deploy web tier=frontend
expect_ok "annotate the configmap" kubectl annotate cm web-config note=manual

expect_ok "kubectl diff shows the pending change" bash -c "kubectl diff -f '$TD/app-v2.yaml'; test \$? -eq 1"
expect_contains "$OUT" "+        image: nginx:1.26" "diff adds the new image"
expect_contains "$OUT" "-        image: nginx:1.25" "diff removes the old image"
expect_eq "$(kubectl get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}')" "nginx:1.25" "diff changed nothing"

expect_ok "apply v2" kubectl apply -f "$TD/app-v2.yaml"
expect_contains "$OUT" "deployment.apps/web configured" "deployment configured"
expect_contains "$OUT" "configmap/web-config configured" "configmap configured"
expect_contains "$OUT" "service/web unchanged" "service still unchanged"
expect_eq "$(kubectl get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}')" "nginx:1.26" "image changed"
expect_eq "$(kubectl get deploy web -o jsonpath='{.spec.template.spec.containers[0].env}')" '[{"name":"MODE","value":"blue"}]' "DEBUG env var removed, MODE kept"
expect_eq "$(kubectl get deploy web -o jsonpath='{.spec.replicas}/{.spec.template.spec.containers[0].ports[0].containerPort}/{.metadata.labels.tier}')" "2/80/frontend" "the rest of the deployment kept, out-of-band label kept"
expect_eq "$(kubectl get deploy web -o jsonpath='{.metadata.generation}')" "2" "generation bumped once"
expect_eq "$(kubectl get cm web-config -o jsonpath='{.data.greeting}/{.data.mode}/{.metadata.annotations.note}')" "hello/green/manual" "configmap value changed, other key and annotation kept"
expect_eq "$(kubectl get svc web -o jsonpath='{.spec.clusterIP}')" "$svc_ip" "service kept its cluster IP"

expect_ok "re-apply v2" kubectl apply -f "$TD/app-v2.yaml"
expect_contains "$OUT" "deployment.apps/web unchanged" "v2 re-apply: deployment unchanged"
expect_contains "$OUT" "configmap/web-config unchanged" "v2 re-apply: configmap unchanged"

# Removing a key from the manifest removes it from the object (it was in last-applied).
expect_ok "apply a configmap without greeting" kubectl apply -f - <<'Y'
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, labels: {app: web}}
data: {mode: green}
Y
expect_eq "$(kubectl get cm web-config -o jsonpath='{.data}')" '{"mode":"green"}' "key removed by apply"

expect_ok "apply --dry-run=server" kubectl apply --dry-run=server -f "$TD/app-v1.yaml"
expect_contains "$OUT" "deployment.apps/web configured (server dry run)" "server dry run reports"
expect_eq "$(kubectl get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}')" "nginx:1.26" "dry run stored nothing"

expect_ok "delete -f" kubectl delete -f "$TD/app-v2.yaml"
expect_eq "$(kubectl get deploy,svc,cm,secret -l app=web -o name)" "" "all gone"
e2e_done
