// AppRouter: host + path → Ingress rule or Service DNS name → Service → ready Pod → scenario
// answer, over hand-built snapshots (no API server, no sockets).
#include "app_router.h"

#include <gtest/gtest.h>

#include <set>

namespace kubesim {
namespace {

using nlohmann::json;

json IngressPath(const std::string& path, const std::string& type, const std::string& svc, json port) {
  json backend = {{"service", {{"name", svc}, {"port", port}}}};
  json p = {{"path", path}, {"backend", backend}};
  if (!type.empty()) p["pathType"] = type;
  return p;
}

json IngressRule(const std::string& host, json paths) {
  json r = {{"http", {{"paths", std::move(paths)}}}};
  if (!host.empty()) r["host"] = host;
  return r;
}

json Ingress(const std::string& ns, const std::string& name, json rules, json tls = nullptr,
             json default_backend = nullptr) {
  json ing = {{"apiVersion", "networking.k8s.io/v1"},
              {"kind", "Ingress"},
              {"metadata", {{"namespace", ns}, {"name", name}}},
              {"spec", {{"rules", std::move(rules)}}}};
  if (!tls.is_null()) ing["spec"]["tls"] = std::move(tls);
  if (!default_backend.is_null()) ing["spec"]["defaultBackend"] = std::move(default_backend);
  return ing;
}

json Service(const std::string& ns, const std::string& name, json selector, json ports) {
  json spec = {{"ports", std::move(ports)}};
  if (!selector.is_null()) spec["selector"] = std::move(selector);
  return {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", {{"namespace", ns}, {"name", name}}}, {"spec", spec}};
}

struct PodState {
  bool running = true;
  bool ready = true;
  bool terminating = false;
};

json Pod(const std::string& ns, const std::string& name, json labels, const std::string& image, PodState st = {},
         json container_ports = nullptr) {
  json container = {{"name", "app"}, {"image", image}};
  if (!container_ports.is_null()) container["ports"] = std::move(container_ports);
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"namespace", ns}, {"name", name}, {"labels", std::move(labels)}}},
              {"spec", {{"containers", json::array({container})}}},
              {"status",
               {{"phase", st.running ? "Running" : "Pending"},
                {"conditions", json::array({{{"type", "Ready"}, {"status", st.ready ? "True" : "False"}}})}}}};
  if (st.terminating) pod["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  return pod;
}

TEST(AppRouterTest, NormalizeHost) {
  std::optional<int> port;
  EXPECT_EQ(NormalizeHost("App.School.Example:8443", &port), "app.school.example");
  EXPECT_EQ(port, 8443);
  EXPECT_EQ(NormalizeHost("app.school.example.", &port), "app.school.example");
  EXPECT_EQ(port, std::nullopt);
  EXPECT_EQ(NormalizeHost("[::1]:80", &port), "::1");
  EXPECT_EQ(port, 80);
  EXPECT_EQ(NormalizeHost("::1", &port), "::1");
  EXPECT_EQ(port, std::nullopt);
}

TEST(AppRouterTest, HostMatching) {
  struct Case {
    std::string rule, host;
    bool want;
  };
  for (const Case& c : std::vector<Case>{
           {"app.example.com", "app.example.com", true},
           {"App.Example.com", "app.example.com", true},
           {"app.example.com", "www.example.com", false},
           {"*.example.com", "app.example.com", true},
           {"*.example.com", "a.b.example.com", false},  // one label only
           {"*.example.com", "example.com", false},
           {"*.example.com", ".example.com", false},
       }) {
    EXPECT_EQ(IngressHostMatches(c.rule, c.host), c.want) << c.rule << " vs " << c.host;
  }
}

TEST(AppRouterTest, PathMatching) {
  struct Case {
    std::string type, rule, path;
    std::optional<size_t> want;
  };
  for (const Case& c : std::vector<Case>{
           {"Prefix", "/", "/anything", 0},
           {"Prefix", "/foo", "/foo", 4},
           {"Prefix", "/foo", "/foo/", 4},
           {"Prefix", "/foo", "/foo/bar", 4},
           {"Prefix", "/foo/", "/foo", 4},
           {"Prefix", "/foo", "/foobar", std::nullopt},
           {"Prefix", "/foo/bar", "/foo", std::nullopt},
           {"ImplementationSpecific", "/foo", "/foo/bar", 4},
           {"", "/foo", "/foo/bar", 4},
           {"Exact", "/foo", "/foo", 4},
           {"Exact", "/foo", "/foo/", std::nullopt},
           {"Exact", "/foo", "/foo/bar", std::nullopt},
       }) {
    EXPECT_EQ(IngressPathMatch(c.type, c.rule, c.path), c.want) << c.type << " " << c.rule << " vs " << c.path;
  }
}

