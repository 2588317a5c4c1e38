// Tests of scenario.h (parsing, errors naming the field, first-match-wins, globs, AnswerFor,
// scaling) and of the admin endpoint of scenario_admin.h.
#include "scenario.h"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api_server.h"
#include "clock.h"
#include "scenario_admin.h"

namespace kubesim {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* kExample = R"(
timeScale: 0.01
defaults: {pod: {readyAfterSeconds: 1}, job: {durationSeconds: 3}}
scenarios:
- name: broken-login
  match:
    image: "registry.example.com/justdriving/app:2.15.*"
    labels: {app.kubernetes.io/component: web}
  pod: {readyAfterSeconds: 2, neverReady: false, crashAfterSeconds: 30}
  job: {durationSeconds: 30, exitCode: 1, log: "SQLSTATE[42S01]: table exists"}
  http:
    /login: {status: 500, body: "Server Error", latencyMs: 50}
    "*":    {status: 200, body: "<h1>Just Driving</h1>"}
  tls: {expired: true, wrongHost: false}
- name: any-app
  match: {image: "registry.example.com/justdriving/app:*"}
  pod: {neverReady: true}
)";

TEST(ScenarioTest, WithoutADocumentEverythingIsDefault) {
  Scenarios s;
  ScenarioRule r = s.Match("nginx:1.27", json::object());
  EXPECT_EQ(r.name, "default");
  EXPECT_DOUBLE_EQ(r.pod.ready_after_seconds, 0.5);
  EXPECT_FALSE(r.pod.never_ready);
  EXPECT_FALSE(r.pod.crash_after_seconds.has_value());
  EXPECT_DOUBLE_EQ(r.job.duration_seconds, 1);
  EXPECT_EQ(r.job.exit_code, 0);
  EXPECT_EQ(r.AnswerFor("/anything").status, 200);
  EXPECT_EQ(r.AnswerFor("/anything").body, "ok");
  EXPECT_DOUBLE_EQ(s.TimeScale(), 1.0);
  EXPECT_EQ(s.Scaled(1.5), milliseconds(1500));
}

TEST(ScenarioTest, ParsesTheDocumentedExample) {
  Scenarios s;
  ASSERT_FALSE(s.LoadYaml(kExample).has_value());
  EXPECT_DOUBLE_EQ(s.TimeScale(), 0.01);
  EXPECT_EQ(s.Scaled(30), milliseconds(300));

  ScenarioRule r = s.Match("registry.example.com/justdriving/app:2.15.3", {{"app.kubernetes.io/component", "web"}, {"x", "y"}});
  EXPECT_EQ(r.name, "broken-login");
  EXPECT_DOUBLE_EQ(r.pod.ready_after_seconds, 2);
  ASSERT_TRUE(r.pod.crash_after_seconds.has_value());
  EXPECT_DOUBLE_EQ(*r.pod.crash_after_seconds, 30);
  EXPECT_EQ(r.job.exit_code, 1);
  EXPECT_EQ(r.job.log, "SQLSTATE[42S01]: table exists");
  EXPECT_TRUE(r.tls.expired);
  EXPECT_EQ(r.AnswerFor("/login").status, 500);
  EXPECT_EQ(r.AnswerFor("/login").latency_ms, 50);
  EXPECT_EQ(r.AnswerFor("/other").body, "<h1>Just Driving</h1>");
}

TEST(ScenarioTest, FirstMatchWinsAndDefaultsApplyWhenNothingMatches) {
  Scenarios s;
  ASSERT_FALSE(s.LoadYaml(kExample).has_value());
  struct Case {
    std::string image;
    json labels;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"registry.example.com/justdriving/app:2.15.3", {{"app.kubernetes.io/component", "web"}}, "broken-login"},
      // The labels of the first scenario are missing or differ: the second one matches.
      {"registry.example.com/justdriving/app:2.15.3", json::object(), "any-app"},
      {"registry.example.com/justdriving/app:2.15.3", {{"app.kubernetes.io/component", "worker"}}, "any-app"},
      {"registry.example.com/justdriving/app:2.16.0", {{"app.kubernetes.io/component", "web"}}, "any-app"},
      {"nginx:1.27", {{"app.kubernetes.io/component", "web"}}, "default"},
      {"nginx:1.27", nullptr, "default"},
  };
  for (const auto& c : cases) EXPECT_EQ(s.Match(c.image, c.labels).name, c.want) << c.image << " " << c.labels.dump();
  // The defaults section feeds the non-matching case; a matched scenario does not inherit it.
  EXPECT_DOUBLE_EQ(s.Match("nginx", json::object()).pod.ready_after_seconds, 1);
  EXPECT_DOUBLE_EQ(s.Match("nginx", json::object()).job.duration_seconds, 3);
  ScenarioRule any = s.Match("registry.example.com/justdriving/app:1", json::object());
  EXPECT_TRUE(any.pod.never_ready);
  EXPECT_DOUBLE_EQ(any.job.duration_seconds, 1);
}

