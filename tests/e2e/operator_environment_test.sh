#!/usr/bin/env bash
# Issue 5's "done when", with the real justdriving-operator binary on kube-sim driven by kubectl:
#   - kubectl apply -f crds/, then the staging example of docs/examples reaches Ready (once a
#     release runs, its smoke-test Jobs pass, and it opens: Ingress, OpenToUsers);
#   - kubectl get jde shows the printer columns;
#   - failing rules show a clear condition message and a Warning Event, and the operator keeps
#     running: test keys in live mode / live keys in test mode, a timezone that does not exist;
#   - re-applying the same manifests (as GitOps does) makes the operator write nothing.
# The release is simulated here by writing status.currentRelease (what the release controller
# does when it rolls out); tests/e2e/operator_release_test.sh drives real releases.
source "$(dirname "$0")/lib.sh"
OPERATOR_BIN=${OPERATOR_BIN:-$PROJECT_ROOT/build/operator/justdriving-operator}
export JD_EXAMPLE_CA_DIR="$E2E_TMP/ca"
e2e_start
NS=school-demo

expect_ok "kubectl apply -f crds/" kubectl apply -f "$PROJECT_ROOT/crds/"
expect_ok "CRDs established" kubectl wait --for condition=established --timeout=10s \
  crd/justdrivingenvironments.justdriving.io crd/justdrivingreleases.justdriving.io

