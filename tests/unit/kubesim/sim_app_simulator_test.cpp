// AppSimulator in-process: objects written through the ApiServer (the test plays kubelet by
// PUTting pod status), requests over real sockets with a Host header (HTTP) and with SNI (HTTPS,
// Boost.Beast client verifying the CA).
#include "app_simulator.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "api_server.h"
#include "certs.h"
#include "clock.h"
#include "text_util.h"

namespace kubesim {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using nlohmann::json;

constexpr const char* kToken = "t0ken";
constexpr const char* kHost = "app.school.example";

struct Reply {
  int status = 0;
  std::string body;
  std::string pod;           // X-Kubesim-Pod
  std::string content_type;
  std::string error;         // transport or TLS failure
  long verify_result = -1;   // SSL_get_verify_result (HTTPS)
  bool cert_expired = false; // the served certificate's notAfter is in the past
  bool cert_not_yet_valid = false;
  std::string cert_subject_cn;
};

http::request<http::string_body> MakeRequest(const std::string& host, const std::string& target) {
  http::request<http::string_body> req{http::verb::get, target, 11};
  req.set(http::field::host, host);
  return req;
}

template <class Stream>
void ReadInto(Stream& stream, beast::flat_buffer& buffer, Reply& r) {
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  r.status = static_cast<int>(res.result_int());
  r.body = res.body();
  r.pod = std::string(res["X-Kubesim-Pod"]);
  r.content_type = std::string(res[http::field::content_type]);
}

// Requests over one keep-alive HTTP connection.
std::vector<Reply> HttpGets(int port, const std::string& host, const std::vector<std::string>& targets) {
  std::vector<Reply> out;
  try {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    beast::flat_buffer buffer;
    for (const auto& t : targets) {
      http::write(stream, MakeRequest(host, t));
      Reply r;
      ReadInto(stream, buffer, r);
      out.push_back(r);
    }
  } catch (const std::exception& e) {
    Reply failed;
    failed.error = e.what();
    out.push_back(failed);
  }
  return out;
}

Reply HttpGet(int port, const std::string& host, const std::string& target) { return HttpGets(port, host, {target}).front(); }

// One HTTPS request with SNI `host`. The chain and host name are verified against `ca_pem`; with
// `strict` a failed verification fails the handshake, otherwise its result is reported.
Reply HttpsGet(int port, const std::string& ca_pem, const std::string& host, const std::string& target,
               bool strict = true) {
  Reply r;
  try {
    net::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    ctx.add_certificate_authority(net::buffer(ca_pem));
    ctx.set_verify_mode(strict ? ssl::verify_peer : ssl::verify_none);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    if (!host.empty()) {  // empty: no SNI at all
      if (!SSL_set_tlsext_host_name(stream.native_handle(), host.c_str())) throw std::runtime_error("SNI");
      SSL_set1_host(stream.native_handle(), host.c_str());
    }
    stream.next_layer().connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    stream.handshake(ssl::stream_base::client);
    r.verify_result = SSL_get_verify_result(stream.native_handle());
    if (X509* cert = SSL_get1_peer_certificate(stream.native_handle())) {
      r.cert_expired = X509_cmp_current_time(X509_get0_notAfter(cert)) < 0;
      r.cert_not_yet_valid = X509_cmp_current_time(X509_get0_notBefore(cert)) > 0;
      char cn[256] = {0};
      X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
      r.cert_subject_cn = cn;
      X509_free(cert);
    }
    http::write(stream, MakeRequest(host, target));
    beast::flat_buffer buffer;
    ReadInto(stream, buffer, r);
    beast::error_code ec;
    stream.shutdown(ec);
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

class AppSimulatorTest : public ::testing::Test {
 protected:
  AppSimulatorTest() : api_(clock_, ApiServerOptions{.token = kToken}) {}

  void SetUp() override {
    auto err = scenarios_.LoadYaml(R"(
timeScale: 0.5
scenarios:
- name: good
  match: {image: "registry.example.com/app:1.*"}
  http:
    /slow: {status: 200, body: "slow", latencyMs: 400}
    /login: {status: 500, body: "Server Error"}
    "*": {status: 200, body: "<h1>Just Driving</h1>"}
- name: expired
  match: {image: "registry.example.com/app:2.*"}
  tls: {expired: true}
- name: wrong-host
  match: {image: "registry.example.com/app:3.*"}
  tls: {wrongHost: true}
)");
    ASSERT_FALSE(err) << err->message;

    CertRequest req;
    req.dns_names = {kHost};
    req.ca_common_name = "ingress-ca";
    auto bundle = GenerateCaAndServingCert(req);
    ASSERT_TRUE(bundle.ok()) << bundle.error().message;
    ingress_ca_ = bundle.value().ca_cert_pem;

    Create("/api/v1/namespaces", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "school"}}}});
    Create("/api/v1/namespaces/school/secrets",
           {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"metadata", {{"name", "app-tls"}}},
            {"type", "kubernetes.io/tls"},
            {"data", {{"tls.crt", Base64Encode(bundle.value().cert_pem)}, {"tls.key", Base64Encode(bundle.value().key_pem)}}}});
    Create("/api/v1/namespaces/school/services",
           {{"apiVersion", "v1"},
            {"kind", "Service"},
            {"metadata", {{"name", "web"}}},
            {"spec", {{"selector", {{"app", "web"}}}, {"ports", json::array({{{"name", "http"}, {"port", 80}, {"targetPort", 8080}}})}}}});
    Create("/apis/networking.k8s.io/v1/namespaces/school/ingresses",
           {{"apiVersion", "networking.k8s.io/v1"},
            {"kind", "Ingress"},
            {"metadata", {{"name", "app"}}},
            {"spec",
             {{"tls", json::array({{{"hosts", {kHost, "notls-secret.example"}}, {"secretName", "app-tls"}}})},
              {"rules", json::array({{{"host", kHost},
                                      {"http",
                                       {{"paths", json::array({{{"path", "/"},
                                                                {"pathType", "Prefix"},
                                                                {"backend",
                                                                 {{"service", {{"name", "web"}, {"port", {{"number", 80}}}}}}}}})}}}}})}}}});

    sim_ = std::make_unique<AppSimulator>(api_, scenarios_, clock_);
    auto ports = sim_->Start();
    ASSERT_TRUE(ports.ok()) << ports.error().message;
    http_port_ = ports.value().first;
    https_port_ = ports.value().second;
    ASSERT_GT(http_port_, 0);
    ASSERT_GT(https_port_, 0);
    EXPECT_EQ(sim_->http_port(), http_port_);
    EXPECT_EQ(sim_->https_port(), https_port_);
  }

  void TearDown() override {
    if (sim_) sim_->Stop();
    api_.Shutdown();
  }

  json Call(const std::string& method, const std::string& path, const json& body) {
    HttpRequest req{method, path, {}, {{"authorization", std::string("Bearer ") + kToken}, {"content-type", "application/json"}},
                    body.is_null() ? "" : body.dump()};
    ApiResponse res = api_.Handle(req);
    EXPECT_LT(res.response.status, 300) << method << " " << path << ": " << res.response.body;
    return json::parse(res.response.body);
  }
  json Create(const std::string& collection, const json& obj) { return Call("POST", collection, obj); }

  // Creates a Pod and, as kubelet would, marks it Running and Ready.
  void RunPod(const std::string& name, const std::string& image, bool ready = true) {
    json pod = Create("/api/v1/namespaces/school/pods",
                      {{"apiVersion", "v1"},
                       {"kind", "Pod"},
                       {"metadata", {{"name", name}, {"labels", {{"app", "web"}}}}},
                       {"spec", {{"containers", json::array({{{"name", "app"}, {"image", image}}})}}}});
    pod["status"] = {{"phase", "Running"},
                     {"conditions", json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}})}};
    Call("PUT", "/api/v1/namespaces/school/pods/" + name + "/status", pod);
  }

  SystemClock clock_;
  ApiServer api_;
  Scenarios scenarios_;
  std::string ingress_ca_;
  std::unique_ptr<AppSimulator> sim_;
  int http_port_ = 0, https_port_ = 0;
};

