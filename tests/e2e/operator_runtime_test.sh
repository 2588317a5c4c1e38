#!/usr/bin/env bash
# The operator process end to end (issue 4's "done when"), with the runtime's test operator
# jd-copier-operator (tests/support/copier_operator.cpp: the shipped RunOperator + Manager +
# leader election, with a ConfigMap -> copy controller):
#   - a bad flag exits 2 with a message naming it;
#   - /healthz, /readyz (after the cache synced) and /metrics, parsed by an independent
#     Prometheus text parser (npm parse-prometheus-text-format);
#   - two processes against one kube-sim: exactly one holds the Lease and acts; kill -9 the
#     leader and the other takes over within the lease duration (15 s) and acts;
#   - SIGTERM: exit 0 within the grace period, the Lease released (holderIdentity "").
source "$(dirname "$0")/lib.sh"
OPERATOR_BIN=${COPIER_OPERATOR_BIN:-$PROJECT_ROOT/build/tests/jd-copier-operator}
export JD_NODE_DIR=${JD_NODE_DIR:-$PROJECT_ROOT/.tools/node}
e2e_start --no-workloads

kubectl create namespace ops >/dev/null
kubectl create namespace work >/dev/null

# --- bad flags: exit 2, message names the flag
"$OPERATOR_BIN" --log-format xml >"$E2E_TMP/bad.out" 2>&1; rc=$?
expect_eq "$rc" "2" "a bad --log-format exits 2"
expect_contains "$(cat "$E2E_TMP/bad.out")" "--log-format" "the error names the flag"
"$OPERATOR_BIN" --kubeconfig /nonexistent >"$E2E_TMP/bad2.out" 2>&1; rc=$?
expect_eq "$rc" "2" "an unreadable kubeconfig exits 2"
expect_contains "$(cat "$E2E_TMP/bad2.out")" "/nonexistent" "the error names the file"

PIDS=()
start_op() {  # name -> starts a replica with POD_NAME=name, logs in $E2E_TMP/name.log
  POD_NAME=$1 "$OPERATOR_BIN" --kubeconfig "$KUBECONFIG" --namespace work --leader-elect \
    --leader-election-namespace ops --leader-election-id copier-leader \
    --metrics-bind-address 127.0.0.1:0 --health-probe-bind-address 127.0.0.1:0 \
    --log-format json --log-level debug >"$E2E_TMP/$1.log" 2>&1 &
  PIDS+=($!)
  eval "PID_$1=$!"
}
port_of() {  # name what(metrics|health probes) -> the port from the replica's JSON log
  local f="$E2E_TMP/$1.log" what=$2
  for _ in $(seq 1 100); do
    p=$(grep "\"msg\":\"serving $what\"" "$f" 2>/dev/null | sed -n 's/.*"port":"\([0-9]*\)".*/\1/p' | head -1)
    [ -n "$p" ] && { echo "$p"; return; }
    sleep 0.1
  done
}
holder() { kubectl -n ops get lease copier-leader -o jsonpath='{.spec.holderIdentity}' 2>/dev/null; }
cleanup_ops() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; }
trap 'cleanup_ops; e2e_cleanup' EXIT

start_op opa
start_op opb
HA=$(port_of opa "health probes"); MA=$(port_of opa metrics)
HB=$(port_of opb "health probes")
[ -n "$HA" ] && [ -n "$HB" ] && [ -n "$MA" ] && pass "both replicas serve probes and metrics" || fail "ports not logged"

eventually_eq "ok" "replica a: /healthz" 10 curl -sf "http://127.0.0.1:$HA/healthz"
eventually_eq "ok" "replica a: /readyz once its cache synced" 10 curl -sf "http://127.0.0.1:$HA/readyz"
eventually_eq "ok" "replica b (standby or leader) is ready too" 10 curl -sf "http://127.0.0.1:$HB/readyz"

# --- exactly one leader
for _ in $(seq 1 100); do [ -n "$(holder)" ] && break; sleep 0.1; done
LEADER=$(holder)
case "$LEADER" in
  opa_*) LNAME=opa; FNAME=opb ;;
  opb_*) LNAME=opb; FNAME=opa ;;
  *) LNAME=""; fail "no replica holds the lease (holder [$LEADER])" ;;
