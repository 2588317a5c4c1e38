// The Manager, its endpoints and metrics: HttpEndpoint and ParseBindAddress, PrometheusMetrics'
// exposition, and Manager::Run against an in-process kube-sim (readyz after sync, leader election
// gating the workers, shutdown releasing the Lease, exit codes).
#include "runtime/manager.h"

#include <chrono>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include "kubesim_harness.h"
#include "runtime/http_endpoint.h"
#include "runtime/prometheus_metrics.h"
#include "support/copy_reconciler.h"

namespace jd {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A plain HTTP/1.1 GET to 127.0.0.1:port over a POSIX socket (independent of the server's
// Boost.Beast); returns {status, body}, {0, error} when it failed.
std::pair<int, std::string> HttpGet(uint16_t port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {0, "socket"};
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return {0, "connect refused"};
  }
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return {0, "send"};
  }
  std::string resp;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    resp.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (resp.rfind("HTTP/1.1 ", 0) != 0 || resp.size() < 12) return {0, "bad response: " + resp};
  const size_t body = resp.find("\r\n\r\n");
  return {std::stoi(resp.substr(9, 3)), body == std::string::npos ? "" : resp.substr(body + 4)};
}

std::shared_ptr<spdlog::logger> NullLogger() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

TEST(ParseBindAddressTest, Table) {
  struct Case {
    std::string in;
    std::string host;
    int port;  // -1: error
  };
  const std::vector<Case> cases = {
      {":8080", "0.0.0.0", 8080}, {"127.0.0.1:0", "127.0.0.1", 0}, {"[::1]:9443", "::1", 9443},
      {"8080", "", -1},           {":http", "", -1},               {"localhost:80", "", -1},
      {":70000", "", -1},
  };
  for (const Case& c : cases) {
    auto r = ParseBindAddress(c.in);
    if (c.port < 0) {
      ASSERT_FALSE(r.ok()) << c.in;
      EXPECT_NE(r.error().message.find(c.in), std::string::npos) << r.error().message;
    } else {
      ASSERT_TRUE(r.ok()) << c.in << ": " << r.error().message;
      EXPECT_EQ(r.value().host, c.host);
      EXPECT_EQ(r.value().port, c.port);
    }
  }
}

TEST(HttpEndpointTest, ServesRoutesAnd404) {
  int calls = 0;
  auto ep = HttpEndpoint::Listen("127.0.0.1:0", {{"/x", [&] {
                                                   ++calls;
                                                   return HttpEndpoint::Response{201, "text/plain", "hello"};
                                                 }},
                                                 {"/boom", []() -> HttpEndpoint::Response {
                                                   throw std::runtime_error("bad");
                                                 }}});
  ASSERT_TRUE(ep.ok()) << ep.error().message;
  const uint16_t port = ep.value()->port();
  ASSERT_NE(port, 0);
  EXPECT_EQ(HttpGet(port, "/x"), (std::pair<int, std::string>{201, "hello"}));
  EXPECT_EQ(HttpGet(port, "/x?verbose=1").first, 201);
  EXPECT_EQ(HttpGet(port, "/nope").first, 404);
  EXPECT_EQ(HttpGet(port, "/boom").first, 500);
  EXPECT_EQ(calls, 2);
  ep.value()->Stop();
  EXPECT_EQ(HttpGet(port, "/x").first, 0);  // closed
}

TEST(HttpEndpointTest, BusyPortIsAClearError) {
  auto a = HttpEndpoint::Listen("127.0.0.1:0", {});
  ASSERT_TRUE(a.ok());
  const std::string addr = "127.0.0.1:" + std::to_string(a.value()->port());
  auto b = HttpEndpoint::Listen(addr, {});
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("cannot listen on " + addr), std::string::npos) << b.error().message;
}

TEST(PrometheusMetricsTest, HooksShowUpInTheExposition) {
  PrometheusMetrics m;
  auto c = m.ForController("release");
  c->ReconcileFinished(ReconcileResultLabel::kSuccess, milliseconds(20));
  c->ReconcileFinished(ReconcileResultLabel::kError, milliseconds(3));
  auto q = m.ForWorkQueue("release");
  q->Added();
  q->DepthChanged(4);
  q->Retried();
  m.ApiRequest("GET", 200);
  m.ApiRequest("GET", 200);
  m.ApiRequest("PUT", 0);
  m.SetLeader("jd-leader", true);
  const std::string text = m.Expose();
  for (const char* want : {
           "# TYPE controller_runtime_reconcile_total counter",
           "controller_runtime_reconcile_total{controller=\"release\",result=\"success\"} 1",
           "controller_runtime_reconcile_total{controller=\"release\",result=\"error\"} 1",
           "controller_runtime_reconcile_errors_total{controller=\"release\"} 1",
           "controller_runtime_reconcile_time_seconds_count{controller=\"release\"} 2",
           "workqueue_depth{name=\"release\"} 4",
           "workqueue_adds_total{name=\"release\"} 1",
           "workqueue_retries_total{name=\"release\"} 1",
           "rest_client_requests_total{code=\"200\",method=\"GET\"} 2",
           "rest_client_requests_total{code=\"<error>\",method=\"PUT\"} 1",
           "leader_election_master_status{name=\"jd-leader\"} 1",
       }) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n---\n" << text;
  }
}