TEST(AppRouterTest, ResolveBackendTable) {
  AppSnapshot snap;
  snap.ingresses = {
      Ingress("school", "app",
              json::array({IngressRule("app.school.example",
                                       json::array({IngressPath("/", "Prefix", "web", {{"number", 80}}),
                                                    IngressPath("/api", "Prefix", "api", {{"name", "http"}}),
                                                    IngressPath("/api/health", "Exact", "health", {{"number", 8080}}),
                                                    IngressPath("/api/health", "Prefix", "api", {{"number", 81}})}))})),
      Ingress("school", "wild",
              json::array({IngressRule("*.school.example", json::array({IngressPath("/", "Prefix", "tenant", {{"number", 80}})}))})),
      Ingress("school", "only-docs",
              json::array({IngressRule("docs.example", json::array({IngressPath("/docs", "Prefix", "docs", {{"number", 80}})}))}),
              nullptr, {{"service", {{"name", "fallback"}, {"port", {{"number", 80}}}}}}),
      Ingress("other", "hostless",
              json::array({IngressRule("", json::array({IngressPath("/x", "Prefix", "any", {{"number", 80}})}))})),
  };
  snap.services = {Service("school", "web", {{"app", "web"}}, json::array({{{"port", 80}}, {{"port", 9090}}})),
                   Service("other", "db", {{"app", "db"}}, json::array({{{"port", 5432}}}))};

  struct Case {
    std::string name, host, path;
    std::string want;  // "ns/service:port" or "" for no route
  };
  auto show = [](const std::optional<BackendRef>& b) {
    if (!b) return std::string();
    return b->ns + "/" + b->service + ":" + (b->port.number ? std::to_string(*b->port.number) : b->port.name);
  };
  for (const Case& c : std::vector<Case>{
           {"root prefix", "app.school.example", "/", "school/web:80"},
           {"host header port is stripped", "app.school.example:31080", "/login", "school/web:80"},
           {"case-insensitive host", "APP.school.example", "/", "school/web:80"},
           {"longer prefix wins, named port", "app.school.example", "/api/users", "school/api:http"},
           {"prefix is by segment", "app.school.example", "/apiary", "school/web:80"},
           {"exact beats prefix of equal length", "app.school.example", "/api/health", "school/health:8080"},
           {"prefix below the exact path", "app.school.example", "/api/health/db", "school/api:81"},
           {"wildcard host", "tenant1.school.example", "/", "school/tenant:80"},
           {"wildcard covers one label only", "a.b.school.example", "/", ""},
           {"exact host tier beats wildcard", "app.school.example", "/", "school/web:80"},
           {"no path matches: the Ingress's defaultBackend", "docs.example", "/other", "school/fallback:80"},
           {"path matches", "docs.example", "/docs/intro", "school/docs:80"},
           {"svc.cluster.local", "web.school.svc.cluster.local", "/", "school/web:80"},
           {"svc", "web.school.svc", "/", "school/web:80"},
           {"svc.ns", "web.school", "/", "school/web:80"},
           {"svc with a port of the Service", "web.school.svc:9090", "/", "school/web:9090"},
           {"svc with a foreign port: the first port", "web.school.svc:31000", "/", "school/web:80"},
           {"svc in another namespace", "db.other.svc", "/", "other/db:5432"},
           {"unknown Service name", "nope.school.svc", "/", ""},
           {"hostless rule catches other hosts", "random.example", "/x/y", "other/any:80"},
           {"unknown host and path", "random.example", "/", ""},
           {"no host at all", "", "/", ""},
       }) {
    EXPECT_EQ(show(ResolveBackend({c.host, c.path, std::nullopt}, snap)), c.want) << c.name;
  }
}

TEST(AppRouterTest, IngressWithoutRulesIsTheCatchAll) {
  AppSnapshot snap;
  snap.ingresses = {Ingress("default", "catch-all", json::array(), nullptr,
                            {{"service", {{"name", "web"}, {"port", {{"number", 80}}}}}})};
  auto b = ResolveBackend({"anything.example", "/", std::nullopt}, snap);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->service, "web");
  EXPECT_EQ(b->ingress, "default/catch-all");
}

class AppRouterRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto err = scenarios_.LoadYaml(R"(
scenarios:
- name: v1
  match: {image: "app:1.*"}
  http:
    /login: {status: 500, body: "Server Error"}
    "*": {status: 200, body: "v1"}
- name: v2
  match: {image: "app:2.*"}
  http:
    "*": {status: 200, body: "v2"}
  tls: {expired: true}
)");
    ASSERT_FALSE(err) << err->message;
    snap_.ingresses = {Ingress(
        "school", "app",
        json::array({IngressRule("app.school.example", json::array({IngressPath("/", "Prefix", "web", {{"name", "http"}})}))}),
        json::array({{{"hosts", {"app.school.example"}}, {"secretName", "app-tls"}}}))};
    snap_.services = {Service("school", "web", {{"app", "web"}},
                              json::array({{{"name", "http"}, {"port", 80}, {"targetPort", "web"}}}))};
  }

  json WebPod(const std::string& name, const std::string& image, PodState st = {}) {
    return Pod("school", name, {{"app", "web"}}, image, st, json::array({{{"name", "web"}, {"containerPort", 8080}}}));
  }

  AppRoute Get(const std::string& path = "/", const std::string& host = "app.school.example") {
    return router_.Route({host, path, std::nullopt}, snap_, scenarios_);
  }

  Scenarios scenarios_;
  AppSnapshot snap_;
  AppRouter router_;
};