TEST_F(AppSimulatorTest, HttpByHostHeader) {
  EXPECT_EQ(HttpGet(http_port_, kHost, "/").status, 503);  // no Pod yet
  RunPod("web-1", "registry.example.com/app:1.0");

  Reply r = HttpGet(http_port_, std::string(kHost) + ":" + std::to_string(http_port_), "/login?next=%2F");
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, "Server Error");
  EXPECT_EQ(r.pod, "school/web-1");
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");

  Reply home = HttpGet(http_port_, kHost, "/");
  EXPECT_EQ(home.status, 200);
  EXPECT_EQ(home.body, "<h1>Just Driving</h1>");

  Reply unknown = HttpGet(http_port_, "unknown.example", "/");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.pod, "");

  Reply by_dns = HttpGet(http_port_, "web.school.svc.cluster.local", "/");
  EXPECT_EQ(by_dns.status, 200);
  EXPECT_EQ(by_dns.pod, "school/web-1");
}

TEST_F(AppSimulatorTest, KeepAliveRoundRobinsAcrossPodsAndSkipsUnready) {
  RunPod("web-1", "registry.example.com/app:1.0");
  RunPod("web-2", "registry.example.com/app:1.1");
  RunPod("web-3", "registry.example.com/app:1.1", /*ready=*/false);
  std::vector<Reply> replies = HttpGets(http_port_, kHost, {"/", "/", "/", "/"});
  ASSERT_EQ(replies.size(), 4u);
  std::set<std::string> pods;
  for (const Reply& r : replies) {
    ASSERT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(r.status, 200);
    pods.insert(r.pod);
  }
  EXPECT_EQ(pods, (std::set<std::string>{"school/web-1", "school/web-2"}));
}

