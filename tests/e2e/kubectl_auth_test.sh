#!/usr/bin/env bash
# Authentication and TLS as kubectl sees them: the right kubeconfig works; a wrong bearer token
# is refused with 401 (kubectl: "You must be logged in to the server (Unauthorized)"); no token
# at all is refused too; a kubeconfig with a different CA fails TLS verification in kubectl; the
# anonymous health endpoints answer without a token.
source "$(dirname "$0")/lib.sh"
e2e_start
expect_ok "the written kubeconfig works" kubectl get ns default -o name
expect_eq "$OUT" "namespace/default" "get with the right token"
expect_ok "kubectl version reaches the server" kubectl version
expect_contains "$OUT" "Server Version: v1.32" "server version reported"
expect_ok "kubectl auth whoami is not needed, but cluster-info works" kubectl cluster-info
expect_contains "$OUT" "Kubernetes control plane is running at $KUBESIM_URL" "cluster-info names the server"

# Wrong token.
sed "s/^    token: .*/    token: not-the-token/" "$KUBECONFIG" >"$E2E_TMP/bad-token"
expect_fail "a wrong token is refused" kubectl --kubeconfig "$E2E_TMP/bad-token" get ns
expect_contains "$OUT" "error: You must be logged in to the server (Unauthorized)" "kubectl reports Unauthorized"
code=$(curl -s -o "$E2E_TMP/body" -w '%{http_code}' --cacert <(sed -n 's/^    certificate-authority-data: //p' "$KUBECONFIG" | base64 -d) \
  -H "Authorization: Bearer not-the-token" "$KUBESIM_URL/api/v1/namespaces")
expect_eq "$code" "401" "HTTP 401"
expect_eq "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["kind"], d["reason"], d["code"])' "$E2E_TMP/body")" "Status Unauthorized 401" "401 body is a Status"
# No credentials at all (kubectl itself would prompt for a username, so ask with curl).
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' --cacert <(sed -n 's/^    certificate-authority-data: //p' "$KUBECONFIG" | base64 -d) "$KUBESIM_URL/api/v1/namespaces")" "401" "no token: 401"
# Health endpoints are anonymous, the rest is not.
expect_eq "$(curl -s --cacert <(sed -n 's/^    certificate-authority-data: //p' "$KUBECONFIG" | base64 -d) "$KUBESIM_URL/readyz")" "ok" "readyz is anonymous"

# Wrong CA: kubectl verifies the serving certificate against the kubeconfig's CA.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$E2E_TMP/other-ca.key" -out "$E2E_TMP/other-ca.crt" \
  -subj "/CN=not-kube-sim" -days 1 >/dev/null 2>&1
other_ca=$(base64 -w0 "$E2E_TMP/other-ca.crt")
sed "s/^    certificate-authority-data: .*/    certificate-authority-data: $other_ca/" "$KUBECONFIG" >"$E2E_TMP/bad-ca"
expect_fail "a wrong CA is refused by kubectl" kubectl --kubeconfig "$E2E_TMP/bad-ca" get ns
expect_contains "$OUT" "x509: certificate signed by unknown authority" "kubectl reports the TLS verification failure"
# Skipping verification (not recommended) gets through, proving the failure was only TLS.
expect_ok "insecure-skip-tls-verify gets through" kubectl --kubeconfig "$E2E_TMP/bad-ca" --insecure-skip-tls-verify=true get ns default -o name
# The serving certificate is valid for the names the kubeconfig uses.
expect_ok "server name localhost verifies" kubectl --server "${KUBESIM_URL/127.0.0.1/localhost}" get ns default -o name
expect_fail "a name not in the certificate does not verify" kubectl --tls-server-name not-in-cert.example get ns
expect_contains "$OUT" "x509: certificate is valid for" "kubectl reports the name mismatch"
e2e_done