TEST(ScenarioTest, AnswerForPrefersTheExactPathThenStarThenOk) {
  ScenarioRule r;
  r.http["/health"] = HttpAnswer{204, "", 0};
  EXPECT_EQ(r.AnswerFor("/health").status, 204);
  EXPECT_EQ(r.AnswerFor("/x").status, 200);
  EXPECT_EQ(r.AnswerFor("/x").body, "ok");
  r.http["*"] = HttpAnswer{404, "nope", 5};
  EXPECT_EQ(r.AnswerFor("/x").status, 404);
  EXPECT_EQ(r.AnswerFor("/health").status, 204);
  EXPECT_EQ(r.AnswerFor("/health/x").status, 404);  // exact paths only, no prefixes
}

TEST(ScenarioTest, GlobMatch) {
  struct Case {
    std::string pattern, text;
    bool want;
  };
  const std::vector<Case> cases = {
      {"", "", true},          {"", "a", false},          {"*", "", true},
      {"*", "anything", true}, {"a?c", "abc", true},      {"a?c", "ac", false},
      {"app:2.15.*", "app:2.15.3", true},                 {"app:2.15.*", "app:2.16.0", false},
      {"*/app:*", "registry.example.com/x/app:1", true},  {"*app", "registry/app", true},
      {"*app", "registry/apps", false},                   {"a*b*c", "axxbyyc", true},
      {"a*b*c", "axxbyy", false},                         {"**", "x", true},
      {"nginx", "nginx:1.27", false},                     {"nginx*", "nginx:1.27", true},
      {"a*a*a", "aaaa", true},                            {"?", "", false},
  };
  for (const auto& c : cases) EXPECT_EQ(GlobMatch(c.pattern, c.text), c.want) << c.pattern << " vs " << c.text;
}

TEST(ScenarioTest, ErrorsNameTheFieldAndChangeNothing) {
  struct Case {
    std::string doc, want;
  };
  const std::vector<Case> cases = {
      {"scenarios: [{}, {pod: {readyAfterSeconds: -1}}]", "scenarios[1].pod.readyAfterSeconds: must be a number >= 0"},
      {"scenarios: [{pod: {readyAfterSeconds: soon}}]", "scenarios[0].pod.readyAfterSeconds: must be a number >= 0"},
      {"scenarios: [{pod: {neverReady: 1}}]", "scenarios[0].pod.neverReady: must be true or false"},
      {"scenarios: [{pod: {crashAfterSeconds: -3}}]", "scenarios[0].pod.crashAfterSeconds: must be a number >= 0"},
      {"scenarios: [{pod: {readyAfter: 1}}]", "scenarios[0].pod.readyAfter: unknown field"},
      {"scenarios: [{job: {exitCode: 300}}]", "scenarios[0].job.exitCode: must be a whole number from 0 to 255"},
      {"scenarios: [{job: {exitCode: 1.5}}]", "scenarios[0].job.exitCode: must be a whole number from 0 to 255"},
      {"scenarios: [{job: {log: [a]}}]", "scenarios[0].job.log: must be a string"},
      {"scenarios: [{http: {/x: {status: 42}}}]", "scenarios[0].http[/x].status: must be a whole number from 100 to 599"},
      {"scenarios: [{http: {x: {status: 200}}}]", "scenarios[0].http[x]: a path must start with /"},
      {"scenarios: [{http: {/x: 200}}]", "scenarios[0].http[/x]: must be an object"},
      {"scenarios: [{tls: {expired: yes-please}}]", "scenarios[0].tls.expired: must be true or false"},
      {"scenarios: [{match: {image: 5}}]", "scenarios[0].match.image: must be a string"},
      {"scenarios: [{match: {labels: {app: 1}}}]", "scenarios[0].match.labels[app]: must be a string"},
      {"scenarios: [{match: {name: x}}]", "scenarios[0].match.name: unknown field"},
      {"scenarios: [{name: 7}]", "scenarios[0].name: must be a string"},
      {"scenarios: {a: 1}", "scenarios: must be a list"},
      {"scenarios: [3]", "scenarios[0]: must be an object"},
      {"timeScale: 0", "timeScale: must be a number > 0"},
      {"timeScale: fast", "timeScale: must be a number > 0"},
      {"defaults: {pod: {readyAfterSeconds: -2}}", "defaults.pod.readyAfterSeconds: must be a number >= 0"},
      {"defaults: {match: {image: x}}", "defaults.match: unknown field"},
      {"timescale: 1", "timescale: unknown field"},
      {"[1, 2]", "scenarios document: must be an object"},
      {"a: [unclosed", "scenarios: not valid YAML or JSON"},
  };
  Scenarios s;
  ASSERT_FALSE(s.LoadYaml(kExample).has_value());
  const json before = s.ToJson();
  for (const auto& c : cases) {
    auto err = s.LoadYaml(c.doc);
    ASSERT_TRUE(err.has_value()) << c.doc;
    EXPECT_EQ(err->code, 400) << c.doc;
    EXPECT_EQ(err->reason, "BadRequest") << c.doc;
    EXPECT_EQ(err->message.rfind(c.want, 0), 0u) << c.doc << " -> " << err->message;
    EXPECT_EQ(s.ToJson(), before) << "a bad document changed the scenarios: " << c.doc;
  }
}

