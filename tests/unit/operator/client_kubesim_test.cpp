// RestClient over HttpTransport against an in-process kube-sim on a loopback port, over TLS with
// a generated CA and a bearer token: the real wire, the real error bodies, real watches.
#include <chrono>
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "api_server.h"
#include "certs.h"
#include "clock.h"
#include "common/system_clock.h"
#include "https_server.h"
#include "kube/client.h"
#include "kube/http_transport.h"

namespace jd::kube {
namespace {

using nlohmann::json;

// Sleeps for real but calls `on_sleep` first (a test hook, e.g. to lift a fault).
class HookSleeper final : public Sleeper {
 public:
  void SleepFor(Duration d) override {
    sleeps.push_back(d);
    if (on_sleep) on_sleep();
    real.SleepFor(std::min<Duration>(d, std::chrono::milliseconds(50)));
  }
  std::vector<Duration> sleeps;
  std::function<void()> on_sleep;
  RealSleeper real;
};

class ClientKubesimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kubesim::CertRequest req;
    req.ip_addresses = {"127.0.0.1"};
    auto bundle = kubesim::GenerateCaAndServingCert(req);
    ASSERT_TRUE(bundle.ok()) << bundle.error().message;
    certs_ = bundle.value();
    api_ = std::make_unique<kubesim::ApiServer>(sim_clock_, kubesim::ApiServerOptions{.token = "t0ken"});
    server_ = std::make_unique<kubesim::HttpsServer>(
        *api_, kubesim::HttpsServerOptions{"127.0.0.1:0", certs_.cert_pem, certs_.key_pem, false});
    auto port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.error().message;
    server_url_ = "https://127.0.0.1:" + std::to_string(port.value());
    auto t = HttpTransport::Create(Options());
    ASSERT_TRUE(t.ok()) << Describe(t.error());
    transport_ = std::move(t).value();
    client_ = std::make_unique<RestClient>(*transport_, clock_, sleeper_, ClientOptions{});
  }
  void TearDown() override {
    client_.reset();
    transport_.reset();
    if (server_) server_->Stop();
    if (api_) api_->Shutdown();
  }

  HttpTransportOptions Options() {
    HttpTransportOptions o;
    o.server = server_url_;
    o.ca_pem = certs_.ca_cert_pem;
    o.bearer_token = "t0ken";
    o.timeout = std::chrono::seconds(10);
    return o;
  }

  static json ConfigMap(const std::string& name, const std::string& value) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", "default"}}},
            {"data", {{"k", value}}}};
  }

  kubesim::SystemClock sim_clock_;
  kubesim::CertBundle certs_;
  std::unique_ptr<kubesim::ApiServer> api_;
  std::unique_ptr<kubesim::HttpsServer> server_;
  std::string server_url_;
  jd::SystemClock clock_;
  HookSleeper sleeper_;
  std::unique_ptr<HttpTransport> transport_;
  std::unique_ptr<RestClient> client_;
};

TEST_F(ClientKubesimTest, ConfigMapCrud) {
  auto created = client_->Create(kConfigMaps, ConfigMap("crud", "v1"));
  ASSERT_TRUE(created.ok()) << Describe(created.error());
  EXPECT_FALSE(created.value()["metadata"].value("uid", "").empty());

  EXPECT_TRUE(IsAlreadyExists(client_->Create(kConfigMaps, ConfigMap("crud", "v1"))));

  auto got = client_->Get(kConfigMaps, "default", "crud");
  ASSERT_TRUE(got.ok()) << Describe(got.error());
  EXPECT_EQ(got.value()["data"]["k"], "v1");

  json obj = got.value();
  obj["data"]["k"] = "v2";
  auto updated = client_->Update(kConfigMaps, obj);
  ASSERT_TRUE(updated.ok()) << Describe(updated.error());
  EXPECT_EQ(updated.value()["data"]["k"], "v2");

  auto patched = client_->Patch(kConfigMaps, "default", "crud", PatchType::kMerge, {{"data", {{"p", "1"}}}});
  ASSERT_TRUE(patched.ok()) << Describe(patched.error());
  EXPECT_EQ(patched.value()["data"]["p"], "1");

  PatchOptions apply;
  apply.field_manager = "jd-test";
  apply.force = true;
  auto applied = client_->Patch(kConfigMaps, "default", "crud", PatchType::kApply, ConfigMap("crud", "v3"), apply);
  ASSERT_TRUE(applied.ok()) << Describe(applied.error());
  EXPECT_EQ(applied.value()["data"]["k"], "v3");

  ListOptions lo;
  lo.field_selector = "metadata.name=crud";
  auto list = client_->List(kConfigMaps, "default", lo);
  ASSERT_TRUE(list.ok()) << Describe(list.error());
  ASSERT_EQ(list.value()["items"].size(), 1u);

  ASSERT_TRUE(client_->Delete(kConfigMaps, "default", "crud").ok());
  EXPECT_TRUE(IsNotFound(client_->Get(kConfigMaps, "default", "crud")));
  EXPECT_TRUE(IsNotFound(client_->Delete(kConfigMaps, "default", "crud")));
}