JD_APP_HTTPS_ADDRESS=${APP_HTTPS_URL#https://} JD_APP_HTTP_ADDRESS=${APP_HTTP_URL#http://} \
  "$OPERATOR_BIN" --kubeconfig "$KUBECONFIG" --metrics-bind-address 0 --health-probe-bind-address 127.0.0.1:0 \
  --log-format json >"$E2E_TMP/operator.log" 2>&1 &
OP_PID=$!
trap 'kill -9 $OP_PID 2>/dev/null; e2e_cleanup' EXIT

kubectl apply -f "$PROJECT_ROOT/docs/examples/00-namespace.yaml" >/dev/null
"$PROJECT_ROOT/hack/examples/make-tls.sh" $NS staging-tls staging.school-demo.example | kubectl apply -f - >/dev/null
for f in 01-config.yaml 02-secrets-staging.yaml 03-environment-staging.yaml; do
  expect_ok "kubectl apply $f" kubectl apply -f "$PROJECT_ROOT/docs/examples/$f"
done

phase() { kubectl -n $NS get jde "$1" -o jsonpath='{.status.phase}'; }
cond() { kubectl -n $NS get jde "$1" -o jsonpath="{.status.conditions[?(@.type==\"$2\")].$3}"; }

eventually_eq "Onboarding" "staging is Onboarding once its checks pass" 20 phase staging
for c in ConfigValid SecretsIsolated PaymentModeValid TLSValid; do
  expect_eq "$(cond staging $c status)" "True" "staging $c True"
done
expect_eq "$(cond staging SmokeTestsPassed reason)" "NoReleaseYet" "no release yet: smoke tests wait for one"
expect_contains "$(cond staging SmokeTestsPassed message)" "JustDrivingRelease" "the message says what to do"

header=$(kubectl -n $NS get jde | head -1)
for col in NAME TIER REGION PHASE CURRENT READY AGE; do expect_contains "$header" "$col" "kubectl get jde column $col"; done

# A release runs (what the release controller records when it rolls one out).
kubectl -n $NS patch jde staging --subresource=status --type=merge -p \
  '{"status":{"currentRelease":{"name":"staging-2-14-0","version":"2.14.0","image":"registry.example.com/justdriving/app:2.14.0"}}}' >/dev/null
eventually_eq "Ready" "staging reaches Ready after its smoke tests pass" 60 phase staging
expect_eq "$(cond staging SmokeTestsPassed status)" "True" "SmokeTestsPassed True"
expect_eq "$(cond staging OpenToUsers status)" "True" "OpenToUsers True (spec.openToUsers: true)"
expect_eq "$(cond staging Ready status)" "True" "kstatus Ready True"
expect_eq "$(kubectl -n $NS get jobs -l app.kubernetes.io/component=smoke-test -o name | wc -l)" "4" "one Job per smoke test"
expect_ok "the Ingress exists once open" kubectl -n $NS get ingress staging
expect_ok "web Deployment available" kubectl -n $NS rollout status deployment/staging-web --timeout=30s
expect_eq "$(kubectl -n $NS get deploy staging-scheduler -o jsonpath='{.spec.strategy.type}/{.spec.replicas}')" "Recreate/1" \
  "the scheduler: Recreate, one replica"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: staging.school-demo.example' "$APP_HTTP_URL/")
expect_eq "$code" "200" "traffic reaches the web pods through the Ingress"
expect_eq "$(kubectl -n $NS get jde staging --no-headers | awk '{print $2, $4, $5, $6}')" "staging Ready 2.14.0 True" \
  "kubectl get jde shows tier, phase, current version, ready"

# GitOps re-apply: nothing to do, the operator writes nothing.
sleep 2
before=$(operator_writes)
kubectl apply -f "$PROJECT_ROOT/docs/examples/01-config.yaml" -f "$PROJECT_ROOT/docs/examples/03-environment-staging.yaml" >/dev/null
sleep 3
expect_no_operator_writes_since "$before" "re-applying the same manifests: no write by the operator"

# Live keys in a staging (test-mode) environment.
kubectl -n $NS patch secret jd-payments --type=merge -p '{"stringData":{"PAYMENT_SECRET_KEY":"sk_live_oops-this-is-live"}}' >/dev/null
eventually_eq "False" "a live key in test mode turns PaymentModeValid False" 20 cond staging PaymentModeValid status
expect_eq "$(cond staging PaymentModeValid reason)" "LiveKeyInTestMode" "reason LiveKeyInTestMode"
msg=$(cond staging PaymentModeValid message)
expect_contains "$msg" "PAYMENT_SECRET_KEY" "the message names the key"
expect_not_contains "$msg" "sk_live_oops" "the message never contains the value"
expect_eq "$(phase staging)" "Degraded" "open environment: Degraded, not closed"
expect_eq "$(cond staging OpenToUsers status)" "True" "traffic stays open once users are on it"
eventually_eq "1" "a Warning Event names the reason" 10 bash -c \
  "kubectl -n $NS get events --field-selector involvedObject.name=staging,reason=LiveKeyInTestMode,type=Warning -o name | wc -l | tr -d ' '"
kubectl -n $NS patch secret jd-payments --type=merge -p '{"stringData":{"PAYMENT_SECRET_KEY":"sk_test_back-to-test"}}' >/dev/null
eventually_eq "Ready" "fixing the key brings staging back to Ready" 20 phase staging

# A bad object: the operator reports it and keeps running.
cat <<YAML | kubectl apply -f - >/dev/null
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingEnvironment
metadata: {name: broken, namespace: $NS}
spec:
  tier: staging            # same tier as staging: sharing jd-payments with it is allowed
  region: nowhere
  locale: {timezone: Europe/Amsterdm, locale: nl_NL, currency: EUR}
  config: {configMapName: justdriving-config}
  integrations: {payments: {secretName: jd-payments, mode: test}}
YAML
eventually_eq "Invalid" "an environment with a timezone that does not exist is Invalid" 20 phase broken
expect_contains "$(cond broken ConfigValid message)" "spec.locale.timezone" "the message names the field"
expect_contains "$(cond broken ConfigValid message)" "Europe/Amsterdam" "and suggests the fix"
expect_eq "$(cond broken Stalled status)" "True" "kstatus Stalled True"
eventually_eq "1" "a Warning Event for the broken environment" 10 bash -c \
  "kubectl -n $NS get events --field-selector involvedObject.name=broken,type=Warning -o name | wc -l | tr -d ' ' | sed 's/^[2-9]$/1/'"
if kill -0 $OP_PID 2>/dev/null; then pass "the operator keeps running"; else fail "the operator exited"; fi
expect_eq "$(phase staging)" "Ready" "other environments are unaffected"

kill -TERM $OP_PID; wait $OP_PID; rc=$?
expect_eq "$rc" "0" "SIGTERM: exit 0"
[ "$E2E_FAILED" -eq 0 ] || { echo "--- operator log (last 40) ---" >&2; tail -40 "$E2E_TMP/operator.log" >&2; }
e2e_done
