#!/usr/bin/env bash
# Issue 6 on kube-sim with the real justdriving-operator, driven by kubectl:
#   - the happy path: a release migrates once, rolls out, passes its health checks, Succeeded;
#     the environment's currentRelease / lastGoodRelease / history follow;
#   - re-applying the same manifests (as a GitOps tool would) starts nothing: no operator write;
#   - failed probes (2.15.x: /login answers 500) -> complete revert: every component back on the
#     last good image AND config snapshot; RolledBack; quarantined (re-apply does nothing);
#   - a failed migration (2.16.x) -> Failed, the Job's log line in status, nothing rolled out;
#   - two releases applied in quick succession while one runs -> the older pending one Superseded.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/operator_lib.sh"
e2e_start --scenarios "$PROJECT_ROOT/tests/e2e/testdata/operator/scenarios.yaml"
op_setup
op_start
eventually_eq "Onboarding" "staging checked, waiting for its first release" 30 \
  kubectl -n $NS get jde staging -o jsonpath='{.status.phase}'

# --- happy path
release staging-2-14-0 2.14.0
wait_phase staging-2-14-0 Succeeded 90 && pass "2.14.0 Succeeded" || fail "2.14.0: phase $(phase_of staging-2-14-0)"
expect_eq "$(kubectl -n $NS get jdr staging-2-14-0 -o jsonpath='{.status.steps[*].name}')" \
  "preflight backup migrate rollout/web rollout/worker-default rollout/worker-payments rollout/scheduler rollout/websockets verify" \
  "steps in order: web, workers, scheduler, websockets"
expect_eq "$(kubectl -n $NS get jobs -l justdriving.io/release=staging-2-14-0,app.kubernetes.io/component=migration -o name)" \
  "job.batch/staging-2-14-0-migrate" "one migration Job, named after the release"
expect_eq "$(kubectl -n $NS get jde staging -o jsonpath='{.status.currentRelease.name}/{.status.lastGoodRelease.name}/{.status.activeRelease}')" \
  "staging-2-14-0/staging-2-14-0/" "environment: current and last good = 2.14.0, deploy slot free"
expect_eq "$(kubectl -n $NS get cm staging-2-14-0-config -o jsonpath='{.immutable}')" "true" "immutable config snapshot"
eventually_eq "Ready" "the environment is Ready (smoke tests passed, open)" 60 \
  kubectl -n $NS get jde staging -o jsonpath='{.status.phase}'
for d in $(deployment_images); do
  expect_eq "${d#*=}" "registry.example.com/justdriving/app:2.14.0" "${d%%=*} runs 2.14.0"
done
header=$(kubectl -n $NS get jdr | head -1)
for col in NAME ENVIRONMENT VERSION PHASE READY AGE; do expect_contains "$header" "$col" "kubectl get jdr column $col"; done

# --- GitOps re-apply: nothing starts, nothing is written
sleep 2
w0=$(operator_writes)
release staging-2-14-0 2.14.0
kubectl apply -f "$PROJECT_ROOT/docs/examples/01-config.yaml" >/dev/null
sleep 4
expect_no_operator_writes_since "$w0" "re-applying the same manifests: no write by the operator"
expect_eq "$(phase_of staging-2-14-0)" "Succeeded" "still Succeeded"

# --- failed probes -> complete revert including config
kubectl -n $NS patch cm justdriving-config --type merge -p '{"data":{"BOOKING_REMINDER_HOURS":"48"}}' >/dev/null
release staging-2-15-0 2.15.0
wait_phase staging-2-15-0 RolledBack 120 && pass "2.15.0 RolledBack" || fail "2.15.0: phase $(phase_of staging-2-15-0)"
expect_eq "$(kubectl -n $NS get jdr staging-2-15-0 -o jsonpath='{.status.failureReason}/{.status.rolledBackTo}')" \
  "HealthCheckFailed/staging-2-14-0" "failure reason and rolledBackTo"
expect_contains "$(kubectl -n $NS get jdr staging-2-15-0 -o jsonpath='{.status.health}')" '"lastStatus":500' \
  "status.health records the failing answers"
