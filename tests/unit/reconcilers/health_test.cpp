// Tests for reconcilers/release/health: parsing spec.healthChecks, judging answers, counting
// consecutive passes/failures, status.health JSON and the verdict. All pure, all tables.
#include "reconcilers/release/health.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace jd::release {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// ---- ParseHealthChecks -------------------------------------------------------------------------------

TEST(ParseHealthChecks, DefaultsAndFullSpec) {
  struct Case {
    std::string name;
    json spec;
    HealthChecks want;
  };
  CheckSpec home{"home", "/", 200, std::nullopt, std::nullopt};
  CheckSpec login{"login", "/login", 200, std::string("Log in"), 500};
  CheckSpec dash{"dashboard", "/dashboard?x=1", 302, std::nullopt, std::nullopt};
  const std::vector<Case> cases = {
      {"no healthChecks", json::object(), {10, 5, 3, 3, {}}},
      {"null healthChecks", {{"healthChecks", nullptr}}, {10, 5, 3, 3, {}}},
      {"spec not an object", json(), {10, 5, 3, 3, {}}},
      {"defaults inside the section", {{"healthChecks", {{"http", {{{"name", "home"}, {"path", "/"}}}}}}},
       {10, 5, 3, 3, {home}}},
      {"everything set",
       {{"healthChecks",
         {{"intervalSeconds", 30},
          {"timeoutSeconds", 30},
          {"failureThreshold", 1},
          {"successThreshold", 5},
          {"http",
           {{{"name", "home"}, {"path", "/"}, {"expectStatus", 200}},
            {{"name", "login"}, {"path", "/login"}, {"expectBodyContains", "Log in"}, {"maxLatencyMs", 500}},
            {{"name", "dashboard"}, {"path", "/dashboard?x=1"}, {"expectStatus", 302}, {"expectBodyContains", ""}}}}}}},
       {30, 30, 1, 5, {home, login, dash}}},
  };
  for (const auto& c : cases) {
    auto got = ParseHealthChecks(c.spec);
    ASSERT_TRUE(got.ok()) << c.name << ": " << got.error().message;
    EXPECT_EQ(got.value(), c.want) << c.name;
  }
}

TEST(ParseHealthChecks, ErrorsNameTheField) {
  struct Case {
    json health_checks;
    std::string want;
  };
  auto check = [](json extra) {
    json c = {{"name", "login"}, {"path", "/login"}};
    c.update(extra);
    return json{{"http", json::array({c})}};
  };
  const std::vector<Case> cases = {
      {"often", "spec.healthChecks: must be an object {intervalSeconds, timeoutSeconds, ..., http: [...]}"},
      {{{"intervalSeconds", "10s"}},
       R"(spec.healthChecks.intervalSeconds: "10s" is not a number; write an integer from 1 to 3600)"},
      {{{"intervalSeconds", 0}}, "spec.healthChecks.intervalSeconds: 0 is out of range; write an integer from 1 to 3600"},
      {{{"timeoutSeconds", 601}, {"intervalSeconds", 3600}},
       "spec.healthChecks.timeoutSeconds: 601 is out of range; write an integer from 1 to 600"},
      {{{"failureThreshold", 101}},
       "spec.healthChecks.failureThreshold: 101 is out of range; write an integer from 1 to 100"},
      {{{"successThreshold", 2.5}},
       "spec.healthChecks.successThreshold: 2.5 is not a number; write an integer from 1 to 100"},
      {{{"timeoutSeconds", 20}},
       "spec.healthChecks.timeoutSeconds must not be larger than spec.healthChecks.intervalSeconds (20 > 10)"},
      {{{"http", {{"name", "x"}}}}, "spec.healthChecks.http: must be a list of checks [{name, path, ...}]"},
      {{{"http", {"login"}}}, "spec.healthChecks.http[0]: must be an object {name, path, expectStatus, ...}"},
      {{{"http", {{{"path", "/"}}}}}, R"(spec.healthChecks.http[0].name: required; give the check a name such as "login")"},
      {check({{"name", "Log_in"}}),
       R"(spec.healthChecks.http[0].name: "Log_in" is not a DNS label; use lower-case letters, digits and '-' (at most 63, e.g. "login"))"},
      {{{"http", {{{"name", "a"}}}}}, R"(spec.healthChecks.http[0].path: required; the path to request, e.g. "/login")"},
      {check({{"path", "login"}}), R"(spec.healthChecks.http[0].path: "login" must start with "/" (for example /login))"},
      {check({{"path", "/log in"}}), R"(spec.healthChecks.http[0].path: "/log in" contains whitespace; percent-encode it (%20))"},
      {check({{"expectStatus", 42}}),
       "spec.healthChecks.http[0].expectStatus: 42 is out of range; write an integer from 100 to 599"},
      {check({{"expectBodyContains", 5}}), R"(spec.healthChecks.http[0].expectBodyContains: must be a string, e.g. "Log in")"},
      {check({{"expectBodyContains", std::string(1025, 'x')}}),
       "spec.healthChecks.http[0].expectBodyContains: 1025 characters; at most 1024: pick a shorter, distinctive "
       "piece of the page"},
      {check({{"maxLatencyMs", 0}}),
       "spec.healthChecks.http[0].maxLatencyMs: 0 is out of range; write an integer from 1 to 600000"},
      {{{"http", {{{"name", "a"}, {"path", "/"}}, {{"name", "b"}, {"path", "/b"}}, {{"name", "a"}, {"path", "/c"}}}}},
       R"(spec.healthChecks.http: each check name may appear only once ("a" appears more than once))"},
  };
  for (const auto& c : cases) {
    auto got = ParseHealthChecks(json{{"healthChecks", c.health_checks}});
    ASSERT_FALSE(got.ok()) << c.want;
    EXPECT_EQ(got.error().message, c.want);
  }
  // Index of the failing item.
  json many = {{"http", {{{"name", "a"}, {"path", "/"}}, {{"name", "b"}, {"path", "b"}}}}};
  EXPECT_EQ(ParseHealthChecks(json{{"healthChecks", many}}).error().message,
            R"(spec.healthChecks.http[1].path: "b" must start with "/" (for example /b))");
  json too_many = {{"http", json::array()}};
  for (int i = 0; i < 33; ++i) too_many["http"].push_back({{"name", "c" + std::to_string(i)}, {"path", "/"}});
  EXPECT_EQ(ParseHealthChecks(json{{"healthChecks", too_many}}).error().message,
            "spec.healthChecks.http: 33 checks; at most 32 are allowed");
}