TEST(ValidateManagerOptionsTest, LeaderElectionNeedsNamespaceAndIdentity) {
  EXPECT_TRUE(ValidateManagerOptions({}).ok());
  ManagerOptions o;
  o.leader_elect = true;
  o.identity = "a";
  auto r = ValidateManagerOptions(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--leader-election-namespace"), std::string::npos);
  o.leader_election_namespace = "ops";
  EXPECT_TRUE(ValidateManagerOptions(o).ok());
  o.retry_period = seconds(20);
  EXPECT_FALSE(ValidateManagerOptions(o).ok());
}

class ManagerKubesimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(kube_.Start(), "");
    ASSERT_TRUE(kube_.client().Create(kube::kNamespaces, {{"apiVersion", "v1"}, {"kind", "Namespace"},
                                                          {"metadata", {{"name", "ops"}}}}).ok());
  }
  void TearDown() override { kube_.Stop(); }

  ManagerOptions LeaderOptions(const std::string& identity) {
    ManagerOptions o;
    o.leader_elect = true;
    o.leader_election_namespace = "ops";
    o.leader_election_id = "test-leader";
    o.identity = identity;
    o.lease_duration = seconds(3);
    o.renew_deadline = seconds(2);
    o.retry_period = milliseconds(200);
    o.health_probe_bind_address = "127.0.0.1:0";
    o.metrics_bind_address = "127.0.0.1:0";
    return o;
  }

  std::string Holder() {
    auto l = kube_.client().Get(kube::kLeases, "ops", "test-leader");
    return l.ok() ? l.value()["spec"].value("holderIdentity", "") : "<none>";
  }

  template <typename F>
  bool Eventually(F f, milliseconds within = milliseconds(10000)) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
      if (f()) return true;
      std::this_thread::sleep_for(milliseconds(20));
    }
    return f();
  }

  testing::KubesimHarness kube_;
};

TEST_F(ManagerKubesimTest, LeaderRunsWorkersServesProbesAndReleasesOnStop) {
  PrometheusMetrics metrics;
  testing::CopyReconciler copier(kube_.client(), "a");
  Controller ctl("copier", copier, kube_.clock(), {.metrics = &metrics});
  kube::WatcherOptions wo;
  wo.ns = "default";
  copier.SetCache(ctl.For(kube_.client(), kube::kConfigMaps, wo));
  Manager mgr(kube_.client(), kube_.clock(), metrics, NullLogger(), LeaderOptions("a"));
  mgr.Add(ctl);
  StopSignal stop;
  ExitCode code = ExitCode::kStartupFailed;
  std::thread run([&] { code = mgr.Run(stop); });

  ASSERT_TRUE(Eventually([&] { return mgr.health_port() != 0 && mgr.metrics_port() != 0; }));
  ASSERT_TRUE(Eventually([&] { return HttpGet(mgr.health_port(), "/readyz").first == 200; }));
  EXPECT_EQ(HttpGet(mgr.health_port(), "/healthz"), (std::pair<int, std::string>{200, "ok\n"}));
  ASSERT_TRUE(Eventually([&] { return Holder() == "a"; }));
  ASSERT_TRUE(kube_.client().Create(kube::kConfigMaps, {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                                                        {"metadata", {{"name", "x"}, {"namespace", "default"}}}}).ok());
  EXPECT_TRUE(Eventually([&] { return kube_.client().Get(kube::kConfigMaps, "default", "x-copy").ok(); }));
  auto m = HttpGet(mgr.metrics_port(), "/metrics");
  EXPECT_NE(m.second.find("leader_election_master_status{name=\"test-leader\"} 1"), std::string::npos) << m.second;

  stop.Notify("test");
  run.join();
  EXPECT_EQ(code, ExitCode::kOk);
  EXPECT_EQ(Holder(), "");  // released
}