TEST(ScenarioTest, JsonRoundTripAndEmptyDocumentResets) {
  Scenarios s;
  ASSERT_FALSE(s.LoadYaml(kExample).has_value());
  json doc = s.ToJson();
  EXPECT_EQ(doc["scenarios"][0]["name"], "broken-login");
  EXPECT_EQ(doc["scenarios"][0]["http"]["/login"]["status"], 500);
  Scenarios t;
  ASSERT_FALSE(t.LoadJson(doc).has_value());
  EXPECT_EQ(t.ToJson(), doc);
  ASSERT_FALSE(s.LoadYaml("").has_value());
  EXPECT_DOUBLE_EQ(s.TimeScale(), 1.0);
  EXPECT_EQ(s.ToJson()["scenarios"], json::array());
  // Unnamed scenarios are named after their position; nulls count as absent.
  ASSERT_FALSE(s.LoadJson({{"scenarios", {{{"pod", {{"crashAfterSeconds", nullptr}}}}}}}).has_value());
  EXPECT_EQ(s.Match("x", json::object()).name, "scenarios[0]");
  EXPECT_FALSE(s.Match("x", json::object()).pod.crash_after_seconds.has_value());
}

TEST(ScenarioTest, MatchIsSafeWhileTheDocumentIsReplaced) {
  Scenarios s;
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) {
      ScenarioRule r = s.Match("registry.example.com/justdriving/app:2.15.1", {{"app.kubernetes.io/component", "web"}});
      ASSERT_TRUE(r.name == "broken-login" || r.name == "default");
      (void)s.Scaled(1);
    }
  });
  for (int i = 0; i < 200; ++i) ASSERT_FALSE(s.LoadYaml(i % 2 ? kExample : "").has_value());
  stop = true;
  reader.join();
}

class ScenarioAdminTest : public ::testing::Test {
 protected:
  ApiResponse Call(const std::string& method, const std::string& body, const std::string& token = "t0ken") {
    HttpRequest req;
    req.method = method;
    req.path = "/admin/v1/scenarios";
    req.headers["authorization"] = "Bearer " + token;
    req.body = body;
    return api.Handle(req);
  }

  FakeClock clock{std::chrono::system_clock::from_time_t(1767225600)};
  ApiServer api{clock, ApiServerOptions{.token = "t0ken"}};
  Scenarios scenarios;
};

TEST_F(ScenarioAdminTest, GetPutAndErrors) {
  RegisterScenarioAdmin(api, scenarios);
  auto got = Call("GET", "");
  ASSERT_EQ(got.response.status, 200);
  EXPECT_DOUBLE_EQ(json::parse(got.response.body)["timeScale"].get<double>(), 1.0);

  auto put = Call("PUT", kExample);
  ASSERT_EQ(put.response.status, 200) << put.response.body;
  EXPECT_EQ(json::parse(put.response.body)["scenarios"].size(), 2u);
  EXPECT_DOUBLE_EQ(scenarios.TimeScale(), 0.01);

  auto json_put = Call("PUT", R"({"timeScale": 0.5, "scenarios": [{"name": "j", "job": {"exitCode": 2}}]})");
  ASSERT_EQ(json_put.response.status, 200) << json_put.response.body;
  EXPECT_EQ(scenarios.Match("x", json::object()).job.exit_code, 2);

  auto bad = Call("PUT", "scenarios: [{pod: {readyAfterSeconds: -1}}]");
  EXPECT_EQ(bad.response.status, 400);
  json status = json::parse(bad.response.body);
  EXPECT_EQ(status["kind"], "Status");
  EXPECT_EQ(status["reason"], "BadRequest");
  EXPECT_EQ(status["message"], "scenarios[0].pod.readyAfterSeconds: must be a number >= 0");
  EXPECT_DOUBLE_EQ(scenarios.TimeScale(), 0.5);  // unchanged

  EXPECT_EQ(Call("DELETE", "").response.status, 405);
  EXPECT_EQ(Call("GET", "", "wrong").response.status, 401);
}

TEST_F(ScenarioAdminTest, UnregisteredPathsStillAnswer404) {
  HttpRequest req{"GET", "/admin/v1/nothing", {}, {{"authorization", "Bearer t0ken"}}, ""};
  EXPECT_EQ(api.Handle(req).response.status, 404);
  EXPECT_EQ(Call("GET", "").response.status, 404);  // not registered in this test
}

}  // namespace
}  // namespace kubesim
