#include "runtime/operator_app.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>

#include <spdlog/sinks/stdout_sinks.h>

#include "common/logging.h"
#include "common/system_clock.h"
#include "kube/http_transport.h"
#include "kube/rest_config.h"
#include "runtime/manager.h"
#include "runtime/stop_signal.h"

namespace jd {
namespace {

std::string Identity(const Environment& env) {
  std::string base = env.Lookup("POD_NAME").value_or("");
  if (base.empty()) {
    char host[256] = {0};
    if (gethostname(host, sizeof host - 1) == 0) base = host;
  }
  if (base.empty()) base = "justdriving-operator";
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "_%08x", static_cast<unsigned>(std::random_device{}()));
  return base + suffix;
}

}  // namespace

int RunOperator(int argc, const char* const* argv, const Environment& env, const std::string& program,
                const BuildControllers& build) {
  StopSignal stop;
  ScopedSignalHandler signals(stop);  // first: threads started later inherit the blocked mask

  auto parsed = ParseOptions(argc, argv, env);
  if (!parsed.ok()) {
    std::cerr << program << ": " << parsed.error().message << "\n";
    return 2;
  }
  const Options& options = parsed.value();
  if (options.help_requested) {
    std::cout << options.help_text;
    return 0;
  }
  LogFormat format = LogFormat::kText;
  spdlog::level::level_enum level = spdlog::level::info;
  ParseLogFormat(options.log_format, &format);  // validated by ParseOptions
  ParseLogLevel(options.log_level, &level);
  auto log = MakeLogger(program, format, level, std::make_shared<spdlog::sinks::stderr_sink_mt>());

  auto config = kube::ResolveRestConfig(options.kubeconfig, options.context, env);
  if (!config.ok()) {
    log->error("cannot load the cluster configuration error={}", LogQuote(config.error().message));
    std::cerr << program << ": " << config.error().message << "\n";
    return 2;
  }
  kube::RestConfig rc = config.value();
  if (rc.user_agent.empty()) rc.user_agent = program;
  if (rc.insecure_skip_tls_verify) {
    log->warn("INSECURE: insecure-skip-tls-verify is set for server={}: the API server's identity is NOT verified; "
              "anyone on the network path can read the token and impersonate the cluster. Use only for local debugging.",
              rc.server);
  }
  auto transport = kube::HttpTransport::Create(kube::TransportOptionsFrom(rc));
  if (!transport.ok()) {
    std::cerr << program << ": " << transport.error().message << "\n";
    return 2;
  }
  log->info("starting program={} server={} config={} namespaces={} leader_elect={}", program, rc.server,
            LogQuote(rc.source), options.namespaces.empty() ? "all" : LogQuote([&] {
              std::string s;
              for (const auto& n : options.namespaces) s += (s.empty() ? "" : ",") + n;
              return s;
            }()),
            options.leader_elect);

  SystemClock clock;
  kube::RealSleeper sleeper;
  PrometheusMetrics metrics;
  kube::ClientOptions co = kube::ClientOptionsFrom(rc);
  co.on_response = [&metrics](const std::string& method, int code) { metrics.ApiRequest(method, code); };
  kube::RestClient client(*transport.value(), clock, sleeper, co);

  ManagerOptions mo;
  mo.leader_elect = options.leader_elect;
  mo.leader_election_id = options.leader_election_id;
  mo.leader_election_namespace = options.leader_election_namespace;
  if (mo.leader_elect && mo.leader_election_namespace.empty() && env.Lookup("KUBERNETES_SERVICE_HOST").has_value()) {
    mo.leader_election_namespace = rc.default_namespace;
  }
  mo.identity = Identity(env);
  mo.metrics_bind_address = options.metrics_bind_address;
  mo.health_probe_bind_address = options.health_probe_bind_address;
  if (auto v = ValidateManagerOptions(mo); !v.ok()) {
    std::cerr << program << ": " << v.error().message << "\n";
    return 2;
  }

  OperatorContext ctx{options, env, client, clock, metrics, log};
  auto set = build(ctx);
  if (!set.ok()) {
    log->error("cannot build the controllers error={}", LogQuote(set.error().message));
    return 1;
  }
  Manager manager(client, clock, metrics, log, mo);
  for (auto& c : set.value().controllers) manager.Add(*c);
  const ExitCode code = manager.Run(stop);
  log->flush();
  if (code == ExitCode::kShutdownTimedOut) std::_Exit(1);  // a reconcile is stuck: do not run destructors under it
  return ProcessExitCode(code);
}

}  // namespace jd