TEST_F(ClientKubesimTest, ListFollowsPages) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client_->Create(kConfigMaps, ConfigMap("page-" + std::to_string(i), "v")).ok());
  ListOptions lo;
  lo.limit = 2;
  auto list = client_->List(kConfigMaps, "default", lo);
  ASSERT_TRUE(list.ok()) << Describe(list.error());
  EXPECT_GE(list.value()["items"].size(), 5u);
}

TEST_F(ClientKubesimTest, StaleUpdateIsConflict) {
  auto created = client_->Create(kConfigMaps, ConfigMap("stale", "v1"));
  ASSERT_TRUE(created.ok()) << Describe(created.error());
  json first = created.value();
  first["data"]["k"] = "v2";
  ASSERT_TRUE(client_->Update(kConfigMaps, first).ok());
  json stale = created.value();
  stale["data"]["k"] = "v3";
  auto r = client_->Update(kConfigMaps, stale);
  ASSERT_TRUE(IsConflict(r)) << (r.ok() ? "ok" : Describe(r.error()));
  EXPECT_EQ(r.error().code, 409);
}

TEST_F(ClientKubesimTest, InvalidObjectCarriesCauses) {
  json nameless = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"namespace", "default"}}}};
  auto r = client_->Create(kConfigMaps, nameless);
  ASSERT_TRUE(IsInvalid(r)) << (r.ok() ? "ok" : Describe(r.error()));
  EXPECT_EQ(r.error().code, 422);
  ASSERT_FALSE(r.error().causes.empty());
  EXPECT_EQ(r.error().causes[0].field, "metadata.name");
  EXPECT_EQ(r.error().causes[0].reason, "FieldValueRequired");
}

TEST_F(ClientKubesimTest, WatchSeesAddedModifiedDeleted) {
  auto list = client_->List(kConfigMaps, "default");
  ASSERT_TRUE(list.ok()) << Describe(list.error());
  WatchOptions wo;
  wo.resource_version = list.value()["metadata"].value("resourceVersion", "");
  wo.timeout = std::chrono::seconds(30);
  auto w = client_->Watch(kConfigMaps, "default", wo);
  ASSERT_TRUE(w.ok()) << Describe(w.error());

  auto created = client_->Create(kConfigMaps, ConfigMap("watched", "v1"));
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(client_->Patch(kConfigMaps, "default", "watched", PatchType::kMerge, {{"data", {{"k", "v2"}}}}).ok());
  ASSERT_TRUE(client_->Delete(kConfigMaps, "default", "watched").ok());

  std::vector<WatchEvent::Type> seen;
  for (int i = 0; i < 50 && seen.size() < 3; ++i) {
    auto r = w.value()->Next(std::chrono::milliseconds(200));
    ASSERT_TRUE(r.ok()) << Describe(r.error());
    ASSERT_NE(r.value().kind, WatchRead::Kind::kEnd);
    if (r.value().kind != WatchRead::Kind::kEvent) continue;
    if (r.value().event.type == WatchEvent::Type::kBookmark) continue;
    EXPECT_EQ(r.value().event.object["metadata"]["name"], "watched");
    seen.push_back(r.value().event.type);
  }
  EXPECT_EQ(seen, (std::vector<WatchEvent::Type>{WatchEvent::Type::kAdded, WatchEvent::Type::kModified,
                                                 WatchEvent::Type::kDeleted}));
  w.value()->Cancel();
  auto after = w.value()->Next(std::chrono::seconds(2));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after.value().kind, WatchRead::Kind::kEnd);
}

TEST_F(ClientKubesimTest, WatchFromATooOldVersionIsGone) {
  api_->faults().Configure(json{{"goneNextWatches", 1}});
  WatchOptions wo;
  wo.resource_version = "1";
  auto w = client_->Watch(kConfigMaps, "default", wo);
  if (!w.ok()) {
    EXPECT_TRUE(IsGone(w.error())) << Describe(w.error());
    return;
  }
  // Some servers answer 200 and send a single ERROR event instead.
  auto r = w.value()->Next(std::chrono::seconds(5));
  ASSERT_TRUE(r.ok()) << Describe(r.error());
  ASSERT_EQ(r.value().kind, WatchRead::Kind::kEvent);
  ASSERT_EQ(r.value().event.type, WatchEvent::Type::kError);
  EXPECT_TRUE(IsGone(*r.value().event.error));
}

