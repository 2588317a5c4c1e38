#!/usr/bin/env bash
# hack/examples/make-tls.sh — a TLS Secret and CA bundle for the examples in docs/examples.
#
#   hack/examples/make-tls.sh <namespace> <secret-name> <host> [days] | kubectl apply -f -
#
# Prints two manifests to stdout:
#   - a kubernetes.io/tls Secret <secret-name> in <namespace> holding a fresh serving certificate
#     for <host> (SAN DNS:<host>, serverAuth, valid for [days], default 90) and its private key;
#   - the ConfigMap jd-ca-bundle in <namespace> with the example CA's certificate under ca.crt,
#     for a JustDrivingEnvironment's spec.tlsCABundle.
# The example CA (certificate and key) is made once and cached in $JD_EXAMPLE_CA_DIR (default
# <repository>/.cache/example-ca/, git-ignored), so every certificate made here chains to the
# same CA. The serving key only ever exists in a temporary directory and in the printed Secret:
# nothing private is written into the repository. These are examples for local clusters, not a
# way to run production TLS (use cert-manager or your CA there).
set -euo pipefail

usage() {
  echo "usage: $0 <namespace> <secret-name> <host> [days]" >&2
  echo "  JD_EXAMPLE_CA_DIR  where the example CA is cached (default <repo>/.cache/example-ca)" >&2
  exit 2
}
[ $# -ge 3 ] && [ $# -le 4 ] || usage
NAMESPACE=$1 SECRET=$2 HOST=$3 DAYS=${4:-90}
dns_label='[a-z0-9]([-a-z0-9]*[a-z0-9])?'
[[ $NAMESPACE =~ ^${dns_label}$ ]] || { echo "make-tls: namespace \"$NAMESPACE\" is not a DNS label" >&2; exit 2; }
[[ $SECRET =~ ^${dns_label}(\.${dns_label})*$ ]] || { echo "make-tls: secret name \"$SECRET\" is not a DNS subdomain" >&2; exit 2; }
[[ $HOST =~ ^(\*\.)?${dns_label}(\.${dns_label})+$ ]] || { echo "make-tls: host \"$HOST\" is not a lower-case DNS name with a dot" >&2; exit 2; }
[[ $DAYS =~ ^[1-9][0-9]{0,3}$ ]] || { echo "make-tls: days \"$DAYS\" must be a whole number from 1 to 9999" >&2; exit 2; }
command -v openssl >/dev/null || { echo "make-tls: openssl is not installed (apt-get install openssl)" >&2; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CA_DIR=${JD_EXAMPLE_CA_DIR:-$ROOT/.cache/example-ca}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
umask 077

# The CA: made once, replaced only when it expires within the certificate's lifetime (then every
# earlier certificate stops chaining to the bundle; the examples re-run this script anyway).
ca_valid() {
  [ -s "$CA_DIR/ca.crt" ] && [ -s "$CA_DIR/ca.key" ] &&
    openssl x509 -in "$CA_DIR/ca.crt" -noout -checkend $((DAYS * 86400)) >/dev/null 2>&1
}
mkdir -p "$CA_DIR"
exec 9>"$CA_DIR/.lock"
flock 9   # parallel runs (tests) make one CA, not several
if ! ca_valid; then
  cat >"$WORK/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
O = Just Driving examples
CN = Just Driving example CA
[v3_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
  openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -config "$WORK/ca.cnf" -keyout "$WORK/ca.key" -out "$WORK/ca.crt" 2>/dev/null
  mv "$WORK/ca.key" "$CA_DIR/ca.key"
  mv "$WORK/ca.crt" "$CA_DIR/ca.crt"
  echo "make-tls: created the example CA in $CA_DIR" >&2
fi

# The serving certificate for HOST.
cat >"$WORK/leaf.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
O = Just Driving examples
CN = $HOST
[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:$HOST
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
openssl req -new -newkey rsa:2048 -nodes -sha256 -config "$WORK/leaf.cnf" \
  -keyout "$WORK/tls.key" -out "$WORK/tls.csr" 2>/dev/null
openssl x509 -req -in "$WORK/tls.csr" -CA "$CA_DIR/ca.crt" -CAkey "$CA_DIR/ca.key" \
  -CAcreateserial -CAserial "$WORK/ca.srl" -days "$DAYS" -sha256 \
  -extfile "$WORK/leaf.cnf" -extensions v3_leaf -out "$WORK/tls.crt" 2>/dev/null
openssl verify -CAfile "$CA_DIR/ca.crt" "$WORK/tls.crt" >/dev/null

b64() { base64 -w0 <"$1"; }
cat <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: $SECRET
  namespace: $NAMESPACE
  labels:
    app.kubernetes.io/name: justdriving
    app.kubernetes.io/part-of: justdriving-examples
  annotations:
    justdriving.io/example-host: "$HOST"
type: kubernetes.io/tls
data:
  tls.crt: $(b64 "$WORK/tls.crt")
  tls.key: $(b64 "$WORK/tls.key")
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: jd-ca-bundle
  namespace: $NAMESPACE
  labels:
    app.kubernetes.io/name: justdriving
    app.kubernetes.io/part-of: justdriving-examples
data:
  ca.crt: |
$(sed 's/^/    /' "$CA_DIR/ca.crt")
EOF
