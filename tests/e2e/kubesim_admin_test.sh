#!/usr/bin/env bash
# kube-sim's admin endpoints: refusing connections (a restart that keeps the data), added latency,
# 410 on the next watch, configuration errors that name the field, accounting and the request log.
source "$(dirname "$0")/lib.sh"
e2e_start
kubectl create configmap before-restart --from-literal=a=1 >/dev/null

OUT=$(admin POST '/admin/v1/faults/refuse-connections?seconds=2')
expect_contains "$OUT" '"refusingForSeconds":2' "refuse-connections accepted"
sleep 0.3   # let the listener close (the fault takes effect on the accept loop's next turn)
expect_fail "connections are refused meanwhile" kubectl get cm before-restart --request-timeout=1s
expect_contains "$OUT" "refused" "kubectl saw a refused connection"
eventually_eq "1" "served again after the restart, data kept" 10 kubectl get cm before-restart -o jsonpath='{.data.a}'

OUT=$(admin PUT /admin/v1/faults '{"latencyMs": 300}')
expect_contains "$OUT" '"latencyMs":300' "latency configured"
t=$(curl -s -o /dev/null -w '%{time_total}' --cacert <(sed -n 's/^    certificate-authority-data: //p' "$KUBECONFIG" | base64 -d) \
  -H "Authorization: Bearer $KUBESIM_TOKEN" "$KUBESIM_URL/api/v1/namespaces/default/configmaps")
expect_eq "$(python3 -c "print($t >= 0.3)")" "True" "a request takes at least the injected 300 ms"
admin DELETE /admin/v1/faults >/dev/null

admin PUT /admin/v1/faults '{"goneNextWatches": 1}' >/dev/null
OUT=$(curl -s --max-time 5 --cacert <(sed -n 's/^    certificate-authority-data: //p' "$KUBECONFIG" | base64 -d) \
  -H "Authorization: Bearer $KUBESIM_TOKEN" "$KUBESIM_URL/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1")
expect_contains "$OUT" '"type":"ERROR"' "next watch gets an ERROR event"
expect_contains "$OUT" '"code":410' "with code 410"
expect_contains "$(admin GET /admin/v1/faults)" '"goneNextWatches":0' "the 410 fault is used up"

OUT=$(admin PUT /admin/v1/faults '{"errors": [{"verb": "list", "rate": 2}]}')
expect_contains "$OUT" 'errors[0].rate must be a number from 0 to 1' "bad fault config names the field"
OUT=$(admin POST '/admin/v1/faults/refuse-connections?seconds=abc')
expect_contains "$OUT" 'seconds must be from 0 to 600' "bad refuse-connections names the parameter"

admin DELETE /admin/v1/accounting >/dev/null
kubectl get cm before-restart >/dev/null
OUT=$(admin GET /admin/v1/accounting)
expect_contains "$OUT" '"code":200,"count":1,"resource":"configmaps"' "accounting counts the one get"
seq=$(admin GET /admin/v1/requests | python3 -c 'import json,sys; print(json.load(sys.stdin)["lastSeq"])')
kubectl delete cm before-restart >/dev/null
OUT=$(admin GET "/admin/v1/requests?since=$seq")
expect_eq "$(echo "$OUT" | python3 -c 'import json,sys; print(",".join(r["verb"]+":"+r["name"] for r in json.load(sys.stdin)["items"] if r["verb"] in ("create","update","patch","delete")))')" "delete:before-restart" "the request log since a sequence number holds the one write: the delete"
expect_contains "$(admin GET /admin/v1/nope)" "no endpoint GET /admin/v1/nope" "unknown admin path explains itself"
e2e_done