TEST_F(AppRouterRouteTest, NoRouteIs404) {
  AppRoute r = Get("/", "unknown.example");
  EXPECT_EQ(r.outcome, AppRoute::Outcome::kNoRoute);
  EXPECT_EQ(r.answer.status, 404);
  EXPECT_TRUE(r.pod.empty());
}

TEST_F(AppRouterRouteTest, NoReadyEndpointIs503) {
  AppRoute r = Get();
  EXPECT_EQ(r.outcome, AppRoute::Outcome::kNoEndpoints);
  EXPECT_EQ(r.answer.status, 503);
  EXPECT_EQ(r.answer.body, "no healthy upstream");
}

TEST_F(AppRouterRouteTest, ServesTheScenarioAnswerOfTheReadyPod) {
  snap_.pods = {WebPod("web-a", "app:1.0")};
  AppRoute r = Get("/login");
  ASSERT_EQ(r.outcome, AppRoute::Outcome::kServed);
  EXPECT_EQ(r.pod, "school/web-a");
  EXPECT_EQ(r.image, "app:1.0");
  EXPECT_EQ(r.scenario, "v1");
  EXPECT_EQ(r.answer.status, 500);
  EXPECT_EQ(r.answer.body, "Server Error");
  EXPECT_EQ(Get("/").answer.body, "v1");
}

TEST_F(AppRouterRouteTest, ExcludedPods) {
  struct Case {
    std::string name;
    json pod;
  };
  for (const Case& c : std::vector<Case>{
           {"unready", WebPod("p", "app:1.0", {.ready = false})},
           {"not running", WebPod("p", "app:1.0", {.running = false})},
           {"terminating", WebPod("p", "app:1.0", {.terminating = true})},
           {"other labels", Pod("school", "p", {{"app", "db"}}, "app:1.0", {}, json::array({{{"name", "web"}, {"containerPort", 8080}}}))},
           {"other namespace", Pod("other", "p", {{"app", "web"}}, "app:1.0", {}, json::array({{{"name", "web"}, {"containerPort", 8080}}}))},
           {"named target port not declared", Pod("school", "p", {{"app", "web"}}, "app:1.0")},
       }) {
    snap_.pods = {c.pod};
    EXPECT_EQ(Get().answer.status, 503) << c.name;
  }
}

TEST_F(AppRouterRouteTest, ServiceWithoutSelectorSelectsNothing) {
  snap_.services[0]["spec"].erase("selector");
  snap_.pods = {WebPod("web-a", "app:1.0")};
  EXPECT_EQ(Get().answer.status, 503);
  snap_.services[0]["spec"]["selector"] = json::object();
  EXPECT_EQ(Get().answer.status, 503);
}

TEST_F(AppRouterRouteTest, NumericTargetPortNeedNotBeDeclared) {
  snap_.services[0]["spec"]["ports"][0]["targetPort"] = 8080;
  snap_.pods = {Pod("school", "p", {{"app", "web"}}, "app:1.0")};
  EXPECT_EQ(Get().answer.status, 200);
}

TEST_F(AppRouterRouteTest, RoundRobinMixesOldAndNewPods) {
  snap_.pods = {WebPod("web-new", "app:2.0"), WebPod("web-old", "app:1.0"),
                WebPod("web-going", "app:1.0", {.terminating = true})};
  std::multiset<std::string> bodies;
  std::set<std::string> pods;
  for (int i = 0; i < 4; ++i) {
    AppRoute r = Get();
    bodies.insert(r.answer.body);
    pods.insert(r.pod);
  }
  EXPECT_EQ(bodies.count("v1"), 2u);
  EXPECT_EQ(bodies.count("v2"), 2u);
  EXPECT_EQ(pods, (std::set<std::string>{"school/web-new", "school/web-old"}));
}

TEST_F(AppRouterRouteTest, TlsForNamesTheSecretAndThePodsFaults) {
  EXPECT_FALSE(router_.TlsFor("other.example", snap_, scenarios_));
  auto none = router_.TlsFor("app.school.example", snap_, scenarios_);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->ns, "school");
  EXPECT_EQ(none->secret_name, "app-tls");
  EXPECT_FALSE(none->faults.expired);  // no ready Pod: no faults

  snap_.pods = {WebPod("web-a", "app:2.0")};
  auto expired = router_.TlsFor("app.school.example:443", snap_, scenarios_);
  ASSERT_TRUE(expired);
  EXPECT_TRUE(expired->faults.expired);
  EXPECT_FALSE(expired->faults.wrong_host);
}

}  // namespace
}  // namespace kubesim
