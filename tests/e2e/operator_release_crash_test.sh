#!/usr/bin/env bash
# Issue 6 on kube-sim with the real justdriving-operator: the hard cases.
#   - the operator killed (SIGKILL) at every phase of a release and restarted: exactly one
#     migration Job (never re-created), one backup Job, and the release completes;
#   - a destructive migration without a plan is Blocked with a message naming the field, and
#     proceeds once the spec is fixed (a new generation); in production, one without approval is
#     Blocked naming spec.migrations.approved;
#   - a closed deploy window makes a release wait; overrideDeployWindow lets it go, recorded in the
#     environment's history.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/operator_lib.sh"
e2e_start --scenarios "$PROJECT_ROOT/tests/e2e/testdata/operator/scenarios.yaml"
op_setup
op_start
eventually_eq "Onboarding" "staging checked, waiting for its first release" 30 \
  kubectl -n $NS get jde staging -o jsonpath='{.status.phase}'

# --- SIGKILL at every phase (2.17.x: a 3 s migration)
release staging-2-17-0 2.17.0
seen="" last="" migrate_uid="" kills=0
for _ in $(seq 1 1200); do
  p=$(phase_of staging-2-17-0)
  uid=$(kubectl -n $NS get job staging-2-17-0-migrate -o jsonpath='{.metadata.uid}' 2>/dev/null)
  if [ -n "$uid" ]; then
    [ -z "$migrate_uid" ] && migrate_uid=$uid
    [ "$uid" != "$migrate_uid" ] && fail "the migration Job was re-created ($migrate_uid -> $uid)"
  fi
  if [ -n "$p" ] && [ "$p" != "$last" ]; then
    seen="$seen $p"
    last=$p
    case "$p" in Succeeded|Failed|RolledBack|Blocked) break ;; esac
    op_kill; kills=$((kills + 1))
    op_start
  fi
  sleep 0.1
done
expect_eq "$last" "Succeeded" "the release completes although the operator was killed in every phase"
echo "  phases seen, the operator killed in each:$seen ($kills kills)"
# Pending and Preflight pass within one reconcile: the phases a kill can land in are these four.
expect_eq "$seen" " BackingUp Migrating RollingOut Verifying Succeeded" "killed in BackingUp, Migrating, RollingOut and Verifying"
expect_eq "$(kubectl -n $NS get jobs -l 'justdriving.io/release=staging-2-17-0,app.kubernetes.io/component in (backup,migration)' -o jsonpath='{range .items[*]}{.metadata.name}{" "}{end}')" \
  "staging-2-17-0-backup staging-2-17-0-migrate " "exactly one backup and one migration Job"
expect_eq "$(kubectl -n $NS get job staging-2-17-0-migrate -o jsonpath='{.metadata.uid}')" "$migrate_uid" \
  "the migration Job was never deleted and re-created"
expect_eq "$(kubectl -n $NS get jde staging -o jsonpath='{.status.currentRelease.name}/{.status.activeRelease}')" \
  "staging-2-17-0/" "the environment runs it; the deploy slot is free"

# --- destructive migration without a plan: Blocked until the spec is fixed
release staging-2-17-1 2.17.1 "  migrations: {destructive: true, plan: \"\"}"
eventually_eq "Blocked" "a destructive migration without a plan is Blocked" 20 phase_of staging-2-17-1
msg=$(kubectl -n $NS get jdr staging-2-17-1 -o jsonpath='{.status.conditions[?(@.type=="PreflightPassed")].message}')
expect_contains "$msg" "spec.migrations.plan" "the message names the field to fix"
expect_eq "$(kubectl -n $NS get jobs -o name | grep -c staging-2-17-1)" "0" "nothing ran"
release staging-2-17-1 2.17.1 "  migrations: {destructive: true, plan: \"additive columns only; the down migration drops them\"}"
wait_phase staging-2-17-1 Succeeded 120 && pass "with a plan (new generation) it proceeds and Succeeded" \
  || fail "2.17.1 after the fix: $(phase_of staging-2-17-1)"

# --- production: a destructive migration without approval is Blocked, naming the field
"$PROJECT_ROOT/hack/examples/make-tls.sh" $NS production-tls app.school-demo.example | kubectl apply -f - >/dev/null
kubectl apply -f "$PROJECT_ROOT/docs/examples/production/01-config.yaml" \
  -f "$PROJECT_ROOT/docs/examples/production/02-secrets.yaml" \
  -f "$PROJECT_ROOT/docs/examples/production/03-environment.yaml" >/dev/null
eventually_eq "True" "production (from the staging template, live keys) passes its checks" 30 \
  kubectl -n $NS get jde production -o jsonpath='{.status.conditions[?(@.type=="PaymentModeValid")].status}'
cat <<YAML | kubectl apply -f - >/dev/null
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingRelease
metadata: {name: production-2-17-0, namespace: $NS}
spec:
  environment: production
  version: "2.17.0"
  image: registry.example.com/justdriving/app:2.17.0
  migrations: {destructive: true, plan: "drops the legacy column; the down migration re-adds it", approved: false}
  overrideDeployWindow: true
YAML
eventually_eq "Blocked" "production: a destructive migration without approval is Blocked" 20 phase_of production-2-17-0
msg=$(kubectl -n $NS get jdr production-2-17-0 -o jsonpath='{.status.conditions[?(@.type=="PreflightPassed")].message}')
expect_contains "$msg" "spec.migrations.approved" "the message names spec.migrations.approved"
expect_eq "$(kubectl -n $NS get jobs -o name | grep -c production-2-17-0)" "0" "nothing ran in production"
kubectl -n $NS delete jdr production-2-17-0 >/dev/null
kubectl -n $NS delete jde production >/dev/null

# --- a closed deploy window waits; overrideDeployWindow goes, recorded in history
other_day=$(TZ=Europe/Amsterdam date -d tomorrow +%a)
kubectl -n $NS patch jde staging --type merge -p \
  "{\"spec\":{\"deployWindows\":[{\"days\":[\"$other_day\"],\"start\":\"00:00\",\"end\":\"00:01\"}]}}" >/dev/null
sleep 1
release staging-2-17-2 2.17.2
eventually_eq "Waiting" "outside the deploy window the release waits" 20 phase_of staging-2-17-2
expect_contains "$(kubectl -n $NS get jdr staging-2-17-2 -o jsonpath='{.status.conditions[?(@.type=="Ready")].message}')" \
  "window" "the message says it waits for the deploy window"
sleep 2
expect_eq "$(phase_of staging-2-17-2)" "Waiting" "still waiting"
kubectl -n $NS patch jdr staging-2-17-2 --type merge -p '{"spec":{"overrideDeployWindow":true}}' >/dev/null
wait_phase staging-2-17-2 Succeeded 120 && pass "overrideDeployWindow: it goes and Succeeded" || fail "2.17.2: $(phase_of staging-2-17-2)"
expect_contains "$(kubectl -n $NS get jde staging -o jsonpath='{.status.history}')" "overridden" \
  "the override is recorded in the environment's history"
kubectl -n $NS patch jde staging --type merge -p '{"spec":{"deployWindows":[]}}' >/dev/null

[ "$E2E_FAILED" -eq 0 ] || { echo "--- operator log (errors) ---" >&2; grep '"level":"error"' "$E2E_TMP/operator.log" | tail -20 >&2; }
e2e_done