for d in $(deployment_images); do
  expect_eq "${d#*=}" "registry.example.com/justdriving/app:2.14.0" "${d%%=*} back on 2.14.0"
done
snapshots=$(kubectl -n $NS get deploy -l app.kubernetes.io/instance=staging \
  -o jsonpath='{range .items[*]}{.spec.template.metadata.annotations.justdriving\.io/config-snapshot}{" "}{end}')
expect_eq "$(echo $snapshots | tr ' ' '\n' | sort -u | tr '\n' ' ')" "staging-2-14-0-config " \
  "every component back on 2.14.0's config snapshot"
expect_eq "$(kubectl -n $NS get cm staging-2-14-0-config -o jsonpath='{.data.BOOKING_REMINDER_HOURS}')/$(kubectl -n $NS get cm staging-2-15-0-config -o jsonpath='{.data.BOOKING_REMINDER_HOURS}')" \
  "24/48" "the reverted config is 2.14.0's (24), not 2.15.0's (48)"
expect_eq "$(kubectl -n $NS get jde staging -o jsonpath='{.status.currentRelease.name}')" "staging-2-14-0" \
  "environment currentRelease back to the last good one"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: staging.school-demo.example' "$APP_HTTP_URL/login")
expect_eq "$code" "200" "users get a working login page again"
expect_eq "$(kubectl -n $NS get events --field-selector involvedObject.name=staging-2-15-0,reason=RollingBack,type=Warning -o name | wc -l | tr -d ' ')" \
  "1" "a Warning Event when the revert starts"
sleep 2
w1=$(operator_writes)
release staging-2-15-0 2.15.0
sleep 4
expect_eq "$(phase_of staging-2-15-0)" "RolledBack" "a failed release stays RolledBack when re-applied"
expect_no_operator_writes_since "$w1" "a failed release is quarantined: re-applying it starts nothing"

# --- failed migration: nothing rolled out
release staging-2-16-0 2.16.0
wait_phase staging-2-16-0 Failed 90 && pass "2.16.0 Failed" || fail "2.16.0: phase $(phase_of staging-2-16-0)"
expect_eq "$(kubectl -n $NS get jdr staging-2-16-0 -o jsonpath='{.status.failureReason}')" "MigrationFailed" "failureReason MigrationFailed"
expect_contains "$(kubectl -n $NS get jdr staging-2-16-0 -o jsonpath='{.status.conditions[?(@.type=="Migrated")].message}')" \
  "bookings_archive" "the migration's error line is in the Migrated condition"
for d in $(deployment_images); do
  expect_eq "${d#*=}" "registry.example.com/justdriving/app:2.14.0" "${d%%=*} untouched (still 2.14.0)"
done
expect_contains "$(kubectl -n $NS get events --field-selector involvedObject.name=staging-2-16-0,type=Warning -o jsonpath='{.items[*].message}')" \
  "bookings_archive" "a Warning Event carries the Job's failure"

# --- two releases in quick succession while one runs: the older pending one is superseded
release staging-2-17-0 2.17.0           # slow migration: holds the slot
wait_phase staging-2-17-0 Migrating 30 || fail "2.17.0 did not start migrating"
release staging-2-14-1 2.14.1
sleep 0.5
release staging-2-14-2 2.14.2
eventually_eq "Superseded" "the older pending release is Superseded" 20 phase_of staging-2-14-1
wait_phase staging-2-17-0 Succeeded 120 && pass "2.17.0 Succeeded" || fail "2.17.0: phase $(phase_of staging-2-17-0)"
wait_phase staging-2-14-2 Succeeded 120 && pass "the newest pending release runs next and Succeeded" || fail "2.14.2: phase $(phase_of staging-2-14-2)"
expect_eq "$(kubectl -n $NS get jobs -o name | grep -c 'staging-2-14-1-')" "0" "the superseded release ran no Job"

if kill -0 "$OP_PID" 2>/dev/null; then pass "the operator kept running"; else fail "the operator exited"; fi
[ "$E2E_FAILED" -eq 0 ] || { echo "--- operator log (errors) ---" >&2; grep '"level":"error"' "$E2E_TMP/operator.log" | tail -20 >&2; }
e2e_done
