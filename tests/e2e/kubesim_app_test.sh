#!/usr/bin/env bash
# The app simulator reached as a user's browser would, with curl: HTTPS with SNI serving the
# Ingress's TLS Secret (verified against its CA with --resolve), scenarios replaced at run time
# through /admin/v1/scenarios changing the answers and the certificate (expired, wrong host), and
# crash-looping pods restarting with back-off (CrashLoopBackOff, BackOff events).
source "$(dirname "$0")/lib.sh"
e2e_start
HTTPS_PORT=${APP_HTTPS_URL##*:}
HOST=app.school.example

# A CA and a certificate for the host, made with the openssl command line (as a user would).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=test-ca" -keyout "$E2E_TMP/ca.key" -out "$E2E_TMP/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=$HOST" -keyout "$E2E_TMP/tls.key" -out "$E2E_TMP/tls.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s\n' "$HOST" >"$E2E_TMP/san.ext"
openssl x509 -req -in "$E2E_TMP/tls.csr" -CA "$E2E_TMP/ca.crt" -CAkey "$E2E_TMP/ca.key" -CAcreateserial -days 1 \
  -extfile "$E2E_TMP/san.ext" -out "$E2E_TMP/tls.crt" 2>/dev/null
expect_ok "TLS secret" kubectl create secret tls app-tls --cert "$E2E_TMP/tls.crt" --key "$E2E_TMP/tls.key"

kubectl apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: "registry.example.com/app:v1", ports: [{containerPort: 8080, name: http}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  tls: [{hosts: [$HOST], secretName: app-tls}]
  rules: [{host: $HOST, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
YAML
expect_ok "rollout" kubectl rollout status deploy/web --timeout=30s
https() { curl -s --max-time 5 --resolve "$HOST:$HTTPS_PORT:127.0.0.1" --cacert "$E2E_TMP/ca.crt" "https://$HOST:$HTTPS_PORT$1"; }
expect_eq "$(https /login)" "ok" "HTTPS with the Ingress's certificate, verified, default answer"
expect_fail "another host has no certificate" curl -s --max-time 5 --resolve "other.example:$HTTPS_PORT:127.0.0.1" -k "https://other.example:$HTTPS_PORT/"

# Scenarios replaced at run time: a broken login page for v1.
OUT=$(admin PUT /admin/v1/scenarios '{"scenarios":[{"name":"broken-login","match":{"image":"*/app:v1"},"http":{"/login":{"status":500,"body":"Server Error"}}}]}')
expect_contains "$OUT" "broken-login" "scenario document replaced"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' --resolve "$HOST:$HTTPS_PORT:127.0.0.1" --cacert "$E2E_TMP/ca.crt" "https://$HOST:$HTTPS_PORT/login")" "500" "login now answers 500"
expect_eq "$(https /)" "ok" "other paths still answer"
OUT=$(admin PUT /admin/v1/scenarios '{"scenarios":[{"match":{"image":"*/app:v1"},"pod":{"readyAfterSeconds":"soon"}}]}')
expect_contains "$OUT" "scenarios[0].pod.readyAfterSeconds" "a bad scenario names the field"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' --resolve "$HOST:$HTTPS_PORT:127.0.0.1" --cacert "$E2E_TMP/ca.crt" "https://$HOST:$HTTPS_PORT/login")" "500" "and changes nothing"

# Certificate faults.
admin PUT /admin/v1/scenarios '{"scenarios":[{"match":{"image":"*/app:v1"},"tls":{"expired":true}}]}' >/dev/null
OUT=$(curl -s -k -v --max-time 5 --resolve "$HOST:$HTTPS_PORT:127.0.0.1" "https://$HOST:$HTTPS_PORT/" 2>&1)
expect_contains "$OUT" "expire date:" "curl shows the served certificate"
exp=$(echo | openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername "$HOST" 2>/dev/null | openssl x509 -noout -enddate | cut -d= -f2)
expect_eq "$(python3 -c "import email.utils,time,sys; print(time.mktime(time.strptime('$exp','%b %d %H:%M:%S %Y %Z')) < time.time())")" "True" "an expired certificate is served"
admin PUT /admin/v1/scenarios '{"scenarios":[{"match":{"image":"*/app:v1"},"tls":{"wrongHost":true}}]}' >/dev/null
subject=$(echo | openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername "$HOST" 2>/dev/null | openssl x509 -noout -subject)
expect_contains "$subject" "wrong.invalid" "a certificate for the wrong host is served"

# Crash loops: containers exit, restart with back-off, and kubectl shows CrashLoopBackOff.
admin PUT /admin/v1/scenarios '{"timeScale":0.05,"scenarios":[{"match":{"image":"*/app:v2"},"pod":{"readyAfterSeconds":1,"crashAfterSeconds":2}}]}' >/dev/null
expect_ok "roll to a crashing image" kubectl patch deploy web --type merge -p '{"spec":{"strategy":{"type":"Recreate"},"template":{"spec":{"containers":[{"name":"app","image":"registry.example.com/app:v2"}]}}}}'
eventually_eq "yes" "a pod restarts" 20 sh -c "kubectl get pods -l app=web -o jsonpath='{.items[*].status.containerStatuses[0].restartCount}' | tr ' ' '\n' | awk '\$1>0{f=1} END{print f?\"yes\":\"no\"}'"
eventually_eq "CrashLoopBackOff" "kubectl shows CrashLoopBackOff" 20 sh -c "kubectl get pods -l app=web --no-headers | awk '{print \$3}' | grep -m1 CrashLoopBackOff"
expect_eq "$(kubectl get events --field-selector reason=BackOff -o name | wc -l | tr -d ' ' | sed 's/^[1-9][0-9]*$/some/')" "some" "BackOff events recorded"
e2e_done