TEST(MakeProbeRequest, JoinsBaseUrlAndPathWithTheTimeout) {
  HealthChecks hc;
  hc.timeout_seconds = 7;
  CheckSpec login{"login", "/login?next=/", 200, std::nullopt, std::nullopt};
  ProbeRequest r = MakeProbeRequest(hc, login, "https://app.school.example/", "127.0.0.1:8443", "PEM");
  EXPECT_EQ(r.url, "https://app.school.example/login?next=/");
  EXPECT_EQ(r.connect_address, "127.0.0.1:8443");
  EXPECT_EQ(r.timeout, milliseconds(7000));
  EXPECT_EQ(r.ca_bundle_pem, "PEM");
  EXPECT_EQ(r.method, "GET");
  EXPECT_TRUE(r.verify_tls);
  EXPECT_EQ(MakeProbeRequest(hc, login, "http://web.ns.svc.cluster.local:8080", "").url,
            "http://web.ns.svc.cluster.local:8080/login?next=/");
}

// ---- Judge -------------------------------------------------------------------------------------------

ProbeResult Answer(int status, std::string body, int latency_ms, std::string error = "") {
  ProbeResult r;
  r.status = status;
  r.body = std::move(body);
  r.latency = milliseconds(latency_ms);
  r.error = std::move(error);
  return r;
}

