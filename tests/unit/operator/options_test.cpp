// Tests for ParseOptions: flags, JD_* environment fallbacks, precedence, and exact error messages.
#include "runtime/options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace jd {
namespace {

StatusOr<Options> Parse(std::vector<std::string> args, const MapEnvironment& env = {}) {
  std::vector<const char*> argv = {"justdriving-operator"};
  for (const auto& a : args) argv.push_back(a.c_str());
  return ParseOptions(static_cast<int>(argv.size()), argv.data(), env);
}

TEST(OptionsTest, Defaults) {
  auto parsed = Parse({});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const Options& o = parsed.value();
  EXPECT_EQ(o.kubeconfig, "");
  EXPECT_EQ(o.context, "");
  EXPECT_TRUE(o.namespaces.empty());
  EXPECT_FALSE(o.leader_elect);
  EXPECT_EQ(o.leader_election_namespace, "");
  EXPECT_EQ(o.leader_election_id, "justdriving-operator");
  EXPECT_EQ(o.metrics_bind_address, ":8080");
  EXPECT_EQ(o.health_probe_bind_address, ":8081");
  EXPECT_EQ(o.log_format, "text");
  EXPECT_EQ(o.log_level, "info");
  EXPECT_EQ(o.max_concurrent_reconciles, 1);
  EXPECT_FALSE(o.help_requested);
}

TEST(OptionsTest, LogFormatDefaultsToJsonInAPod) {
  auto parsed = Parse({}, MapEnvironment{{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.value().log_format, "json");
  EXPECT_EQ(Parse({"--log-format=text"}, MapEnvironment{{"KUBERNETES_SERVICE_HOST", "h"}}).value().log_format, "text");
}

TEST(OptionsTest, EveryFlag) {
  auto parsed = Parse({"--kubeconfig", "/k", "--context=kube-sim", "--namespace", "a", "--namespace=b,c",
                       "--namespace", "a", "--leader-elect", "--leader-election-namespace", "ops",
                       "--leader-election-id", "my.lease", "--metrics-bind-address", "127.0.0.1:9090",
                       "--health-probe-bind-address", "0", "--log-format", "json", "--log-level", "debug",
                       "--max-concurrent-reconciles", "4"});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const Options& o = parsed.value();
  EXPECT_EQ(o.kubeconfig, "/k");
  EXPECT_EQ(o.context, "kube-sim");
  EXPECT_EQ(o.namespaces, (std::vector<std::string>{"a", "b", "c"}));  // repeatable, de-duplicated
  EXPECT_TRUE(o.leader_elect);
  EXPECT_EQ(o.leader_election_namespace, "ops");
  EXPECT_EQ(o.leader_election_id, "my.lease");
  EXPECT_EQ(o.metrics_bind_address, "127.0.0.1:9090");
  EXPECT_EQ(o.health_probe_bind_address, "0");
  EXPECT_EQ(o.log_format, "json");
  EXPECT_EQ(o.log_level, "debug");
  EXPECT_EQ(o.max_concurrent_reconciles, 4);
}

TEST(OptionsTest, EveryEnvironmentVariable) {
  MapEnvironment env{{"JD_KUBECONFIG", "/k"},
                     {"JD_CONTEXT", "c"},
                     {"JD_NAMESPACE", "x,y"},
                     {"JD_LEADER_ELECT", "true"},
                     {"JD_LEADER_ELECTION_NAMESPACE", "ops"},
                     {"JD_LEADER_ELECTION_ID", "lease"},
                     {"JD_METRICS_BIND_ADDRESS", ":9000"},
                     {"JD_HEALTH_PROBE_BIND_ADDRESS", "[::1]:9001"},
                     {"JD_LOG_FORMAT", "json"},
                     {"JD_LOG_LEVEL", "warn"},
                     {"JD_MAX_CONCURRENT_RECONCILES", "8"}};
  auto parsed = Parse({}, env);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const Options& o = parsed.value();
  EXPECT_EQ(o.kubeconfig, "/k");
  EXPECT_EQ(o.context, "c");
  EXPECT_EQ(o.namespaces, (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(o.leader_elect);
  EXPECT_EQ(o.leader_election_namespace, "ops");
  EXPECT_EQ(o.leader_election_id, "lease");
  EXPECT_EQ(o.metrics_bind_address, ":9000");
  EXPECT_EQ(o.health_probe_bind_address, "[::1]:9001");
  EXPECT_EQ(o.log_format, "json");
  EXPECT_EQ(o.log_level, "warn");
  EXPECT_EQ(o.max_concurrent_reconciles, 8);
}

TEST(OptionsTest, FlagsWinOverEnvironment) {
  MapEnvironment env{{"JD_LOG_LEVEL", "error"},
                     {"JD_NAMESPACE", "from-env"},
                     {"JD_LEADER_ELECT", "true"},
                     {"JD_KUBECONFIG", "/env"},
                     {"JD_MAX_CONCURRENT_RECONCILES", "bogus"}};  // not consulted: the flag is given
  auto parsed = Parse({"--log-level=debug", "--namespace=from-flag", "--leader-elect=false", "--kubeconfig=/flag",
                       "--max-concurrent-reconciles=2"},
                      env);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed.value().log_level, "debug");
  EXPECT_EQ(parsed.value().namespaces, (std::vector<std::string>{"from-flag"}));
  EXPECT_FALSE(parsed.value().leader_elect);
  EXPECT_EQ(parsed.value().kubeconfig, "/flag");
  EXPECT_EQ(parsed.value().max_concurrent_reconciles, 2);
}

TEST(OptionsTest, EmptyVariablesCountAsUnsetAndKubeconfigIsLeftToTheResolver) {
  auto parsed = Parse({}, MapEnvironment{{"JD_LOG_LEVEL", ""}, {"KUBECONFIG", "/from/kubeconfig/env"}});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed.value().log_level, "info");
  EXPECT_EQ(parsed.value().kubeconfig, "");  // $KUBECONFIG is consulted by kube::ResolveRestConfig
}

TEST(OptionsTest, LastFlagWinsLikeGoFlags) {
  EXPECT_EQ(Parse({"--log-level=debug", "--log-level=warn"}).value().log_level, "warn");
}

TEST(OptionsTest, Help) {
  for (const char* flag : {"--help", "-h"}) {
    auto parsed = Parse({flag, "--log-format=xml"});
    ASSERT_TRUE(parsed.ok()) << flag;
    EXPECT_TRUE(parsed.value().help_requested);
    for (const char* text : {"--kubeconfig", "--leader-elect", "--max-concurrent-reconciles", "JD_LOG_FORMAT"}) {
      EXPECT_NE(parsed.value().help_text.find(text), std::string::npos) << text;
    }
  }
}

struct BadCase {
  std::vector<std::string> args;
  MapEnvironment env;
  std::string expected;
};

TEST(OptionsTest, BadValuesNameTheFlagAndTheAcceptedValues) {
  const std::string kNamespaceRule =
      " is not a valid namespace name (lowercase letters, digits and '-', starting and ending with a letter or "
      "digit, at most 63 characters)";
  const std::vector<BadCase> cases = {
      {{"--log-format", "xml"}, {}, "--log-format: \"xml\" is not one of json, text"},
      {{}, {{"JD_LOG_FORMAT", "xml"}}, "JD_LOG_FORMAT: \"xml\" is not one of json, text"},
      {{"--log-format="}, {}, "--log-format: 1 required TEXT missing; run with --help for the list of flags"},
      {{"--log-level", "trace"}, {}, "--log-level: \"trace\" is not one of debug, info, warn, error"},
      {{"--leader-elect=maybe"}, {}, "--leader-elect: \"maybe\" is not one of true, false"},
      {{}, {{"JD_LEADER_ELECT", "yes"}}, "JD_LEADER_ELECT: \"yes\" is not one of true, false"},
      {{"--max-concurrent-reconciles", "0"}, {}, "--max-concurrent-reconciles: \"0\" is not a positive integer"},
      {{"--max-concurrent-reconciles", "2x"}, {}, "--max-concurrent-reconciles: \"2x\" is not a positive integer"},
      {{"--max-concurrent-reconciles", "99999999999"}, {},
       "--max-concurrent-reconciles: \"99999999999\" is not a positive integer"},
      {{}, {{"JD_MAX_CONCURRENT_RECONCILES", "-1"}},
       "JD_MAX_CONCURRENT_RECONCILES: \"-1\" is not a positive integer"},
      {{"--metrics-bind-address", "8080"}, {},
       "--metrics-bind-address: \"8080\" is not host:port, :port or 0 (to disable)"},
      {{"--metrics-bind-address", ":99999"}, {},
       "--metrics-bind-address: \":99999\" is not host:port, :port or 0 (to disable)"},
      {{"--health-probe-bind-address", "::1:8081"}, {},
       "--health-probe-bind-address: \"::1:8081\" is not host:port, :port or 0 (to disable)"},
      {{}, {{"JD_HEALTH_PROBE_BIND_ADDRESS", "host:"}},
       "JD_HEALTH_PROBE_BIND_ADDRESS: \"host:\" is not host:port, :port or 0 (to disable)"},
      {{"--namespace", "Team_A"}, {}, "--namespace: \"Team_A\"" + kNamespaceRule},
      {{}, {{"JD_NAMESPACE", "a,,b"}}, "JD_NAMESPACE: \"\"" + kNamespaceRule},
      {{}, {{"JD_NAMESPACE", "ok,-bad"}}, "JD_NAMESPACE: \"-bad\"" + kNamespaceRule},
      {{"--leader-election-namespace", "Ops"}, {}, "--leader-election-namespace: \"Ops\"" + kNamespaceRule},
      {{"--leader-election-id", "My_Lease"}, {},
       "--leader-election-id: \"My_Lease\" is not a valid Lease name (lowercase letters, digits, '-' and '.', at "
       "most 253 characters)"},
      {{"--bogus"}, {}, "The following argument was not expected: --bogus; run with --help for the list of flags"},
      {{"--log-format"}, {}, "--log-format: 1 required TEXT missing; run with --help for the list of flags"},
  };
  for (const auto& c : cases) {
    std::string label;
    for (const auto& a : c.args) label += a + " ";
    auto parsed = Parse(c.args, c.env);
    ASSERT_FALSE(parsed.ok()) << label << " expected " << c.expected;
    EXPECT_EQ(parsed.error().message, c.expected) << label;
  }
}

TEST(OptionsTest, AcceptedBindAddresses) {
  for (const char* address : {"0", ":0", ":8080", "0.0.0.0:8080", "localhost:8080", "[::]:8080", "[fd00::1]:1"}) {
    auto parsed = Parse({std::string("--metrics-bind-address=") + address});
    EXPECT_TRUE(parsed.ok()) << address << ": " << (parsed.ok() ? "" : parsed.error().message);
  }
}

}  // namespace
}  // namespace jd
