#!/usr/bin/env bash
# kube-sim's simulated workloads driven by the real kubectl: a Deployment rolls out
# (`kubectl rollout status`), the app answers HTTP by the image that really serves, a rolling
# update mixes old and new answers and never drops below the available minimum, a never-ready
# image stops at the progress deadline with old pods still serving, `kubectl rollout undo`
# restores the previous template, and Jobs complete or fail after backoffLimit retries
# (`kubectl wait --for=condition=complete|failed`).
source "$(dirname "$0")/lib.sh"
DATA="$PROJECT_ROOT/tests/e2e/testdata/workloads"
e2e_start --scenarios "$DATA/scenarios.yaml" --app-listen-http 127.0.0.1:0 --app-listen-https 127.0.0.1:0
app() { curl -s --max-time 5 -H 'Host: app.school.example' "$APP_HTTP_URL$1"; }

expect_ok "apply web" kubectl apply -f "$DATA/web.yaml"
expect_ok "rollout status of v1" kubectl rollout status deploy/web --timeout=30s
expect_eq "$(kubectl get deploy web -o jsonpath='{.status.readyReplicas}/{.status.availableReplicas}/{.status.updatedReplicas}')" "3/3/3" "status counts"
expect_eq "$(kubectl get deploy web -o jsonpath='{.status.conditions[?(@.type=="Progressing")].reason}')" "NewReplicaSetAvailable" "Progressing reason"
expect_eq "$(kubectl get pods -l app=web --field-selector=status.phase=Running -o name | wc -l | tr -d ' ')" "3" "three running pods"
expect_eq "$(app /)" "app v1" "the app answers as v1 through the Ingress"

# Roll to v2 while sampling the app: every answer is v1 or v2, never an outage.
expect_ok "set image v2" kubectl set image deploy/web app=registry.example.com/app:v2
answers=""
for _ in $(seq 1 200); do
  answers+="$(app /)|"
  [ "$(kubectl get deploy web -o jsonpath='{.status.updatedReplicas}/{.status.availableReplicas}/{.status.replicas}')" == "3/3/3" ] && break
  sleep 0.05
done
expect_not_contains "$answers" "no healthy upstream" "no outage during the rolling update"
expect_contains "$answers" "app v1|" "old pods answered during the rolling update"
expect_contains "$answers" "app v2|" "new pods answered during the rolling update (mixed, as a Service does)"
expect_ok "rollout status of v2" kubectl rollout status deploy/web --timeout=30s
expect_eq "$(app /)$(app /)$(app /)" "app v2app v2app v2" "after the rollout every answer is v2"
expect_eq "$(kubectl get rs -l app=web --no-headers | wc -l | tr -d ' ')" "2" "old and new ReplicaSets kept (history)"

# A never-ready image: old pods keep serving; the progress deadline (4 s) fails the rollout.
expect_ok "set a never-ready image" kubectl set image deploy/web app=registry.example.com/app:broken
expect_fail "rollout status fails at the progress deadline" kubectl rollout status deploy/web --timeout=30s
expect_contains "$OUT" "exceeded its progress deadline" "kubectl names the deadline"
expect_eq "$(kubectl get deploy web -o jsonpath='{.status.conditions[?(@.type=="Progressing")].reason}')" "ProgressDeadlineExceeded" "Progressing=False ProgressDeadlineExceeded"
avail=$(kubectl get deploy web -o jsonpath='{.status.availableReplicas}')
expect_eq "$([ "$avail" -ge 2 ] && echo yes)" "yes" "maxUnavailable respected: at least 2 of 3 available (got $avail)"
expect_eq "$(app /)" "app v2" "old pods still serve v2"

expect_ok "rollout undo" kubectl rollout undo deploy/web
# As on a real cluster, undoing to an existing ReplicaSet does not clear the stale
# ProgressDeadlineExceeded condition at once, so `kubectl rollout status` may still fail right
# after the undo; the rollback itself converges.
eventually_eq "3/3/3/3" "the undo converges (updated/available/ready/replicas)" 30 \
  kubectl get deploy web -o jsonpath='{.status.updatedReplicas}/{.status.availableReplicas}/{.status.readyReplicas}/{.status.replicas}'
eventually_eq "NewReplicaSetAvailable" "and Progressing recovers" 30 kubectl get deploy web -o jsonpath='{.status.conditions[?(@.type=="Progressing")].reason}'
expect_eq "$(kubectl get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}')" "registry.example.com/app:v2" "undo restored v2"
rs_before=$(kubectl get rs -l app=web -o name | sort | tr '\n' ' ')
expect_ok "rollout undo to revision 1" kubectl rollout undo deploy/web --to-revision=1
expect_ok "rollout status after undo to v1" kubectl rollout status deploy/web --timeout=30s
expect_eq "$(kubectl get rs -l app=web -o name | sort | tr '\n' ' ')" "$rs_before" "undo reuses revision 1's ReplicaSet (no new one)"
eventually_eq "app v1" "the app answers v1 again" 10 app /

# Jobs.
expect_ok "apply jobs" kubectl apply -f "$DATA/jobs.yaml"
expect_ok "good migration completes" kubectl wait --for=condition=complete job/migrate-good --timeout=30s
expect_eq "$(kubectl get job migrate-good -o jsonpath='{.status.succeeded}')" "1" "one pod succeeded"
expect_ok "bad migration fails" kubectl wait --for=condition=failed job/migrate-bad --timeout=60s
expect_eq "$(kubectl get job migrate-bad -o jsonpath='{.status.failed}')" "3" "backoffLimit 2: three pods failed"
expect_eq "$(kubectl get job migrate-bad -o jsonpath='{.status.conditions[?(@.type=="Failed")].reason}')" "BackoffLimitExceeded" "reason BackoffLimitExceeded"
expect_contains "$(kubectl get pods -l job-name=migrate-bad -o jsonpath='{.items[*].status.containerStatuses[0].state.terminated.message}')" "SQLSTATE[42S01]" "the failing pods carry the migration's log line"

expect_ok "delete web" kubectl delete deploy web
eventually_eq "0" "pods garbage-collected with their Deployment" 20 sh -c "kubectl get pods -l app=web --no-headers 2>/dev/null | wc -l | tr -d ' '"
e2e_done