TEST(Judge, Table) {
  const CheckSpec home{"home", "/", 200, std::nullopt, std::nullopt};
  const CheckSpec login{"login", "/login", 200, std::string("Log in"), 500};
  const CheckSpec moved{"legacy", "/old", 301, std::nullopt, std::nullopt};
  struct Case {
    CheckSpec check;
    ProbeResult answer;
    CheckOutcome want;
  };
  const std::vector<Case> cases = {
      {home, Answer(200, "<h1>Just Driving</h1>", 12), {"home", true, 200, 12, ""}},
      {login, Answer(200, "<button>Log in</button>", 500), {"login", true, 200, 500, ""}},  // == max passes
      {moved, Answer(301, "", 3), {"legacy", true, 301, 3, ""}},
      {login, Answer(500, "Server Error", 50), {"login", false, 500, 50, "login: GET /login answered 500, expected 200"}},
      {moved, Answer(200, "", 3), {"legacy", false, 200, 3, "legacy: GET /old answered 200, expected 301"}},
      {login, Answer(200, "<h1>Welcome</h1>", 40),
       {"login", false, 200, 40, R"(login: GET /login answered 200 but the body does not contain "Log in")"}},
      {login, Answer(200, "Log in", 812), {"login", false, 200, 812, "login: GET /login latency 812 ms > 500 ms (maxLatencyMs)"}},
      {home, Answer(0, "", 2, "connect 10.0.0.7:8080: connection refused"),
       {"home", false, 0, 2, "home: GET / got no answer: connect 10.0.0.7:8080: connection refused"}},
      {home, Answer(0, "", 5000, "timed out after 5000 ms (waiting for the response)"),
       {"home", false, 0, 5000, "home: GET / got no answer: timed out after 5000 ms (waiting for the response)"}},
      {home, Answer(0, "", 0), {"home", false, 0, 0, "home: GET / got no answer: unknown error"}},
      {home, Answer(200, "<h1>Ju", 5000, "timed out after 5000 ms (reading the body)"),
       {"home", false, 200, 5000,
        "home: GET / answered 200 but the answer broke off: timed out after 5000 ms (reading the body)"}},
      // First failure wins: a wrong status is reported, not the missing text or the latency.
      {login, Answer(503, "no healthy upstream", 900), {"login", false, 503, 900, "login: GET /login answered 503, expected 200"}},
      {login, Answer(200, "nothing", 900),
       {"login", false, 200, 900, R"(login: GET /login answered 200 but the body does not contain "Log in")"}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Judge(c.check, c.answer), c.want) << c.want.reason;
  }
}

// ---- Update, StartStates, JSON -----------------------------------------------------------------------

TEST(Update, CountsConsecutivePassesAndFailures) {
  const CheckOutcome pass{"login", true, 200, 12, ""};
  const CheckOutcome fail{"login", false, 500, 40, "login: GET /login answered 500, expected 200"};
  struct Step {
    CheckOutcome outcome;
    HealthState want;
  };
  const std::vector<Step> steps = {
      {pass, {"login", 1, 0, 200, 12, ""}},
      {pass, {"login", 2, 0, 200, 12, ""}},
      {fail, {"login", 0, 1, 500, 40, fail.reason}},
      {fail, {"login", 0, 2, 500, 40, fail.reason}},
      {pass, {"login", 1, 0, 200, 12, ""}},
  };
  HealthState s;
  s.name = "login";
  for (size_t i = 0; i < steps.size(); ++i) {
    Update(s, steps[i].outcome);
    EXPECT_EQ(s, steps[i].want) << "step " << i;
  }
}

TEST(StartStates, KeepsKnownChecksInSpecOrder) {
  const std::vector<CheckSpec> checks = {{"home", "/", 200, {}, {}}, {"login", "/login", 200, {}, {}}};
  const std::vector<HealthState> previous = {{"removed", 9, 0, 200, 1, ""}, {"login", 2, 0, 200, 30, ""}};
  const std::vector<HealthState> want = {{"home", 0, 0, 0, 0, ""}, {"login", 2, 0, 200, 30, ""}};
  EXPECT_EQ(StartStates(checks, previous), want);
  EXPECT_EQ(StartStates({}, previous), std::vector<HealthState>{});
}

TEST(HealthJson, ExactFieldNamesAndRoundTrip) {
  const std::vector<HealthState> states = {
      {"home", 3, 0, 200, 12, ""},
      {"login", 0, 2, 500, 40, "login: GET /login answered 500, expected 200"},
  };
  const json j = HealthToJson(states);
  EXPECT_EQ(j, json::parse(R"([
    {"name":"home","passes":3,"failures":0,"lastStatus":200,"lastLatencyMs":12},
    {"name":"login","passes":0,"failures":2,"lastStatus":500,"lastLatencyMs":40,
     "lastError":"login: GET /login answered 500, expected 200"}])"));
  EXPECT_EQ(HealthFromJson(j), states);
  EXPECT_EQ(HealthToJson({}), json::array());
}

TEST(HealthJson, ReadingIsTolerant) {
  struct Case {
    std::string name;
    json in;
    std::vector<HealthState> want;
  };
  const std::vector<Case> cases = {
      {"not an array", json::object(), {}},
      {"null", json(), {}},
      {"entries without a name are skipped", json::parse(R"([{"passes":3},"x",{"name":""},{"name":"a"}])"),
       {{"a", 0, 0, 0, 0, ""}}},
      {"wrong types read as zero", json::parse(R"([{"name":"a","passes":"3","failures":-2,"lastStatus":200.5,"lastError":7}])"),
       {{"a", 0, 0, 0, 0, ""}}},
  };
  for (const auto& c : cases) EXPECT_EQ(HealthFromJson(c.in), c.want) << c.name;
}