TEST_F(ClientKubesimTest, AnotherCaIsRefusedAsTls) {
  auto other = kubesim::GenerateCaAndServingCert(kubesim::CertRequest{});
  ASSERT_TRUE(other.ok());
  HttpTransportOptions o = Options();
  o.ca_pem = other.value().ca_cert_pem;
  auto t = HttpTransport::Create(o);
  ASSERT_TRUE(t.ok()) << Describe(t.error());
  ClientOptions co;
  co.max_transport_retries = 0;
  RestClient client(*t.value(), clock_, sleeper_, co);
  auto r = client.Get(kConfigMaps, "default", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTransport);
  EXPECT_EQ(r.error().transport, TransportErrorKind::kTls) << Describe(r.error());
}

TEST_F(ClientKubesimTest, ConnectionRefusedIsAConnectError) {
  HttpTransportOptions o = Options();
  server_->Stop();
  auto t = HttpTransport::Create(o);
  ASSERT_TRUE(t.ok());
  auto r = t.value()->Do(HttpRequest{"GET", "/version", {}, {}, "", "", std::chrono::milliseconds(0)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().transport, TransportErrorKind::kConnect) << Describe(r.error());
}

TEST_F(ClientKubesimTest, InsecureSkipVerifyAcceptsAnyServer) {
  HttpTransportOptions o = Options();
  o.ca_pem.clear();
  o.insecure_skip_tls_verify = true;
  auto t = HttpTransport::Create(o);
  ASSERT_TRUE(t.ok());
  RestClient client(*t.value(), clock_, sleeper_, ClientOptions{});
  auto r = client.List(kNamespaces, "");
  EXPECT_TRUE(r.ok()) << Describe(r.error());
}

TEST_F(ClientKubesimTest, WrongTokenIsUnauthorized) {
  HttpTransportOptions o = Options();
  o.bearer_token = "wrong";
  auto t = HttpTransport::Create(o);
  ASSERT_TRUE(t.ok());
  RestClient client(*t.value(), clock_, sleeper_, ClientOptions{});
  auto r = client.Get(kConfigMaps, "default", "x");
  EXPECT_TRUE(Is(r, ErrorKind::kUnauthorized)) << (r.ok() ? "ok" : Describe(r.error()));
}

TEST_F(ClientKubesimTest, TokenFileIsReReadWhenItChanges) {
  std::string path = ::testing::TempDir() + "jd_client_token";
  std::ofstream(path) << "wrong\n";
  HttpTransportOptions o = Options();
  o.bearer_token.clear();
  o.token_file = path;
  auto t = HttpTransport::Create(o);
  ASSERT_TRUE(t.ok());
  RestClient client(*t.value(), clock_, sleeper_, ClientOptions{});
  EXPECT_TRUE(Is(client.List(kNamespaces, ""), ErrorKind::kUnauthorized));
  std::ofstream(path) << "t0ken\n";  // a different size, so a change even within one mtime tick
  auto r = client.List(kNamespaces, "");
  EXPECT_TRUE(r.ok()) << Describe(r.error());
  std::remove(path.c_str());
}

TEST_F(ClientKubesimTest, TooManyRequestsFaultBacksOffAndSucceeds) {
  ASSERT_TRUE(client_->Create(kConfigMaps, ConfigMap("busy", "v")).ok());
  auto err = api_->faults().Configure(
      json{{"errors", json::array({{{"verb", "*"}, {"resource", "configmaps"}, {"rate", 1.0}, {"code", 429},
                                    {"retryAfterSeconds", 1}}})}});
  ASSERT_FALSE(err.has_value()) << err->message;
  int sleeps = 0;
  sleeper_.on_sleep = [&] {
    if (++sleeps == 2) api_->faults().Configure(json::object());  // the server recovers
  };
  auto r = client_->Get(kConfigMaps, "default", "busy");
  ASSERT_TRUE(r.ok()) << Describe(r.error());
  ASSERT_EQ(sleeper_.sleeps.size(), 2u);
  EXPECT_EQ(sleeper_.sleeps[0], std::chrono::seconds(1));
  EXPECT_EQ(sleeper_.sleeps[1], std::chrono::seconds(1));
}

}  // namespace
}  // namespace jd::kube
