// RunOperator: the whole life of an operator process, shared by justdriving-operator (main.cpp)
// and the runtime's test operator (tests/support/copier_operator.cpp), so the process behaviour
// the tests check is exactly the shipped one:
//
//   signals (SIGTERM/SIGINT -> StopSignal, installed before any thread starts)
//   -> options (runtime/options.h; a bad flag: message on stderr, exit 2; --help: exit 0)
//   -> logger (JSON in a pod, text elsewhere; --log-format/--log-level)
//   -> REST config (kubeconfig or in-cluster; a bad file: exit 2; insecure-skip-tls-verify: a
//      loud warning) -> transport -> client (API request metrics)
//   -> the caller's controllers (`build`) -> Manager::Run (runtime/manager.h) -> exit code.
//
// Leader election identity: $POD_NAME (else the host name) + "_" + 8 random hex digits, as
// controller-runtime does, so two processes on one host never share an identity. The Lease
// namespace: --leader-election-namespace, else the pod's namespace when in a cluster, else an
// error (exit 2).
//
// Usage (main.cpp):
//   int main(int argc, char** argv, char** envp) {
//     return jd::RunOperator(argc, argv, jd::MapEnvironment::FromEnvp(envp), "justdriving-operator",
//                            [](jd::OperatorContext& ctx) -> jd::StatusOr<jd::ControllerSet> { ... });
//   }
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "common/clock.h"
#include "common/environment.h"
#include "common/status_or.h"
#include "kube/client.h"
#include "runtime/controller.h"
#include "runtime/options.h"
#include "runtime/prometheus_metrics.h"

namespace jd {

// What `build` gets to construct its controllers.
struct OperatorContext {
  const Options& options;
  const Environment& env;
  kube::Client& client;
  Clock& clock;
  PrometheusMetrics& metrics;
  std::shared_ptr<spdlog::logger> log;
};

// The controllers to run and whatever they reference (reconcilers, recorders), kept alive until
// the controllers have stopped.
struct ControllerSet {
  // Declared first, destroyed last: the controllers (which may still reference these) go first.
  // Destroyed front to back, so push an object before the objects it uses.
  std::vector<std::shared_ptr<void>> keep_alive;
  std::vector<std::unique_ptr<Controller>> controllers;
};

using BuildControllers = std::function<StatusOr<ControllerSet>(OperatorContext& ctx)>;

// Returns the process exit code (see the file comment and runtime/manager.h).
int RunOperator(int argc, const char* const* argv, const Environment& env, const std::string& program,
                const BuildControllers& build);

}  // namespace jd
