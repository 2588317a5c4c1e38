// justdriving-operator: wiring only. Everything about the process (flags, logging, config,
// metrics, health, leader election, signals) is RunOperator's (runtime/operator_app.h); this file
// builds the Just Driving controllers with their dependencies.
//
// Environment variables for development against kube-sim (not flags: they exist for tests and
// the demo, not for clusters):
//   JD_APP_HTTP_ADDRESS   host:port to connect to instead of <env>-web.<ns>.svc.cluster.local
//                         for a release's health checks (kube-sim's app simulator)
//   JD_APP_HTTPS_ADDRESS  host:port to connect to instead of <domain>:443 for an open
//                         environment's certificate check and health checks
//   JD_CA_BUNDLE          CA bundle file for TLS checks when an environment names none
//                         (default: the system bundle)
//   JD_ISO_CODES_DIR      Debian iso-codes JSON directory (default /usr/share/iso-codes/json)
#include <memory>
#include <string>

#include "common/environment.h"
#include "kube/event_recorder.h"
#include "reconcilers/environment/environment_controller.h"
#include "reconcilers/environment/locale_rules.h"
#include "reconcilers/environment/tls_prober.h"
#include "reconcilers/release/http_prober.h"
#include "reconcilers/release/release_controller.h"
#include "reconcilers/release/release_metrics.h"
#include "reconcilers/release/webhook.h"
#include "reconcilers/release/webhook_sender.h"
#include "runtime/operator_app.h"

namespace {

jd::StatusOr<jd::ControllerSet> BuildControllers(jd::OperatorContext& ctx) {
  jd::ControllerSet set;
  const std::string iso_dir = ctx.env.Lookup("JD_ISO_CODES_DIR").value_or(jd::env::IsoCodes::kDefaultDir);
  auto iso = jd::env::IsoCodes::Load(iso_dir);
  if (!iso.ok()) return jd::Error{"JD_ISO_CODES_DIR: " + iso.error().message};
  auto iso_codes = std::make_shared<jd::env::IsoCodes>(std::move(iso).value());
  auto recorder = std::make_shared<jd::kube::KubeEventRecorder>(ctx.client, ctx.clock, "justdriving-operator");
  auto prober = std::make_shared<jd::env::OpenSslTlsProber>(ctx.clock);
  set.keep_alive.push_back(iso_codes);
  set.keep_alive.push_back(recorder);
  set.keep_alive.push_back(prober);

  jd::ControllerOptions copts;
  copts.max_concurrent_reconciles = ctx.options.max_concurrent_reconciles;
  copts.logger = ctx.log;
  copts.metrics = &ctx.metrics;
  copts.namespaces = ctx.options.namespaces;

  jd::env::EnvironmentReconcilerOptions eopts;
  eopts.app_https_address = ctx.env.Lookup("JD_APP_HTTPS_ADDRESS").value_or("");
  if (auto ca = ctx.env.Lookup("JD_CA_BUNDLE"); ca && !ca->empty()) eopts.ca_bundle_path = *ca;
  auto env_ctl = jd::env::NewEnvironmentController(
      ctx.client, ctx.clock, copts, jd::env::EnvironmentControllerDeps{*recorder, *iso_codes, *prober, eopts});
  if (!env_ctl.ok()) return env_ctl.error();
  std::move(env_ctl).value().AddTo(set);

  // Releases: HTTP(S) health probes, signed webhooks (retried in the background), metrics.
  auto http = std::make_shared<jd::release::BeastHttpProber>(ctx.clock);
  auto sender = std::make_shared<jd::release::HttpWebhookSender>(*http);
  auto notifier = std::make_shared<jd::release::Notifier>(ctx.clock, *sender);
  auto release_metrics = std::make_shared<jd::release::ReleaseMetrics>(ctx.metrics.registry());
  // keep_alive is destroyed front to back: users before what they use.
  set.keep_alive.push_back(notifier);
  set.keep_alive.push_back(release_metrics);
  set.keep_alive.push_back(sender);
  set.keep_alive.push_back(http);
  jd::release::ReleaseReconcilerOptions ropts;
  ropts.app_http_address = ctx.env.Lookup("JD_APP_HTTP_ADDRESS").value_or("");
  ropts.app_https_address = eopts.app_https_address;
  auto rel_ctl = jd::release::NewReleaseController(
      ctx.client, ctx.clock, copts,
      jd::release::ReleaseControllerDeps{*recorder, *http, notifier.get(), release_metrics.get(), ropts});
  if (!rel_ctl.ok()) return rel_ctl.error();
  std::move(rel_ctl).value().AddTo(set);
  return set;
}

}  // namespace

int main(int argc, char** argv, char** envp) {
  const jd::MapEnvironment env = jd::MapEnvironment::FromEnvp(envp);
  return jd::RunOperator(argc, argv, env, "justdriving-operator", BuildControllers);
}