TEST_F(AppSimulatorTest, HttpsServesTheIngressSecretBySni) {
  RunPod("web-1", "registry.example.com/app:1.0");
  Reply r = HttpsGet(https_port_, ingress_ca_, kHost, "/");
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.verify_result, X509_V_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<h1>Just Driving</h1>");
  EXPECT_EQ(r.pod, "school/web-1");
}

TEST_F(AppSimulatorTest, HttpsWithoutATlsSecretForTheHostFailsTheHandshake) {
  RunPod("web-1", "registry.example.com/app:1.0");
  Reply no_entry = HttpsGet(https_port_, ingress_ca_, "other.example", "/");
  EXPECT_FALSE(no_entry.error.empty());
  EXPECT_EQ(no_entry.status, 0);
  Reply no_sni = HttpsGet(https_port_, ingress_ca_, "", "/");
  EXPECT_FALSE(no_sni.error.empty());
  // Listed in spec.tls, but the Secret lacks the keys: refused as well.
  Call("PUT", "/api/v1/namespaces/school/secrets/app-tls",
       {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", "app-tls"}, {"namespace", "school"}}}, {"data", json::object()}});
  Reply bad_secret = HttpsGet(https_port_, ingress_ca_, kHost, "/");
  EXPECT_FALSE(bad_secret.error.empty());
}

TEST_F(AppSimulatorTest, ExpiredScenarioServesAnExpiredCertificateFromTheScenarioCa) {
  RunPod("web-1", "registry.example.com/app:2.0");
  const std::string scenario_ca = sim_->ScenarioCaPem();
  ASSERT_NE(scenario_ca.find("BEGIN CERTIFICATE"), std::string::npos);

  Reply strict = HttpsGet(https_port_, scenario_ca, kHost, "/");
  EXPECT_FALSE(strict.error.empty());  // a verifying client refuses it

  Reply r = HttpsGet(https_port_, scenario_ca, kHost, "/", /*strict=*/false);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_TRUE(r.cert_expired);
  EXPECT_EQ(r.verify_result, X509_V_ERR_CERT_HAS_EXPIRED);
  EXPECT_EQ(r.cert_subject_cn, kHost);
  EXPECT_EQ(r.status, 200);
}

TEST_F(AppSimulatorTest, WrongHostScenarioServesACertificateForAnotherName) {
  RunPod("web-1", "registry.example.com/app:3.0");
  Reply r = HttpsGet(https_port_, sim_->ScenarioCaPem(), kHost, "/", /*strict=*/false);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_FALSE(r.cert_expired);
  EXPECT_FALSE(r.cert_not_yet_valid);
  EXPECT_EQ(r.cert_subject_cn, "wrong.invalid");
  EXPECT_EQ(r.verify_result, X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST_F(AppSimulatorTest, LatencyIsAppliedScaled) {
  RunPod("web-1", "registry.example.com/app:1.0");
  auto start = std::chrono::steady_clock::now();
  Reply r = HttpGet(http_port_, kHost, "/slow");
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.body, "slow");
  EXPECT_GE(took, std::chrono::milliseconds(200));  // 400 ms × timeScale 0.5
}

TEST_F(AppSimulatorTest, StopEndsOpenConnectionsAndWaits) {
  RunPod("web-1", "registry.example.com/app:1.0");
  ASSERT_EQ(HttpGet(http_port_, kHost, "/").status, 200);
  sim_->Stop();
  Reply after = HttpGet(http_port_, kHost, "/");
  EXPECT_FALSE(after.error.empty());
}

TEST(AppSimulatorOptionsTest, BadListenAddressIsRefused) {
  SystemClock clock;
  ApiServer api(clock, ApiServerOptions{.token = kToken});
  Scenarios scenarios;
  AppSimulator sim(api, scenarios, clock, {.listen_http = "localhost:80", .listen_https = ""});
  auto r = sim.Start();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 400);
  api.Shutdown();
}

}  // namespace
}  // namespace kubesim