esac
[ -n "$LNAME" ] && pass "the lease is held by one replica ($LEADER)"
sleep 1
leading=$(grep -l '"msg":"became leader"' "$E2E_TMP/opa.log" "$E2E_TMP/opb.log" 2>/dev/null | wc -l)
expect_eq "$leading" "1" "exactly one replica logged 'became leader'"

# --- only the leader acts
kubectl -n work create configmap one --from-literal=k=v >/dev/null
eventually_eq "$LNAME" "the copy of 'one' was made by the leader" 10 \
  kubectl -n work get configmap one-copy -o jsonpath='{.metadata.annotations.copied-by}'
if grep -q '"controller":"copier"' "$E2E_TMP/$FNAME.log" && grep '"msg":"reconcile' "$E2E_TMP/$FNAME.log" | grep -q copier; then
  fail "the standby reconciled"
else
  pass "the standby never reconciled"
fi

# --- metrics parse as Prometheus text (independent parser)
LM=$(port_of $LNAME metrics)
curl -sf "http://127.0.0.1:$LM/metrics" >"$E2E_TMP/metrics.txt"
if PARSED=$(node "$PROJECT_ROOT/tests/e2e/testdata/parse-metrics.js" <"$E2E_TMP/metrics.txt" 2>&1); then
  pass "/metrics parses as Prometheus text"
else
  fail "/metrics does not parse: $PARSED"
fi
for fam in "controller_runtime_reconcile_total COUNTER" "controller_runtime_reconcile_time_seconds HISTOGRAM" \
           "workqueue_depth GAUGE" "workqueue_adds_total COUNTER" "workqueue_queue_duration_seconds HISTOGRAM" \
           "rest_client_requests_total COUNTER" "leader_election_master_status GAUGE"; do
  expect_contains "$PARSED" "$fam" "metric family $fam"
done
expect_contains "$(cat "$E2E_TMP/metrics.txt")" 'leader_election_master_status{name="copier-leader"} 1' "the leader reports leader status 1"
expect_contains "$(cat "$E2E_TMP/metrics.txt")" 'controller_runtime_reconcile_total{controller="copier",result="success"}' "reconciles counted by result"
# JSON logs carry controller, key and reconcile id
line=$(grep '"msg":"reconcile done"' "$E2E_TMP/$LNAME.log" | grep '"key":"work/one"' | head -1)
expect_contains "$line" '"controller":"copier"' "a reconcile log line names the controller"
expect_contains "$line" '"reconcile_id":"' "a reconcile log line carries the reconcile id"

# --- kill -9 the leader: the other takes over within the lease duration and acts
eval "LPID=\$PID_$LNAME"
kill -9 "$LPID"; wait "$LPID" 2>/dev/null
killed_at=$(date +%s)
for _ in $(seq 1 250); do case "$(holder)" in "$FNAME"_*) break ;; esac; sleep 0.1; done
took=$(( $(date +%s) - killed_at ))
case "$(holder)" in
  "$FNAME"_*) pass "the standby took the lease ${took}s after the leader was killed" ;;
  *) fail "the standby did not take over within 25 s (holder [$(holder)])" ;;
esac
# Expiry is judged on the standby's clock from when it last saw the record change (the leader's
# last renewal, at most one retry period before the kill): 15 s lease + 2 s retry, plus the slack
# of polling with kubectl on a loaded 2-core machine.
[ "$took" -le 20 ] && pass "takeover within the lease duration (15 s + one 2 s retry period; polled)" || fail "takeover took ${took}s"
kubectl -n work create configmap two --from-literal=k=v >/dev/null
eventually_eq "$FNAME" "the new leader copies 'two'" 10 \
  kubectl -n work get configmap two-copy -o jsonpath='{.metadata.annotations.copied-by}'

# --- SIGTERM: exit 0 within the grace period; the lease released
eval "FPID=\$PID_$FNAME"
kill -TERM "$FPID"
rc=""
for _ in $(seq 1 100); do
  if ! kill -0 "$FPID" 2>/dev/null; then wait "$FPID"; rc=$?; break; fi
  sleep 0.1
done
expect_eq "$rc" "0" "SIGTERM: the leader exits 0 within 10 s"
expect_eq "$(holder)" "" "the lease was released on shutdown"
expect_contains "$(cat "$E2E_TMP/$FNAME.log")" '"msg":"released the lease"' "the release is logged"

e2e_done
