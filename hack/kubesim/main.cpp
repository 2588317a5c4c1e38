// kubesim — a local Kubernetes API server for tests and demos (see README, "kube-sim").
//
//   kubesim --listen 127.0.0.1:0 --kubeconfig-out /tmp/kubesim.kubeconfig
//
// Prints one line "kube-sim listening on https://HOST:PORT" once it serves, then runs until
// SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "api_server.h"
#include "app_simulator.h"
#include "certs.h"
#include "clock.h"
#include "deployment_controller.h"
#include "https_server.h"
#include "job_controller.h"
#include "kubelet.h"
#include "kubeconfig_writer.h"
#include "replicaset_controller.h"
#include "scenario.h"
#include "scenario_admin.h"
#include "simulator.h"
#include "text_util.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kube-sim: a local Kubernetes API server that kubectl, helm and the operator accept"};
  std::string listen = "127.0.0.1:0";
  std::string kubeconfig_out;
  std::string token;
  bool plain_http = false;
  std::string scenarios_file;
  std::string app_http = "127.0.0.1:0";
  std::string app_https = "127.0.0.1:0";
  bool workloads = true;
  app.add_option("--listen", listen, "address to serve on, host:port (port 0 picks a free port)")->capture_default_str();
  app.add_option("--kubeconfig-out", kubeconfig_out, "write a kubeconfig for this server (server, CA data, token) here");
  app.add_option("--token", token, "bearer token clients must send (default: a random one, written to the kubeconfig)");
  app.add_flag("--insecure-plain-http", plain_http, "DEBUG ONLY: serve plain HTTP without TLS");
  app.add_option("--scenarios", scenarios_file, "scenario file (YAML): how simulated pods, jobs and the app behave (README, Scenarios)");
  app.add_option("--app-listen-http", app_http, "app simulator, plain HTTP, host:port (\"\" disables)")->capture_default_str();
  app.add_option("--app-listen-https", app_https, "app simulator, HTTPS with the Ingress TLS Secrets, host:port (\"\" disables)")
      ->capture_default_str();
  app.add_flag("!--no-workloads", workloads, "do not run the simulated controllers, kubelet and app simulator (API server only)");
  CLI11_PARSE(app, argc, argv);

  if (token.empty()) token = kubesim::NewUid();
  kubesim::SystemClock clock;
  kubesim::ApiServer api(clock, {.token = token});

  kubesim::Scenarios scenarios;
  if (!scenarios_file.empty()) {
    std::ifstream in(scenarios_file);
    if (!in) {
      std::cerr << "kubesim: --scenarios: cannot read " << scenarios_file << "\n";
      return 2;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (auto err = scenarios.LoadYaml(text)) {
      std::cerr << "kubesim: --scenarios " << scenarios_file << ": " << err->message << "\n";
      return 2;
    }
  }
  kubesim::RegisterScenarioAdmin(api, scenarios);

  kubesim::HttpsServerOptions opts;
  opts.listen = listen;
  opts.plain_http = plain_http;
  std::string ca_pem;
  if (!plain_http) {
    kubesim::CertRequest req;
    req.common_name = "kube-sim";
    req.dns_names = {"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"};
    req.ip_addresses = {"127.0.0.1", "::1"};
    auto bundle = kubesim::GenerateCaAndServingCert(req);
    if (!bundle.ok()) {
      std::cerr << "kubesim: cannot create certificates: " << bundle.error().message << "\n";
      return 1;
    }
    ca_pem = bundle.value().ca_cert_pem;
    opts.cert_pem = bundle.value().cert_pem;
    opts.key_pem = bundle.value().key_pem;
  } else {
    std::cerr << "kubesim: WARNING: --insecure-plain-http: serving without TLS; for debugging only\n";
  }
  kubesim::HttpsServer server(api, opts);
  auto port = server.Start();
  if (!port.ok()) {
    std::cerr << "kubesim: " << port.error().message << "\n";
    return 2;
  }
  std::string host = server.host();
  std::string host_url = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::string url = (plain_http ? "http://" : "https://") + host_url + ":" + std::to_string(port.value());
  api.SetServerAddress(host_url + ":" + std::to_string(port.value()));
  kubesim::Simulator simulator(api, clock, scenarios, token);
  std::unique_ptr<kubesim::AppSimulator> app_sim;
  if (workloads) {
    simulator.Add(std::make_unique<kubesim::DeploymentController>());
    simulator.Add(std::make_unique<kubesim::ReplicaSetController>());
    simulator.Add(std::make_unique<kubesim::JobController>());
    simulator.Add(std::make_unique<kubesim::Kubelet>());
    simulator.Start();
    if (!app_http.empty() || !app_https.empty()) {
      app_sim = std::make_unique<kubesim::AppSimulator>(api, scenarios, clock, kubesim::AppSimulatorOptions{app_http, app_https});
      auto ports = app_sim->Start();
      if (!ports.ok()) {
        std::cerr << "kubesim: app simulator: " << ports.error().message << "\n";
        return 2;
      }
      std::cout << "kube-sim app simulator on http://127.0.0.1:" << ports.value().first << " and https://127.0.0.1:"
                << ports.value().second << std::endl;
    }
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  // The kubeconfig appears last: once it exists, everything above serves.
  if (!kubeconfig_out.empty()) {
    std::string tmp = kubeconfig_out + ".tmp";
    {
      std::ofstream f(tmp);
      f << kubesim::KubeconfigYaml({url, ca_pem, token, "default"});
      if (!f) {
        std::cerr << "kubesim: cannot write --kubeconfig-out " << kubeconfig_out << "\n";
        return 2;
      }
    }
    std::rename(tmp.c_str(), kubeconfig_out.c_str());
  }
  std::cout << "kube-sim listening on " << url << std::endl;
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (app_sim) app_sim->Stop();
  simulator.Stop();
  server.Stop();
  api.Shutdown();
  std::cout << "kube-sim stopped" << std::endl;
  return 0;
}
