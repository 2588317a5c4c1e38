// Environment: read-only access to environment variables, injected rather than read from globals.
//
// Code that consults environment variables (in-cluster detection, JD_* option fallbacks,
// KUBECONFIG, HOME) takes a `const Environment&`. The binary builds one from main's envp once;
// tests build a MapEnvironment with exactly the variables a case needs.
//
// An empty value is treated like an unset variable everywhere (Get returns "" for both), matching
// client-go, which treats KUBERNETES_SERVICE_HOST="" and KUBECONFIG="" as unset.
//
// Usage:
//   int main(int argc, char** argv, char** envp) {
//     const jd::MapEnvironment env = jd::MapEnvironment::FromEnvp(envp);
//     auto options = jd::ParseOptions(argc, argv, env);
//     ...
//   }
//   // In a test:
//   jd::MapEnvironment env({{"KUBERNETES_SERVICE_HOST", "10.0.0.1"}});
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace jd {

class Environment {
 public:
  virtual ~Environment() = default;

  // The variable's value, or nullopt when it is not set.
  virtual std::optional<std::string> Lookup(const std::string& name) const = 0;

  // The variable's value, or "" when it is unset or empty.
  std::string Get(const std::string& name) const { return Lookup(name).value_or(""); }
};

// An Environment backed by a map: a snapshot of the process environment, or a test fixture.
class MapEnvironment : public Environment {
 public:
  MapEnvironment() = default;
  explicit MapEnvironment(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {}
  MapEnvironment(std::initializer_list<std::pair<const std::string, std::string>> vars) : vars_(vars) {}

  // Snapshot of a NULL-terminated "NAME=value" array (main's third parameter, or `environ`).
  // Entries without '=' are ignored.
  static MapEnvironment FromEnvp(const char* const* envp);

  std::optional<std::string> Lookup(const std::string& name) const override;

  void Set(const std::string& name, std::string value) { vars_[name] = std::move(value); }

 private:
  std::map<std::string, std::string> vars_;
};

}  // namespace jd
