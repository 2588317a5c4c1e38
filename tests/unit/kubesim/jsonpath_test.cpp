// Tests for jsonpath.h: the expressions CRD printer columns and `kubectl -o jsonpath` use.
#include "jsonpath.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kubesim {
namespace {

using nlohmann::json;

const json kEnvironment = json::parse(R"({
  "apiVersion": "justdriving.io/v1alpha1",
  "kind": "JustDrivingEnvironment",
  "metadata": {
    "name": "prod",
    "labels": {"app.kubernetes.io/name": "env", "tier": "production"},
    "annotations": {"a.b/c": "d"}
  },
  "spec": {
    "tier": "production",
    "minTLSDays": 14,
    "domains": [
      {"host": "a.example.com", "port": 443},
      {"host": "b.example.com", "port": 8443},
      {"host": "c.example.com", "port": 80}
    ]
  },
  "status": {
    "observedGeneration": 3,
    "conditions": [
      {"type": "Ready", "status": "True", "reason": "Reconciled"},
      {"type": "Degraded", "status": "False"},
      {"type": "Progressing", "status": "False", "lastTransitionTime": "2024-05-01T10:00:00Z"}
    ]
  }
})");

struct Case {
  std::string name;
  std::string expr;
  json want;  // array of expected values
};

class JsonPathTest : public ::testing::TestWithParam<Case> {};

TEST_P(JsonPathTest, Evaluates) {
  const Case& c = GetParam();
  Result<JsonPath> p = JsonPath::Parse(c.expr);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(json(p.value().Evaluate(kEnvironment)), c.want);
  EXPECT_EQ(json(EvaluateJsonPath(c.expr, kEnvironment)), c.want);
}

INSTANTIATE_TEST_SUITE_P(
    Expressions, JsonPathTest,
    ::testing::Values(
        Case{"dotted", ".spec.tier", {"production"}},
        Case{"braces_and_dollar", "{$.spec.minTLSDays}", {14}},
        Case{"bare_first_name", "spec.tier", {"production"}},
        Case{"object_value", ".metadata.labels", {{{"app.kubernetes.io/name", "env"}, {"tier", "production"}}}},
        Case{"index", ".spec.domains[0].host", {"a.example.com"}},
        Case{"negative_index", ".spec.domains[-1].host", {"c.example.com"}},
        Case{"index_out_of_range", ".spec.domains[7].host", json::array()},
        Case{"union_of_indexes", ".spec.domains[0,2].port", {443, 80}},
        Case{"slice", ".spec.domains[1:3].host", {"b.example.com", "c.example.com"}},
        Case{"slice_open_with_step", ".spec.domains[::2].host", {"a.example.com", "c.example.com"}},
        Case{"wildcard", ".spec.domains[*].host", {"a.example.com", "b.example.com", "c.example.com"}},
        Case{"dot_wildcard_on_map", ".metadata.labels.*", {"env", "production"}},
        Case{"filter_string", ".status.conditions[?(@.type==\"Ready\")].status", {"True"}},
        Case{"filter_single_quotes_spaces", ".status.conditions[?( @.type == 'Degraded' )].status", {"False"}},
        Case{"filter_not_equal", ".status.conditions[?(@.status!=\"False\")].type", {"Ready"}},
        Case{"filter_number", ".spec.domains[?(@.port>=443)].host", {"a.example.com", "b.example.com"}},
        Case{"filter_number_lt", ".spec.domains[?(@.port < 443)].host", {"c.example.com"}},
        Case{"filter_exists", ".status.conditions[?(@.lastTransitionTime)].type", {"Progressing"}},
        Case{"filter_no_match", ".status.conditions[?(@.type==\"Nope\")].status", json::array()},
        Case{"filter_type_mismatch_matches_nothing", ".spec.domains[?(@.port==\"443\")].host", json::array()},
        Case{"quoted_key_with_dots", ".metadata.labels['app.kubernetes.io/name']", {"env"}},
        Case{"double_quoted_key", ".metadata.annotations[\"a.b/c\"]", {"d"}},
        Case{"escaped_dot_in_name", ".metadata.labels.app\\.kubernetes\\.io/name", {"env"}},
        Case{"bracket_union_of_names", ".metadata['name','labels'].tier", {"production"}},
        Case{"recursive_descent", "..host", {"a.example.com", "b.example.com", "c.example.com"}},
        Case{"recursive_descent_root_field", "..observedGeneration", {3}},
        Case{"missing_field", ".status.phase", json::array()},
        Case{"field_of_scalar", ".spec.tier.x", json::array()},
        Case{"root", "{@}", {kEnvironment}}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

struct BadCase {
  std::string name;
  std::string expr;
  std::string message;
};

class JsonPathParseErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(JsonPathParseErrorTest, RefusesWithBadRequest) {
  const BadCase& c = GetParam();
  Result<JsonPath> p = JsonPath::Parse(c.expr);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, 400);
  EXPECT_EQ(p.error().reason, "BadRequest");
  EXPECT_EQ(p.error().message, c.message);
  EXPECT_TRUE(EvaluateJsonPath(c.expr, kEnvironment).empty());
}

INSTANTIATE_TEST_SUITE_P(
    Expressions, JsonPathParseErrorTest,
    ::testing::Values(
        BadCase{"unclosed_array", ".spec.domains[0", "error parsing jsonpath .spec.domains[0, unclosed array expect ]"},
        BadCase{"unclosed_quote", ".metadata['name", "error parsing jsonpath .metadata['name, unclosed quote"},
        BadCase{"bad_filter_operator", ".a[?(@.x=~\"y\")]",
                "error parsing jsonpath .a[?(@.x=~\"y\")], unrecognized filter operator"},
        BadCase{"filter_without_at", ".a[?(x==1)]", "error parsing jsonpath .a[?(x==1)], filter must start with @"},
        BadCase{"bad_index", ".a[x]", "error parsing jsonpath .a[x], invalid array index"},
        BadCase{"zero_step", ".a[::0]", "error parsing jsonpath .a[::0], slice step must be positive"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return info.param.name; });

}  // namespace
}  // namespace kubesim
