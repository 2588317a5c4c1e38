#!/usr/bin/env bash
# The JustDrivingEnvironment and JustDrivingRelease CRDs (crds/) and the examples
# (docs/examples/) with the real kubectl against kube-sim: the CRDs install and become
# Established; every schema field has a description and kubectl explain shows them; every example
# applies in the documented order (TLS Secrets made by hack/examples/make-tls.sh) and re-applies
# unchanged, client-side and server-side; printer columns, short names and the category; schema
# defaults; the status subresource and its schema; invalid objects refused naming the field.
# CEL rules (x-kubernetes-validations) are not evaluated by kube-sim, so they are not tested here.
source "$(dirname "$0")/lib.sh"
e2e_start --no-workloads
CRDS="$PROJECT_ROOT/crds"
EX="$PROJECT_ROOT/docs/examples"
NS=school-demo
export JD_EXAMPLE_CA_DIR="$E2E_TMP/example-ca"   # keep the test's CA out of the work tree

# --- The CRDs --------------------------------------------------------------------------------
expect_ok "apply crds/" kubectl apply -f "$CRDS"
expect_contains "$OUT" "customresourcedefinition.apiextensions.k8s.io/justdrivingenvironments.justdriving.io created" "environment CRD created"
expect_contains "$OUT" "customresourcedefinition.apiextensions.k8s.io/justdrivingreleases.justdriving.io created" "release CRD created"
expect_ok "both CRDs become Established" kubectl wait --for condition=established --timeout=20s \
  crd/justdrivingenvironments.justdriving.io crd/justdrivingreleases.justdriving.io
expect_eq "$(echo "$OUT" | grep -c 'condition met')" "2" "wait reports both conditions met"
for kind in environments releases; do
  expect_eq "$(kubectl get crd "justdriving$kind.justdriving.io" -o jsonpath='{.spec.scope}/{.spec.versions[*].name}/{.spec.versions[0].served}/{.spec.versions[0].storage}/{.spec.versions[0].subresources.status}')" \
    "Namespaced/v1alpha1/true/true/{}" "$kind: namespaced, v1alpha1 served and stored, status subresource"
done
expect_eq "$(kubectl get crd justdrivingenvironments.justdriving.io -o jsonpath='{.status.acceptedNames.shortNames[*]}/{.status.acceptedNames.categories[*]}')" \
  "jde/justdriving" "environment: short name jde, category justdriving"
expect_eq "$(kubectl get crd justdrivingreleases.justdriving.io -o jsonpath='{.status.acceptedNames.shortNames[*]}/{.status.acceptedNames.categories[*]}')" \
  "jdr/justdriving" "release: short name jdr, category justdriving"
expect_ok "re-apply crds/" kubectl apply -f "$CRDS"
expect_eq "$(echo "$OUT" | grep -c ' unchanged$')" "2" "CRD re-apply is unchanged"

