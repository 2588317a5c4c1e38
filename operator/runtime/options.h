// Options: the operator binary's command line, in controller-runtime's flag spelling.
//
// Every flag can also come from an environment variable named JD_ + the flag in upper snake case
// (--metrics-bind-address -> JD_METRICS_BIND_ADDRESS); a flag given on the command line wins over
// its variable. The kubeconfig falls back further to $KUBECONFIG, then in-cluster, then
// $HOME/.kube/config; that chain lives in kube::ResolveRestConfig, so Options::kubeconfig holds
// only --kubeconfig / JD_KUBECONFIG.
//
//   flag                          env                              default
//   --kubeconfig PATH             JD_KUBECONFIG                    "" (see above)
//   --context NAME                JD_CONTEXT                       "" (current-context)
//   --namespace NS (repeatable,   JD_NAMESPACE (comma-separated)   all namespaces
//     or comma-separated)
//   --leader-elect[=true|false]   JD_LEADER_ELECT (true|false)     false
//   --leader-election-namespace   JD_LEADER_ELECTION_NAMESPACE     "" (the pod's namespace)
//   --leader-election-id          JD_LEADER_ELECTION_ID            justdriving-operator
//   --metrics-bind-address        JD_METRICS_BIND_ADDRESS          :8080 ("0" disables)
//   --health-probe-bind-address   JD_HEALTH_PROBE_BIND_ADDRESS     :8081 ("0" disables)
//   --log-format json|text        JD_LOG_FORMAT                    json in a pod, else text
//   --log-level debug|info|warn|error  JD_LOG_LEVEL               info
//   --max-concurrent-reconciles N JD_MAX_CONCURRENT_RECONCILES     1
//
// "In a pod" means KUBERNETES_SERVICE_HOST is set in the given Environment. An empty variable
// counts as unset.
//
// Outcomes of ParseOptions, and what main does with them:
//   error                         print error().message to stderr and exit 2 (usage error).
//   ok, help_requested == true    print help_text to stdout and exit 0 (--help / -h).
//   ok otherwise                  run with the options.
// Error messages name the flag (or the variable, when the value came from it) and the accepted
// values, e.g. `--log-format: "xml" is not one of json, text`.
//
// Usage:
//   int main(int argc, char** argv, char** envp) {
//     const jd::MapEnvironment env = jd::MapEnvironment::FromEnvp(envp);
//     auto options = jd::ParseOptions(argc, argv, env);
//     if (!options.ok()) { std::cerr << options.error().message << "\n"; return 2; }
//     if (options.value().help_requested) { std::cout << options.value().help_text; return 0; }
//     ...
//   }
#pragma once

#include <string>
#include <vector>

#include "common/environment.h"
#include "common/status_or.h"

namespace jd {

struct Options {
  std::string kubeconfig;
  std::string context;
  // Namespaces to watch, de-duplicated, in the order given; empty = all namespaces.
  std::vector<std::string> namespaces;
  bool leader_elect = false;
  // "" = the namespace the operator runs in (resolved by leader election, not here).
  std::string leader_election_namespace;
  std::string leader_election_id = "justdriving-operator";
  // "host:port", ":port" or "0" (disabled).
  std::string metrics_bind_address = ":8080";
  std::string health_probe_bind_address = ":8081";
  std::string log_format = "text";  // "json" or "text"
  std::string log_level = "info";   // "debug", "info", "warn" or "error"
  int max_concurrent_reconciles = 1;

  // Set when --help/-h was given; the other fields are then defaults and must not be used.
  bool help_requested = false;
  std::string help_text;
};

// Parses argv (argv[0] is the program name) with `env` as the fallback for unset flags.
StatusOr<Options> ParseOptions(int argc, const char* const* argv, const Environment& env);

}  // namespace jd
