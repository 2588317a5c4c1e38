#include "common/environment.h"

namespace jd {

MapEnvironment MapEnvironment::FromEnvp(const char* const* envp) {
  MapEnvironment env;
  if (envp == nullptr) return env;
  for (; *envp != nullptr; ++envp) {
    const std::string entry(*envp);
    const auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    env.vars_.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

std::optional<std::string> MapEnvironment::Lookup(const std::string& name) const {
  const auto it = vars_.find(name);
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

}  // namespace jd