// ---- Decide ------------------------------------------------------------------------------------------

TEST(Decide, Table) {
  const std::string login_err = "login: GET /login answered 500, expected 200";
  const std::string dash_err = "dashboard: GET /dashboard got no answer: connect 10.0.0.7:8080: connection refused";
  struct Case {
    std::string name;
    std::vector<HealthState> states;
    int failure_threshold, success_threshold;
    Verdict want;
  };
  const std::vector<Case> cases = {
      {"all passed enough",
       {{"home", 3, 0, 200, 1, ""}, {"login", 5, 0, 200, 1, ""}},
       3,
       3,
       {Verdict::kHealthy, {}, "every health check passed 3 times in a row (home 3/3, login 3/3)"}},
      {"one still short",
       {{"home", 3, 0, 200, 1, ""}, {"login", 2, 0, 200, 1, ""}},
       3,
       3,
       {Verdict::kContinue, {}, "waiting for 3 passes in a row of every health check: home 3/3, login 2/3"}},
      {"failing but under the threshold",
       {{"home", 4, 0, 200, 1, ""}, {"login", 0, 2, 500, 1, login_err}},
       3,
       3,
       {Verdict::kContinue,
        {},
        "waiting for 3 passes in a row of every health check: home 3/3, login 0/3; failing now: " + login_err}},
      {"one failed",
       {{"home", 9, 0, 200, 1, ""}, {"login", 0, 3, 500, 1, login_err}},
       3,
       3,
       {Verdict::kFailed, {"login"}, "health check failed 3 times in a row (failureThreshold 3): " + login_err}},
      {"two failed, failure wins over passes elsewhere",
       {{"home", 0, 1, 0, 1, "x"}, {"login", 0, 4, 500, 1, login_err}, {"dashboard", 0, 1, 0, 1, dash_err}},
       1,
       3,
       {Verdict::kFailed,
        {"home", "login", "dashboard"},
        "health checks failed once (failureThreshold 1): x; " + login_err + "; " + dash_err}},
      {"success threshold 1",
       {{"home", 1, 0, 200, 1, ""}},
       3,
       1,
       {Verdict::kHealthy, {}, "every health check passed once (home 1/1)"}},
      {"no checks",
       {},
       3,
       3,
       {Verdict::kHealthy, {}, "no health checks configured (spec.healthChecks.http of the environment is empty)"}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Decide(c.states, c.failure_threshold, c.success_threshold), c.want) << c.name;
  }
}

// A whole verification, round by round, through the pure pieces.
TEST(Decide, RoundsUntilHealthyAndUntilFailed) {
  auto hc = ParseHealthChecks(json::parse(R"({"healthChecks":{"failureThreshold":2,"successThreshold":2,
      "http":[{"name":"home","path":"/"},{"name":"login","path":"/login","expectBodyContains":"Log in"}]}})"));
  ASSERT_TRUE(hc.ok());
  std::vector<HealthState> states = StartStates(hc.value().checks, {});
  auto round = [&](const ProbeResult& home, const ProbeResult& login) {
    Update(states[0], Judge(hc.value().checks[0], home));
    Update(states[1], Judge(hc.value().checks[1], login));
    states = StartStates(hc.value().checks, HealthFromJson(HealthToJson(states)));  // across reconciles
    return Decide(states, hc.value().failure_threshold, hc.value().success_threshold).kind;
  };
  const ProbeResult ok_home = Answer(200, "home", 5);
  const ProbeResult ok_login = Answer(200, "Log in", 5);
  const ProbeResult bad_login = Answer(200, "Welcome", 5);
  EXPECT_EQ(round(ok_home, bad_login), Verdict::kContinue);
  EXPECT_EQ(round(ok_home, ok_login), Verdict::kContinue);
  EXPECT_EQ(round(ok_home, ok_login), Verdict::kHealthy);

  states = StartStates(hc.value().checks, {});
  EXPECT_EQ(round(ok_home, bad_login), Verdict::kContinue);
  EXPECT_EQ(round(ok_home, bad_login), Verdict::kFailed);
}

}  // namespace
}  // namespace jd::release
