#!/usr/bin/env bash
# Many clients and watchers at once; a stalled watcher (a client that stops reading) never blocks
# writers or other watchers. 30 live watchers and one stalled one watch configmaps while 4
# writers create 60 configmaps of 16 KiB each (enough to fill the stalled client's socket
# buffers); every write must succeed and every live watcher must see every object.
source "$(dirname "$0")/lib.sh"
e2e_start
CA="$E2E_TMP/ca.crt"
sed -n 's/^    certificate-authority-data: //p' "$KUBECONFIG" | base64 -d >"$CA"
AUTH="Authorization: Bearer $KUBESIM_TOKEN"
echo "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"load\"}}" | kubectl apply -f - >/dev/null
RV=$(kubectl get --raw '/api/v1/namespaces/load/configmaps' | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])')

WATCHERS=30
pids=()
for i in $(seq 1 $WATCHERS); do
  curl -sN --cacert "$CA" -H "$AUTH" "$KUBESIM_URL/api/v1/namespaces/load/configmaps?watch=1&resourceVersion=$RV" >"$E2E_TMP/watch.$i" 2>/dev/null &
  pids+=($!)
done
# The stalled watcher: curl writes into a pipe nobody reads, so it stops reading the socket.
mkfifo "$E2E_TMP/stall"
exec 3<>"$E2E_TMP/stall"
curl -sN --cacert "$CA" -H "$AUTH" "$KUBESIM_URL/api/v1/namespaces/load/configmaps?watch=1&resourceVersion=$RV" >&3 2>/dev/null &
stalled=$!

payload=$(head -c 12000 /dev/urandom | base64 -w0)
write_batch() {  # writer-id
  local ok=0
  for n in $(seq 1 15); do
    body="{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm-$1-$n\"},\"data\":{\"blob\":\"$payload\"}}"
    code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -H "$AUTH" -H 'Content-Type: application/json' \
      -X POST --data "$body" "$KUBESIM_URL/api/v1/namespaces/load/configmaps")
    [ "$code" == "201" ] && ok=$((ok + 1))
  done
  echo "$ok" >"$E2E_TMP/writer.$1"
}
writers=()
for w in 1 2 3 4; do
  write_batch "$w" &
  writers+=($!)
done
wait "${writers[@]}"
total=0
for w in 1 2 3 4; do total=$((total + $(cat "$E2E_TMP/writer.$w"))); done
expect_eq "$total" "60" "every write succeeded while a watcher was stalled"

count_events() { grep -c '"type":"ADDED"' "$1" 2>/dev/null || true; }
all_seen() {
  local n=0
  for i in $(seq 1 $WATCHERS); do [ "$(count_events "$E2E_TMP/watch.$i")" == "60" ] && n=$((n + 1)); done
  echo "$n"
}
eventually_eq "$WATCHERS" "all $WATCHERS live watchers saw all 60 objects" 30 all_seen
expect_eq "$(kubectl get cm -n load --no-headers | wc -l | tr -d ' ')" "60" "list sees all 60"
expect_ok "server still answers" kubectl get --raw /readyz

kill "$stalled" "${pids[@]}" 2>/dev/null
exec 3>&-
e2e_done
