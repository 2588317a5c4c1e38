// app_simulator.h — the simulated app's traffic: HTTP and HTTPS listeners on loopback that
// answer as the Pods behind an Ingress or Service would, by their scenario (scenario.h). The
// operator's HTTP probes, curl and browsers reach "host H" through them.
//
// Per request the Ingresses, Services and Pods are read from the ApiServer in-process (a fresh
// snapshot, so a rollout or a Pod going unready shows at once) and routed by AppRouter
// (app_router.h) on the Host header, port stripped. The answer is the scenario's status and body
// as `text/html; charset=utf-8`, after the scenario's latency (scaled by timeScale). Headers say
// who answered: `X-Kubesim-Pod: ns/name` and `X-Kubesim-Scenario: name` (absent for 404/503).
//
// HTTPS picks the certificate by SNI: the Secret (`data["tls.crt"]`, `data["tls.key"]`) named by
// the first Ingress whose spec.tls[].hosts lists the host. When the Pod that would answer "/" on
// that host has a scenario with `tls.expired` and/or `tls.wrongHost`, a certificate issued on the
// fly by kube-sim's scenario CA is served instead: expired a day ago (by the injected clock)
// and/or issued for `wrong.invalid`. No SNI, no TLS entry for the host, or a missing or unusable
// Secret → the handshake fails with an unrecognized_name alert.
//
// Reaching host H from this machine:
//   curl -H 'Host: app.school.example' http://127.0.0.1:HTTP_PORT/login
//   curl --cacert ingress-ca.crt --resolve app.school.example:HTTPS_PORT:127.0.0.1
//        https://app.school.example:HTTPS_PORT/
//   curl -H 'Host: web.default.svc' http://127.0.0.1:HTTP_PORT/     # a Service, no Ingress
//
// Thread per connection, HTTP/1.1 keep-alive. Stop() ends every connection and joins every
// thread. Not modelled: HTTP/2, request bodies' meaning (read and ignored), redirects such as
// ingress-nginx's ssl-redirect, client certificates.
//
// Usage:
//   AppSimulator apps(api, scenarios, clock, {.listen_http = "127.0.0.1:8080"});
//   Result<std::pair<int, int>> ports = apps.Start();   // {http, https}
//   if (!ports.ok()) fail(ports.error().message);
//   WriteFile("scenario-ca.crt", apps.ScenarioCaPem());
//   ...; apps.Stop();
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "api_error.h"
#include "api_server.h"
#include "clock.h"
#include "scenario.h"

namespace kubesim {

struct AppSimulatorOptions {
  std::string listen_http = "127.0.0.1:0";   // host:port, port 0 picks a free one; "" disables
  std::string listen_https = "127.0.0.1:0";  // likewise
};

class AppSimulator {
 public:
  // `api`, `scenarios` and `clock` must outlive the simulator.
  AppSimulator(ApiServer& api, const Scenarios& scenarios, const Clock& clock, AppSimulatorOptions opts = {});
  ~AppSimulator();
  AppSimulator(const AppSimulator&) = delete;
  AppSimulator& operator=(const AppSimulator&) = delete;

  // Generates the scenario CA, binds both listeners and starts serving (call once). Returns {http, https}
  // ports (0 for a disabled one). A bad address or a port in use is a 400 / 500 ApiError.
  Result<std::pair<int, int>> Start();
  // Stops accepting, ends every connection (and any latency wait) and joins every thread.
  void Stop();
  int http_port() const { return http_port_; }
  int https_port() const { return https_port_; }
  // PEM of the CA that issues the fault certificates (tls.expired / tls.wrongHost); empty before
  // Start().
  std::string ScenarioCaPem() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<int> http_port_{0};
  std::atomic<int> https_port_{0};
};

}  // namespace kubesim