# Every property (and array item) of both schemas has a description, except metadata (ObjectMeta
# is described by Kubernetes itself); every CEL rule has a message. Lists the offenders.
undocumented=$(kubectl get crd justdrivingenvironments.justdriving.io justdrivingreleases.justdriving.io -o json | node -e '
  let data = ""; process.stdin.on("data", d => data += d).on("end", () => {
    const bad = [];
    const walk = (kind, s, path) => {
      if (path !== "metadata" && !(typeof s.description === "string" && s.description.trim())) bad.push(`${kind}: ${path || "<root>"} has no description`);
      for (const v of s["x-kubernetes-validations"] || []) if (!v.message) bad.push(`${kind}: ${path}: rule without message: ${v.rule}`);
      for (const [k, p] of Object.entries(s.properties || {})) walk(kind, p, path ? `${path}.${k}` : k);
      if (s.items) walk(kind, s.items, `${path}[]`);
    };
    for (const crd of JSON.parse(data).items) walk(crd.spec.names.kind, crd.spec.versions[0].schema.openAPIV3Schema, "");
    console.log(bad.join("\n"));
  });')
expect_eq "$undocumented" "" "every schema field has a description and every CEL rule a message"

# kubectl explain teaches the API from the published OpenAPI v3 schema. (kubectl cached discovery
# before the CRDs existed and explain does not refresh it on a miss, unlike get; api-resources does.)
expect_ok "api-resources refreshes discovery" kubectl api-resources --api-group=justdriving.io
expect_ok "explain jde.spec.components.workers" kubectl explain jde.spec.components.workers
expect_contains "$OUT" "KIND:       JustDrivingEnvironment" "explain names the kind"
expect_contains "$OUT" "Queue workers, each a Deployment running" "explain shows the workers description"
expect_contains "$OUT" "queues	<[]string> -required-" "explain marks queues required"
expect_contains "$OUT" "name	<string> -required-" "explain marks name required"
expect_contains "$OUT" "Default 60, from 1 to" "explain shows gracePeriodSeconds' default and bounds"
expect_contains "$OUT" "Run Laravel Horizon" "explain shows horizon's description"
expect_ok "explain jdr.spec.migrations" kubectl explain jdr.spec.migrations
expect_contains "$OUT" "KIND:       JustDrivingRelease" "explain names the release kind"
expect_contains "$OUT" "What this version's database migrations do." "explain shows the migrations description"
expect_contains "$OUT" "Required" "explain says plan is required when destructive"
expect_contains "$(echo "$OUT" | tr -s ' \n' ' ')" "Required (non-empty) when destructive is true." "plan's rule in full"
expect_contains "$OUT" "destructive migration in a production" "explain shows approved's description"
expect_ok "explain jde.spec.tier" kubectl explain jde.spec.tier
expect_contains "$(echo "$OUT" | tr -s ' \n' ' ')" "ENUM: local staging production" "explain lists the tier enum"
expect_ok "explain jde --recursive" kubectl explain jde --recursive
for f in templateRef tlsCABundle requiredIntegrations deployWindows webhooks resolvedTemplate lastGoodRelease; do
  expect_contains "$OUT" "$f" "recursive explain reaches $f"
done

# --- The examples, in the order docs/examples/README.md gives --------------------------------
expect_ok "apply 00-namespace.yaml" kubectl apply -f "$EX/00-namespace.yaml"
expect_ok "make the staging TLS Secret" bash -c "'$PROJECT_ROOT/hack/examples/make-tls.sh' $NS staging-tls staging.school-demo.example >'$E2E_TMP/staging-tls.yaml'"
expect_ok "make the production TLS Secret" bash -c "'$PROJECT_ROOT/hack/examples/make-tls.sh' $NS production-tls app.school-demo.example 30 >'$E2E_TMP/production-tls.yaml'"
expect_ok "apply the staging TLS Secret and CA bundle" kubectl apply -f "$E2E_TMP/staging-tls.yaml"
expect_eq "$OUT" "secret/staging-tls created
configmap/jd-ca-bundle created" "make-tls prints a Secret and the CA bundle ConfigMap"
expect_ok "apply the production TLS Secret" kubectl apply -f "$E2E_TMP/production-tls.yaml"
expect_contains "$OUT" "configmap/jd-ca-bundle unchanged" "the CA is cached: the bundle is the same for both certificates"
expect_eq "$(kubectl -n $NS get secret staging-tls -o jsonpath='{.type}')" "kubernetes.io/tls" "the Secret is kubernetes.io/tls"
kubectl -n $NS get cm jd-ca-bundle -o jsonpath='{.data.ca\.crt}' >"$E2E_TMP/ca.crt"
kubectl -n $NS get secret production-tls -o jsonpath='{.data.tls\.crt}' | base64 -d >"$E2E_TMP/prod.crt"
expect_ok "the production certificate chains to the bundled CA" openssl verify -CAfile "$E2E_TMP/ca.crt" "$E2E_TMP/prod.crt"
expect_ok "the certificate is for app.school-demo.example" openssl x509 -in "$E2E_TMP/prod.crt" -noout -checkhost app.school-demo.example
expect_contains "$OUT" "does match certificate" "SAN matches the host"
expect_ok "the certificate lives at least 29 more days" openssl x509 -in "$E2E_TMP/prod.crt" -noout -checkend $((29 * 86400))
expect_fail "but not 31 (days argument honoured)" openssl x509 -in "$E2E_TMP/prod.crt" -noout -checkend $((31 * 86400))
expect_eq "$(kubectl -n $NS get secret production-tls -o jsonpath='{.data.tls\.key}' | base64 -d | openssl pkey -pubout | sha256sum)" \
  "$(openssl x509 -in "$E2E_TMP/prod.crt" -noout -pubkey | sha256sum)" "tls.key matches tls.crt"
expect_fail "make-tls refuses a host that is not a DNS name" "$PROJECT_ROOT/hack/examples/make-tls.sh" $NS x-tls "Not A Host"
expect_contains "$OUT" "is not a lower-case DNS name" "make-tls explains the refusal"
expect_eq "$(grep -rl 'PRIVATE KEY' "$EX" "$PROJECT_ROOT/crds" 2>/dev/null)" "" "no private key is committed with the examples"

expect_ok "apply docs/examples/ (00 to 04)" kubectl apply -f "$EX"
expect_contains "$OUT" "configmap/justdriving-config created" "config created"
expect_contains "$OUT" "secret/jd-payments created" "staging secrets created"
expect_contains "$OUT" "justdrivingenvironment.justdriving.io/staging created" "staging environment created"
expect_contains "$OUT" "justdrivingrelease.justdriving.io/staging-2-14-0 created" "staging release created"
expect_ok "apply docs/examples/production/" kubectl apply -f "$EX/production"
expect_contains "$OUT" "justdrivingenvironment.justdriving.io/production created" "production environment created"
expect_contains "$OUT" "justdrivingrelease.justdriving.io/production-2-14-0 created" "production release created"
expect_contains "$OUT" "secret/jd-prod-payments created" "production secrets created"
expect_eq "$(kubectl -n $NS get jde -o name | tr '\n' ' ')" \
  "justdrivingenvironment.justdriving.io/production justdrivingenvironment.justdriving.io/staging " "two environments"
expect_eq "$(kubectl -n $NS get jdr -o name | tr '\n' ' ')" \
  "justdrivingrelease.justdriving.io/production-2-14-0 justdrivingrelease.justdriving.io/staging-2-14-0 " "two releases"
# Every name an example environment refers to exists (Secrets, ConfigMaps, TLS, template).
for env in staging production; do
  refs=$(kubectl -n $NS get jde "$env" -o json | node -e '
    let d = ""; process.stdin.on("data", c => d += c).on("end", () => {
      const s = JSON.parse(d).spec, i = s.integrations || {}, out = [];
      for (const k of ["database", "cache", "mail", "sms", "payments"]) if (i[k]) out.push("secret/" + i[k].secretName);
      for (const e of i.external || []) out.push("secret/" + e.secretName);
      for (const w of (s.notifications || {}).webhooks || []) out.push("secret/" + w.secretName);
      for (const n of (s.app || {}).imagePullSecrets || []) out.push("secret/" + n);
      for (const x of s.domains || []) out.push("secret/" + x.tlsSecretName);
      if (s.config) out.push("configmap/" + s.config.configMapName);
      if (s.tlsCABundle) out.push("configmap/" + s.tlsCABundle.configMapName);
      if (s.templateRef) out.push("jde/" + s.templateRef.name);
      console.log(out.join(" "));
    });')
  expect_ok "$env: every referenced object exists ($refs)" kubectl -n $NS get $refs -o name
done
expect_eq "$(kubectl -n $NS get secret jd-prod-payments -o jsonpath='{.data.PAYMENT_SECRET_KEY}' | base64 -d | cut -c1-8)/$(kubectl -n $NS get secret jd-payments -o jsonpath='{.data.PAYMENT_SECRET_KEY}' | base64 -d | cut -c1-8)" \
  "sk_live_/sk_test_" "production holds live keys, staging test keys"
expect_eq "$(kubectl -n $NS get jde production -o jsonpath='{.spec.templateRef.name}/{.spec.integrations.payments.mode}/{.spec.migrations.backup.command[0]}/{.spec.deployWindows[0].start}-{.spec.deployWindows[0].end}')" \
  "staging/live/sh/21:00-06:00" "production: template, live payments, backup, a window across midnight"
expect_eq "$(kubectl -n $NS get jdr production-2-14-0 -o jsonpath='{.spec.migrations.destructive}/{.spec.migrations.approved}/{.spec.promotion.requireSucceededIn[*]}')" \
  "true/true/staging" "production release: destructive, approved, promoted from staging"

# Re-applying the same manifests changes nothing (what GitOps tools do every few minutes).
# kubectl reports Secrets written with stringData as "configured" on every client-side apply (the
# live object has no stringData to compare with; the real API server behaves the same), so for
# them the proof is the unchanged resourceVersion.
rvs() { kubectl -n $NS get cm,secret,jde,jdr -o jsonpath='{range .items[*]}{.kind}/{.metadata.name}@{.metadata.resourceVersion} {end}'; }
rv_before=$(rvs)
expect_ok "re-apply docs/examples/ and production/" kubectl apply -f "$EX" -f "$EX/production"
expect_eq "$(echo "$OUT" | grep -v '^secret/' | grep -vc ' unchanged$')" "0" "client-side re-apply: every object but the Secrets says unchanged"
expect_eq "$(echo "$OUT" | grep -c '^secret/')" "16" "client-side re-apply: 16 example Secrets"
expect_eq "$(rvs)" "$rv_before" "client-side re-apply: no resourceVersion moved"
expect_eq "$(kubectl -n $NS get jde,jdr -o jsonpath='{range .items[*]}{.metadata.generation}{" "}{end}')" "1 1 1 1 " "generations stay 1"

# Server-side apply of the same example twice: the second apply changes nothing. In a namespace
# of its own so that only kubectl's apply manager owns the fields.
kubectl create namespace ssa-demo >/dev/null
sed 's/namespace: school-demo/namespace: ssa-demo/' "$EX/03-environment-staging.yaml" >"$E2E_TMP/ssa-env.yaml"
sed 's/namespace: school-demo/namespace: ssa-demo/' "$EX/04-release.yaml" >"$E2E_TMP/ssa-rel.yaml"
expect_ok "server-side apply of the staging environment and release" kubectl apply --server-side -f "$E2E_TMP/ssa-env.yaml" -f "$E2E_TMP/ssa-rel.yaml"
expect_eq "$OUT" "justdrivingenvironment.justdriving.io/staging serverside-applied
justdrivingrelease.justdriving.io/staging-2-14-0 serverside-applied" "server-side apply creates both"
rv_before=$(kubectl -n ssa-demo get jde,jdr -o jsonpath='{range .items[*]}{.metadata.resourceVersion}/{.metadata.generation} {end}')
expect_ok "server-side apply the same manifests again" kubectl apply --server-side -f "$E2E_TMP/ssa-env.yaml" -f "$E2E_TMP/ssa-rel.yaml"
expect_eq "$(kubectl -n ssa-demo get jde,jdr -o jsonpath='{range .items[*]}{.metadata.resourceVersion}/{.metadata.generation} {end}')" "$rv_before" \
  "second server-side apply: resourceVersions and generations unchanged"
expect_ok "kubectl diff --server-side reports no difference" kubectl diff --server-side -f "$E2E_TMP/ssa-env.yaml" -f "$E2E_TMP/ssa-rel.yaml"
expect_eq "$OUT" "" "diff is empty"
expect_eq "$(kubectl -n ssa-demo get jde staging -o jsonpath='{range .metadata.managedFields[*]}{.manager}:{.operation} {end}')" "kubectl:Apply " \
  "only kubectl's apply manager owns the environment (defaults are owned by nobody)"

# --- Printer columns, short names and the category --------------------------------------------
tbl=$(kubectl -n $NS get jde)
expect_eq "$(echo "$tbl" | head -1 | tr -s ' ')" "NAME TIER REGION PHASE CURRENT READY AGE" "kubectl get jde: printer column headers"
expect_eq "$(echo "$tbl" | awk '$1=="production"{print $2"/"$3}')" "production/eu-west" "jde row shows tier and region"
expect_eq "$(kubectl -n $NS get jde -o wide | head -1 | tr -s ' ')" "NAME TIER REGION PHASE CURRENT READY LAST-GOOD OPEN AGE" "kubectl get jde -o wide adds Last-Good and Open"
wide=$(kubectl -n $NS get jdr -o wide)
expect_eq "$(echo "$wide" | head -1 | tr -s ' ')" "NAME ENVIRONMENT VERSION PHASE READY IMAGE FAILURE AGE" "kubectl get jdr -o wide: printer column headers"
expect_eq "$(echo "$wide" | awk '$1=="production-2-14-0"{print $2"/"$3"/"$4}')" "production/2.14.0/registry.example.com/justdriving/app:2.14.0" \
  "jdr wide row: environment, version, image (no status yet)"
expect_eq "$(kubectl -n $NS get jdr | head -1 | tr -s ' ')" "NAME ENVIRONMENT VERSION PHASE READY AGE" "kubectl get jdr: default columns"
cat_out=$(kubectl -n $NS get justdriving)
expect_contains "$cat_out" "justdrivingenvironment.justdriving.io/staging" "category justdriving lists environments"
expect_contains "$cat_out" "justdrivingrelease.justdriving.io/production-2-14-0" "category justdriving lists releases"
expect_eq "$(kubectl -n $NS get justdriving -o name | wc -l | tr -d ' ')" "4" "category: two of each kind"
expect_contains "$(kubectl api-resources --api-group=justdriving.io | tr -s ' ')" "justdrivingenvironments jde justdriving.io/v1alpha1 true JustDrivingEnvironment" "api-resources: jde"
expect_contains "$(kubectl api-resources --api-group=justdriving.io | tr -s ' ')" "justdrivingreleases jdr justdriving.io/v1alpha1 true JustDrivingRelease" "api-resources: jdr"

# The status subresource: the operator's writes fill Phase, Current and Ready.
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
expect_ok "write an environment status" kubectl -n $NS patch jde staging --subresource=status --type=merge -p "{\"status\":{
  \"phase\":\"Ready\",\"observedGeneration\":1,\"resolvedTemplate\":\"\",
  \"currentRelease\":{\"name\":\"staging-2-14-0\",\"version\":\"2.14.0\",\"image\":\"registry.example.com/justdriving/app:2.14.0\"},
  \"lastGoodRelease\":{\"name\":\"staging-2-14-0\",\"version\":\"2.14.0\",\"image\":\"registry.example.com/justdriving/app:2.14.0\"},
  \"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"Ready\",\"message\":\"\",\"lastTransitionTime\":\"$now\",\"observedGeneration\":1},
                  {\"type\":\"OpenToUsers\",\"status\":\"True\",\"reason\":\"OnboardingPassed\",\"message\":\"\",\"lastTransitionTime\":\"$now\",\"observedGeneration\":1}],
  \"history\":[{\"release\":\"staging-2-14-0\",\"version\":\"2.14.0\",\"generation\":1,\"outcome\":\"Succeeded\",\"startedAt\":\"$now\",\"finishedAt\":\"$now\",\"reason\":\"\"}],
  \"smokeTests\":[{\"name\":\"registration\",\"jobName\":\"staging-smoke-registration\",\"state\":\"Succeeded\",\"message\":\"\"}]}}"
expect_eq "$(kubectl -n $NS get jde staging -o wide --no-headers | tr -s ' ' | cut -d' ' -f1-8)" "staging staging eu-west Ready 2.14.0 True 2.14.0 True" \
  "jde row shows phase, current release, Ready, last good and open"
expect_ok "write a release status" kubectl -n $NS patch jdr staging-2-14-0 --subresource=status --type=merge -p "{\"status\":{
  \"phase\":\"Failed\",\"observedGeneration\":1,\"failureReason\":\"HealthCheckFailed\",\"startedAt\":\"$now\",\"finishedAt\":\"$now\",
  \"steps\":[{\"name\":\"migrate\",\"state\":\"Succeeded\",\"startedAt\":\"$now\",\"finishedAt\":\"$now\",\"message\":\"\"}],
  \"migration\":{\"jobName\":\"staging-2-14-0-migrate\",\"startedAt\":\"$now\",\"finishedAt\":\"$now\"},
  \"backup\":{\"jobName\":\"staging-2-14-0-backup\",\"startedAt\":\"$now\",\"finishedAt\":\"$now\"},
  \"health\":[{\"name\":\"login\",\"passes\":0,\"failures\":3,\"lastStatus\":500,\"lastLatencyMs\":40,\"lastError\":\"status 500, want 200\"}],
  \"configSnapshot\":\"staging-2-14-0-config\",\"rolledBackTo\":\"staging-2-13-1\",
  \"conditions\":[{\"type\":\"Ready\",\"status\":\"False\",\"reason\":\"HealthCheckFailed\",\"message\":\"login answered 500\",\"lastTransitionTime\":\"$now\",\"observedGeneration\":1}]}}"
expect_eq "$(kubectl -n $NS get jdr staging-2-14-0 -o wide --no-headers | tr -s ' ' | cut -d' ' -f1-7)" \
  "staging-2-14-0 staging 2.14.0 Failed False registry.example.com/justdriving/app:2.14.0 HealthCheckFailed" "jdr wide row shows phase, Ready and failure"
expect_fail "a condition with an unknown status is refused" kubectl -n $NS patch jde staging --subresource=status --type=merge \
  -p "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"Maybe\",\"reason\":\"X\",\"message\":\"\",\"lastTransitionTime\":\"$now\"}]}}"
expect_contains "$OUT" 'status.conditions[0].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"' "error names the condition status"
expect_fail "a condition without reason and lastTransitionTime is refused" kubectl -n $NS patch jdr staging-2-14-0 --subresource=status --type=merge \
  -p '{"status":{"conditions":[{"type":"Ready","status":"True","message":""}]}}'
expect_contains "$OUT" "status.conditions[0].reason: Required value" "error names the missing reason"
expect_contains "$OUT" "status.conditions[0].lastTransitionTime: Required value" "error names the missing lastTransitionTime"
expect_fail "an unknown environment phase is refused" kubectl -n $NS patch jde staging --subresource=status --type=merge -p '{"status":{"phase":"Running"}}'
expect_contains "$OUT" 'status.phase: Unsupported value: "Running"' "error names status.phase"
expect_eq "$(kubectl -n $NS get jde staging -o jsonpath='{.metadata.generation}')" "1" "status writes do not move the generation"

# --- Defaults ----------------------------------------------------------------------------------
expect_eq "$(kubectl -n $NS get jde production -o jsonpath='{.spec.components.web.replicas}/{.spec.components.web.port}')" "3/8080" \
  "components.web.port defaults to 8080 next to the given replicas"
expect_eq "$(kubectl -n $NS get jde production -o jsonpath='{.spec.components.workers[0].horizon}/{.spec.components.websockets.port}/{.spec.tlsCABundle.key}/{.spec.migrations.command[*]}/{.spec.historyLimit}')" \
  "false/6001/ca.crt/php artisan migrate --force --isolated/20" "production: worker, websockets, CA bundle key, migration command, history limit defaults"
expect_ok "a minimal environment (tier only)" kubectl -n $NS apply -f - <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingEnvironment
metadata: {name: minimal}
spec:
  tier: local
  components: {web: {}, workers: [{name: default, queues: [default]}], scheduler: {}, websockets: {}}
  migrations: {}
  healthChecks: {http: [{name: home, path: /}]}
  smokeTests: [{name: registration, command: [php, artisan, smoke:registration]}]
  rollback: {}
Y
expect_eq "$(kubectl -n $NS get jde minimal -o jsonpath='{.spec.openToUsers}/{.spec.historyLimit}/{.spec.minTLSDays}')" "false/20/14" "top-level defaults"
expect_eq "$(kubectl -n $NS get jde minimal -o jsonpath='{.spec.components.web.replicas}/{.spec.components.web.port}/{.spec.components.workers[0].replicas}/{.spec.components.workers[0].horizon}/{.spec.components.workers[0].gracePeriodSeconds}/{.spec.components.scheduler.enabled}/{.spec.components.websockets.enabled}/{.spec.components.websockets.replicas}/{.spec.components.websockets.port}')" \
  "2/8080/1/false/60/true/false/1/6001" "component defaults"
expect_eq "$(kubectl -n $NS get jde minimal -o jsonpath='{.spec.healthChecks.http[0].expectStatus}/{.spec.smokeTests[0].timeoutSeconds}')" "200/600" "defaults inside list items"
expect_eq "$(kubectl -n $NS get jde minimal -o jsonpath='{.spec.migrations.rollbackCommand[*]}/{.spec.migrations.timeoutSeconds}')" \
  "php artisan migrate:rollback --force/1800" "migration defaults"
expect_eq "$(kubectl -n $NS get jde minimal -o jsonpath='{.spec.healthChecks.intervalSeconds}/{.spec.healthChecks.timeoutSeconds}/{.spec.healthChecks.failureThreshold}/{.spec.healthChecks.successThreshold}/{.spec.rollback.automatic}/{.spec.rollback.database}')" \
  "10/5/3/3/true/none" "health check and rollback defaults"
expect_eq "$(kubectl -n $NS get jde minimal -o jsonpath='{.spec.locale}{.spec.integrations}{.spec.templateRef}')" "" "sections left out stay unset (a template may fill them)"
expect_ok "a minimal release" kubectl -n $NS apply -f - <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingRelease
metadata: {name: minimal-1-0-0}
spec: {environment: minimal, version: "1.0.0", image: "registry.example.com/justdriving/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
Y
expect_eq "$(kubectl -n $NS get jdr minimal-1-0-0 -o jsonpath='{.spec.migrations.destructive}/{.spec.migrations.plan}/{.spec.migrations.approved}/{.spec.overrideDeployWindow}')" \
  "false//false/false" "release defaults (migrations filled, not destructive)"

# --- Invalid objects are refused, naming the field ----------------------------------------------
refuse() {  # description expected-text... (manifest on stdin)
  local d=$1; shift
  local manifest; manifest=$(cat)
  expect_fail "$d is refused" kubectl -n $NS apply -f - <<<"$manifest"
  local want
  for want in "$@"; do expect_contains "$OUT" "$want" "$d: error says [$want]"; done
  local name; name=$(sed -n 's/^metadata: {name: \([a-z0-9-]*\)}$/\1/p' <<<"$manifest")
  local kind; kind=$(sed -n 's/^kind: //p' <<<"$manifest")
  expect_fail "$d: nothing stored" kubectl -n $NS get "$kind" "$name"
}
refuse "a bad tier" 'spec.tier: Unsupported value: "prod": supported values: "local", "staging", "production"' <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingEnvironment
metadata: {name: bad-tier}
spec: {tier: prod}
Y
refuse "an environment without tier" 'spec.tier: Required value' <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingEnvironment
metadata: {name: no-tier}
spec: {region: eu-west}
Y
refuse "a currency that is not three capitals" 'spec.locale.currency: Invalid value: "eur"' "should match '^[A-Z]{3}\$'" <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingEnvironment
metadata: {name: bad-currency}
spec: {tier: staging, locale: {timezone: Europe/Amsterdam, locale: nl_NL, currency: eur}}
Y
refuse "a worker without queues" 'spec.components.workers[0].queues: Required value' <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingEnvironment
metadata: {name: no-queues}
spec: {tier: staging, components: {workers: [{name: default}]}}
Y
refuse "a worker with an empty queue list" 'spec.components.workers[0].queues: Invalid value: 0: spec.components.workers[0].queues in body should have at least 1 items' <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingEnvironment
metadata: {name: empty-queues}
spec: {tier: staging, components: {workers: [{name: default, queues: []}]}}
Y
refuse "a bad HH:MM window" 'spec.deployWindows[0].start: Invalid value: "25:00"' 'spec.deployWindows[0].end: Invalid value: "6:00"' \
  'spec.deployWindows[0].days[0]: Unsupported value: "Monday"' <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingEnvironment
metadata: {name: bad-window}
spec: {tier: production, deployWindows: [{days: [Monday], start: "25:00", end: "6:00"}]}
Y
refuse "out-of-range numbers" 'spec.components.web.replicas: Invalid value: 0: spec.components.web.replicas in body should be greater than or equal to 1' \
  'spec.historyLimit: Invalid value: 101: spec.historyLimit in body should be less than or equal to 100' \
  'spec.minTLSDays: Invalid value: 400' <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingEnvironment
metadata: {name: bad-numbers}
spec: {tier: local, components: {web: {replicas: 0}}, historyLimit: 101, minTLSDays: 400}
Y
refuse "a bad payment mode and a payments entry without mode" 'spec.integrations.payments.mode: Unsupported value: "sandbox"' <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingEnvironment
metadata: {name: bad-mode}
spec: {tier: staging, integrations: {payments: {secretName: jd-payments, mode: sandbox}}}
Y
refuse "payments without mode" 'spec.integrations.payments.mode: Required value' <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingEnvironment
metadata: {name: no-mode}
spec: {tier: staging, integrations: {payments: {secretName: jd-payments}}}
Y
refuse "an unknown required integration" 'spec.requiredIntegrations[1]: Invalid value: "paypal"' <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingEnvironment
metadata: {name: bad-required}
spec: {tier: staging, requiredIntegrations: [database, paypal, "external:theory-platform"]}
Y
refuse "an app image with a tag and a host with capitals" 'spec.app.image: Invalid value: "registry.example.com/justdriving/app:2.14.0"' \
  'spec.domains[0].host: Invalid value: "App.School.Example"' 'spec.domains[0].tlsSecretName: Required value' <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingEnvironment
metadata: {name: bad-app}
spec: {tier: staging, app: {image: "registry.example.com/justdriving/app:2.14.0"}, domains: [{host: App.School.Example}]}
Y
refuse "a misspelt field (strict field validation)" 'unknown field "spec.components.web.prot"' <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingEnvironment
metadata: {name: typo}
spec: {tier: staging, components: {web: {prot: 8080}}}
Y
refuse "a release without image" 'spec.image: Required value' <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingRelease
metadata: {name: no-image}
spec: {environment: staging, version: "2.15.0"}
Y
refuse "a release without environment and version" 'spec.environment: Required value' 'spec.version: Required value' <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingRelease
metadata: {name: no-env}
spec: {image: "registry.example.com/justdriving/app:2.15.0"}
Y
refuse "a release image without tag or digest" 'spec.image: Invalid value: "registry.example.com:5000/justdriving/app"' <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingRelease
metadata: {name: no-tag}
spec: {environment: staging, version: "2.15.0", image: "registry.example.com:5000/justdriving/app"}
Y
refuse "a version that is not a label value" 'spec.version: Invalid value: "2.15.0+build.7"' <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingRelease
metadata: {name: bad-version}
spec: {environment: staging, version: "2.15.0+build.7", image: "registry.example.com/justdriving/app:2.15.0"}
Y
refuse "a config key that is not an env var name" 'spec.requiredConfigKeys[0]: Invalid value: "booking-reminder"' <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingRelease
metadata: {name: bad-key}
spec: {environment: staging, version: "2.15.0", image: "registry.example.com/justdriving/app:2.15.0", requiredConfigKeys: [booking-reminder]}
Y
# Duplicate worker names: workers is a list keyed by name (x-kubernetes-list-type: map). kube-sim
# does not check list-map uniqueness on create/update (nor CEL), but server-side apply cannot
# build the typed object, as on a real API server.
expect_fail "server-side apply with two workers of one name is refused" kubectl -n $NS apply --server-side -f - <<'Y'
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingEnvironment
metadata: {name: dup-workers}
spec: {tier: staging, components: {workers: [{name: default, queues: [default]}, {name: default, queues: [mail]}]}}
Y
expect_contains "$OUT" '.spec.components.workers: duplicate entries for key [name="default"]' "error names the workers list and the key"
expect_eq "$(kubectl -n $NS get justdriving -o name | wc -l | tr -d ' ')" "6" "only the valid objects exist (4 examples + 2 minimal)"
e2e_done
