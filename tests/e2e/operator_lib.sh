# tests/e2e/operator_lib.sh — shared setup of the operator's end-to-end tests (source after lib.sh):
#   op_setup            CRDs, the school-demo namespace, TLS, config, secrets and the staging
#                       environment of hack/demo/operator (health checks every second)
#   op_start / op_kill  start justdriving-operator (log: $E2E_TMP/operator.log, appended) / kill -9 it
#   release NAME VERSION [extra spec YAML lines]   apply a JustDrivingRelease for staging
#   phase_of NAME, wait_phase NAME PHASE SECONDS, deployment_images (operator_writes: lib.sh)
OPERATOR_BIN=${OPERATOR_BIN:-$PROJECT_ROOT/build/operator/justdriving-operator}
export JD_EXAMPLE_CA_DIR="$E2E_TMP/ca"
NS=school-demo
OP_PID=""

op_start() {
  JD_APP_HTTPS_ADDRESS=${APP_HTTPS_URL#https://} JD_APP_HTTP_ADDRESS=${APP_HTTP_URL#http://} POD_NAME=op \
    "$OPERATOR_BIN" --kubeconfig "$KUBECONFIG" --leader-elect --leader-election-namespace jd-system \
    --metrics-bind-address 0 --health-probe-bind-address 0 --log-format json --max-concurrent-reconciles 2 \
    >>"$E2E_TMP/operator.log" 2>&1 &
  OP_PID=$!
}
op_kill() {
  kill -9 "$OP_PID" 2>/dev/null
  wait "$OP_PID" 2>/dev/null
  # A killed leader keeps the Lease until it expires (15 s); hand it over at once as a new pod
  # would after the old one is gone for good (its identity is new, so it must wait otherwise).
  kubectl -n jd-system patch lease justdriving-operator --type merge -p '{"spec":{"holderIdentity":""}}' >/dev/null 2>&1
}
trap 'kill -9 $OP_PID 2>/dev/null; e2e_cleanup' EXIT

op_setup() {
  kubectl apply -f "$PROJECT_ROOT/crds/" >/dev/null
  kubectl wait --for condition=established --timeout=10s crd/justdrivingenvironments.justdriving.io \
    crd/justdrivingreleases.justdriving.io >/dev/null
  kubectl create namespace jd-system >/dev/null
  kubectl apply -f "$PROJECT_ROOT/docs/examples/00-namespace.yaml" >/dev/null
  "$PROJECT_ROOT/hack/examples/make-tls.sh" $NS staging-tls staging.school-demo.example | kubectl apply -f - >/dev/null
  kubectl apply -f "$PROJECT_ROOT/docs/examples/01-config.yaml" -f "$PROJECT_ROOT/docs/examples/02-secrets-staging.yaml" >/dev/null
  # Notifications go to a port nobody listens on: deliveries fail and are retried in the
  # background, which must never hold a release up.
  sed "s/WEBHOOK_PORT/9/" "$PROJECT_ROOT/hack/demo/operator/environment.yaml" | kubectl apply -f - >/dev/null
}

release() {  # name version [extra lines under spec:]
  local name=$1 version=$2 extra=${3:-}
  cat <<YAML | kubectl apply -f - >/dev/null
apiVersion: justdriving.io/v1alpha1
kind: JustDrivingRelease
metadata: {name: $name, namespace: $NS}
spec:
  environment: staging
  version: "$version"
  image: registry.example.com/justdriving/app:$version
$extra
YAML
}
phase_of() { kubectl -n $NS get jdr "$1" -o jsonpath='{.status.phase}' 2>/dev/null; }
wait_phase() {  # name phase seconds -> 0 when reached
  for _ in $(seq 1 $(($3 * 10))); do [ "$(phase_of "$1")" == "$2" ] && return 0; sleep 0.1; done
  return 1
}
deployment_images() {  # "name=image ..." of the environment's Deployments
  kubectl -n $NS get deploy -l app.kubernetes.io/instance=staging \
    -o jsonpath='{range .items[*]}{.metadata.name}={.spec.template.spec.containers[0].image}{" "}{end}'
}
