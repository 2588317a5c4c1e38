#!/usr/bin/env bash
# kubectl against kube-sim's injected faults: 500s on a share of configmap gets (kubectl reports
# them; a retrying caller gets through), 429 with Retry-After (client-go retries by itself),
# drop-watches ending a running kubectl get -w (real kubectl exits 0 when the server ends the
# watch stream), and /admin/v1/accounting counting the calls kubectl made.
source "$(dirname "$0")/lib.sh"
e2e_start
count() {  # verb resource code -> requests kubectl made with that outcome
  admin GET /admin/v1/accounting | python3 -c '
import json, sys
verb, res, code = sys.argv[1], sys.argv[2], int(sys.argv[3])
print(sum(r["count"] for r in json.load(sys.stdin)["requests"]
          if r["verb"] == verb and r["resource"] == res and r["code"] == code and r["userAgent"].startswith("kubectl/")))' "$@"
}
expect_ok "create a configmap" kubectl create configmap target --from-literal=k=v

# 500s on 30% of configmap gets.
expect_ok "configure 500s on get configmaps" admin PUT /admin/v1/faults '{"errors":[{"verb":"get","resource":"configmaps","rate":0.3,"code":500}]}'
expect_contains "$(admin GET /admin/v1/faults)" '"rate":0.3' "fault configuration read back"
admin DELETE /admin/v1/accounting >/dev/null
ok=0 failed=0 msg=""
for _ in $(seq 1 30); do
  if out=$(kubectl get cm target -o jsonpath='{.data.k}' 2>&1); then
    [ "$out" == "v" ] && ok=$((ok + 1))
  else
    failed=$((failed + 1)); msg=$out
  fi
done
expect_eq "$((ok + failed))" "30" "every get either returned the object or failed"
expect_ok "some gets succeeded" test "$ok" -gt 0
expect_ok "some gets hit the injected 500" test "$failed" -gt 0
expect_contains "$msg" "Error from server (InternalError)" "kubectl reports the 500 as InternalError"
expect_contains "$msg" "kube-sim fault injected" "the message says it was injected"
# A caller that retries gets through every time.
retry_get() { for _ in $(seq 1 20); do kubectl get cm target -o jsonpath='{.data.k}' 2>/dev/null && return 0; done; return 1; }
all=""
for _ in $(seq 1 5); do all+=$(retry_get); done
expect_eq "$all" "vvvvv" "a retry loop always succeeds eventually"
expect_ok "accounting saw at least the failed gets as 500s" test "$(count get configmaps 500)" -ge "$failed"
expect_ok "accounting saw at least the good gets as 200s" test "$(count get configmaps 200)" -ge "$((ok + 5))"
expect_eq "$(count list configmaps 500)" "0" "lists were not affected (the rule names get only)"
expect_ok "lists still work" kubectl get cm

# 429 with Retry-After: client-go retries on its own, kubectl succeeds.
expect_ok "configure 429s" admin PUT /admin/v1/faults '{"errors":[{"verb":"list","resource":"configmaps","rate":0.5,"code":429,"retryAfterSeconds":1}]}'
admin DELETE /admin/v1/accounting >/dev/null
# Lists until a 429 has been seen (each has a 1/2 chance per attempt): every one must succeed.
lists=0 good=0
while [ "$lists" -lt 10 ] && { [ "$lists" -lt 2 ] || [ "$(count list configmaps 429)" == "0" ]; }; do
  lists=$((lists + 1))
  [ "$(kubectl get cm -o name --request-timeout=30s | grep -c target)" == "1" ] && good=$((good + 1))
done
expect_eq "$good" "$lists" "every list succeeded despite 429s ($lists lists)"
expect_ok "the server answered 429 at least once" test "$(count list configmaps 429)" -ge 1
expect_eq "$(count list configmaps 200)" "$lists" "each kubectl list got one 200 in the end (after retries)"
expect_ok "faults cleared" admin DELETE /admin/v1/faults

# drop-watches ends a running watch; real kubectl then exits 0 (it does not re-watch).
W="$E2E_TMP/watch"
kubectl get cm -w >"$W" 2>&1 & wp=$!
watching() { admin GET /admin/v1/requests | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin)["items"] if r["verb"]=="watch" and r["resource"]=="configmaps"))'; }
eventually_eq "1" "kubectl's watch reached the server" 10 watching
eventually_eq "1" "watch printed the list" 10 grep -c '^target' "$W"
expect_contains "$(admin POST /admin/v1/faults/drop-watches)" '"dropped":1' "drop-watches dropped kubectl's watch"
gone() { kill -0 "$wp" 2>/dev/null && echo running || echo exited; }
eventually_eq "exited" "kubectl get -w ends when the server drops the watch" 10 gone
wait "$wp"
expect_eq "$?" "0" "kubectl get -w exits 0 on a server-closed watch"
expect_not_contains "$(cat "$W")" "error" "no error printed"
expect_eq "$(watching)" "1" "kubectl did not re-watch"

# Accounting: an exact scenario.
admin DELETE /admin/v1/accounting >/dev/null
expect_ok "kubectl create" kubectl create configmap counted
expect_ok "kubectl get" kubectl get configmap counted
expect_ok "kubectl delete" kubectl delete configmap counted
expect_eq "$(count create configmaps 201)/$(count get configmaps 200)/$(count delete configmaps 200)" "1/1/1" "one create, one get, one delete"
total=$(admin GET /admin/v1/accounting | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
expect_ok "total counts every call (discovery included)" test "$total" -ge 3
e2e_done
