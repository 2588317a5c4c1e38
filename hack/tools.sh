# hack/tools.sh — puts the project's tools on PATH: the project-local tools folder that
# hack/install-deps.sh fills (helm, and kubectl when the system has none) comes first.
# Source it: `source hack/tools.sh`.
_jd_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export JD_TOOLS_DIR=${JD_TOOLS_DIR:-$_jd_root/.tools/bin}
case ":$PATH:" in
  *":$JD_TOOLS_DIR:"*) ;;
  *) export PATH="$JD_TOOLS_DIR:$PATH" ;;
esac
unset _jd_root