TEST_F(ManagerKubesimTest, StandbyIsReadyButDoesNotReconcileUntilItLeads) {
  // Another process holds the lease: write it as "other" and keep renewing it from this test.
  PrometheusMetrics metrics_a, metrics_b;
  testing::CopyReconciler ca(kube_.client(), "a"), cb(kube_.client(), "b");
  Controller ctl_a("copier", ca, kube_.clock()), ctl_b("copier", cb, kube_.clock());
  kube::WatcherOptions wo;
  wo.ns = "default";
  ca.SetCache(ctl_a.For(kube_.client(), kube::kConfigMaps, wo));
  cb.SetCache(ctl_b.For(kube_.client(), kube::kConfigMaps, wo));
  Manager a(kube_.client(), kube_.clock(), metrics_a, NullLogger(), LeaderOptions("a"));
  a.Add(ctl_a);
  StopSignal stop_a;
  ExitCode code_a = ExitCode::kStartupFailed;
  std::thread run_a([&] { code_a = a.Run(stop_a); });
  ASSERT_TRUE(Eventually([&] { return Holder() == "a"; }));

  Manager b(kube_.client(), kube_.clock(), metrics_b, NullLogger(), LeaderOptions("b"));
  b.Add(ctl_b);
  StopSignal stop_b;
  ExitCode code_b = ExitCode::kStartupFailed;
  std::thread run_b([&] { code_b = b.Run(stop_b); });
  ASSERT_TRUE(Eventually([&] { return b.health_port() != 0 && HttpGet(b.health_port(), "/readyz").first == 200; }));
  EXPECT_FALSE(b.IsLeader());

  ASSERT_TRUE(kube_.client().Create(kube::kConfigMaps, {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                                                        {"metadata", {{"name", "y"}, {"namespace", "default"}}}}).ok());
  ASSERT_TRUE(Eventually([&] { return kube_.client().Get(kube::kConfigMaps, "default", "y-copy").ok(); }));
  EXPECT_EQ(kube_.client().Get(kube::kConfigMaps, "default", "y-copy").value()["metadata"]["annotations"]["copied-by"], "a");

  // a stops (releases); b takes over at its next retry and handles new work.
  stop_a.Notify("test");
  run_a.join();
  EXPECT_EQ(code_a, ExitCode::kOk);
  ASSERT_TRUE(Eventually([&] { return Holder() == "b"; }, milliseconds(3000)));
  ASSERT_TRUE(kube_.client().Create(kube::kConfigMaps, {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                                                        {"metadata", {{"name", "z"}, {"namespace", "default"}}}}).ok());
  ASSERT_TRUE(Eventually([&] { return kube_.client().Get(kube::kConfigMaps, "default", "z-copy").ok(); }));
  EXPECT_EQ(kube_.client().Get(kube::kConfigMaps, "default", "z-copy").value()["metadata"]["annotations"]["copied-by"], "b");
  stop_b.Notify("test");
  run_b.join();
  EXPECT_EQ(code_b, ExitCode::kOk);
}

TEST_F(ManagerKubesimTest, LosingTheLeaseStopsTheProcessWithAnError) {
  PrometheusMetrics metrics;
  testing::CopyReconciler copier(kube_.client(), "a");
  Controller ctl("copier", copier, kube_.clock());
  kube::WatcherOptions wo;
  wo.ns = "default";
  copier.SetCache(ctl.For(kube_.client(), kube::kConfigMaps, wo));
  Manager mgr(kube_.client(), kube_.clock(), metrics, NullLogger(), LeaderOptions("a"));
  mgr.Add(ctl);
  StopSignal stop;
  ExitCode code = ExitCode::kOk;
  std::thread run([&] { code = mgr.Run(stop); });
  ASSERT_TRUE(Eventually([&] { return Holder() == "a"; }));
  // Someone else takes the lease (an operator forcing a handover): the manager stops leading at once.
  auto lease = kube_.client().Get(kube::kLeases, "ops", "test-leader").value();
  lease["spec"]["holderIdentity"] = "intruder";
  ASSERT_TRUE(kube_.client().Update(kube::kLeases, lease).ok());
  run.join();
  EXPECT_EQ(code, ExitCode::kLeadershipLost);
  EXPECT_EQ(stop.Reason(), "leader election lost");
  EXPECT_EQ(Holder(), "intruder");  // not released: it was not ours any more
}

TEST_F(ManagerKubesimTest, BusyMetricsPortFailsStartup) {
  auto squatter = HttpEndpoint::Listen("127.0.0.1:0", {});
  ASSERT_TRUE(squatter.ok());
  PrometheusMetrics metrics;
  ManagerOptions o;
  o.metrics_bind_address = "127.0.0.1:" + std::to_string(squatter.value()->port());
  Manager mgr(kube_.client(), kube_.clock(), metrics, NullLogger(), o);
  StopSignal stop;
  EXPECT_EQ(mgr.Run(stop), ExitCode::kStartupFailed);
}

}  // namespace
}  // namespace jd
