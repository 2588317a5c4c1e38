// kubesim_harness.h — for integration tests: an in-process kube-sim (ApiServer behind its TLS
// server on a free loopback port, CA and bearer token generated) and a RestClient that talks to
// it the way the operator does.
//
// Usage (in a fixture):
//   void SetUp() override { ASSERT_EQ(kube_.Start(), ""); }
//   void TearDown() override { kube_.Stop(); }
//   kube_.api().faults().Configure(...);  kube_.client().Get(...);
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "api_server.h"
#include "certs.h"
#include "clock.h"
#include "common/system_clock.h"
#include "https_server.h"
#include "kube/client.h"
#include "kube/http_transport.h"

namespace jd::testing {

class KubesimHarness {
 public:
  // Starts kube-sim and the client; "" when both are up, else what failed.
  std::string Start(kubesim::ApiServerOptions server_options = {.token = "t0ken"},
                    kube::ClientOptions client_options = {.qps = 0}) {
    kubesim::CertRequest req;
    req.ip_addresses = {"127.0.0.1"};
    auto bundle = kubesim::GenerateCaAndServingCert(req);
    if (!bundle.ok()) return bundle.error().message;
    certs_ = bundle.value();
    token_ = server_options.token;
    api_ = std::make_unique<kubesim::ApiServer>(sim_clock_, server_options);
    server_ = std::make_unique<kubesim::HttpsServer>(
        *api_, kubesim::HttpsServerOptions{"127.0.0.1:0", certs_.cert_pem, certs_.key_pem, false});
    auto port = server_->Start();
    if (!port.ok()) return port.error().message;
    url_ = "https://127.0.0.1:" + std::to_string(port.value());
    auto t = kube::HttpTransport::Create(TransportOptions());
    if (!t.ok()) return kube::Describe(t.error());
    transport_ = std::move(t).value();
    client_ = std::make_unique<kube::RestClient>(*transport_, clock_, sleeper_, client_options);
    return "";
  }

  void Stop() {
    client_.reset();
    transport_.reset();
    if (server_) server_->Stop();
    if (api_) api_->Shutdown();
  }

  // Options for another transport to the same server (another CA or token in a test, say).
  kube::HttpTransportOptions TransportOptions() const {
    kube::HttpTransportOptions o;
    o.server = url_;
    o.ca_pem = certs_.ca_cert_pem;
    o.bearer_token = token_;
    o.timeout = std::chrono::seconds(10);
    return o;
  }

  kubesim::ApiServer& api() { return *api_; }
  kube::RestClient& client() { return *client_; }
  jd::Clock& clock() { return clock_; }
  kube::Sleeper& sleeper() { return sleeper_; }

 private:
  kubesim::SystemClock sim_clock_;
  kubesim::CertBundle certs_;
  std::string token_;
  std::string url_;
  std::unique_ptr<kubesim::ApiServer> api_;
  std::unique_ptr<kubesim::HttpsServer> server_;
  jd::SystemClock clock_;
  kube::RealSleeper sleeper_;
  std::unique_ptr<kube::HttpTransport> transport_;
  std::unique_ptr<kube::RestClient> client_;
};

}  // namespace jd::testing
