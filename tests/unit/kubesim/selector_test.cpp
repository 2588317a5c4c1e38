// Tests for selector.h.
#include "selector.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kubesim {
namespace {

using nlohmann::json;

// --- label selector text ------------------------------------------------------------------------

struct LabelCase {
  const char* selector;
  const char* canonical;          // LabelSelector::String()
  std::vector<const char*> match;     // label objects (JSON) that must match
  std::vector<const char*> no_match;  // and must not
};

TEST(ParseLabelSelectorTest, ParsesAndMatches) {
  const std::vector<LabelCase> cases = {
      {"", "", {R"({})", R"({"a":"b"})", "null"}, {}},
      {"   ", "", {R"({})"}, {}},
      {"a=b", "a=b", {R"({"a":"b"})", R"({"a":"b","c":"d"})"}, {R"({"a":"c"})", R"({})", "null"}},
      {"a==b", "a==b", {R"({"a":"b"})"}, {R"({"a":"B"})"}},
      {"a!=b", "a!=b", {R"({"a":"c"})", R"({})", "null"}, {R"({"a":"b"})"}},
      {" a in ( x , y ) ", "a in (x,y)", {R"({"a":"x"})", R"({"a":"y"})"}, {R"({"a":"z"})", R"({})"}},
      {"a in (y,x,x)", "a in (x,y)", {R"({"a":"x"})"}, {}},
      {"a notin (x)", "a notin (x)", {R"({"a":"y"})", R"({})"}, {R"({"a":"x"})"}},
      {"a", "a", {R"({"a":""})", R"({"a":"v"})"}, {R"({})", R"({"b":"a"})"}},
      {"!a", "!a", {R"({})", R"({"b":"x"})"}, {R"({"a":""})"}},
      {" ! a ", "!a", {R"({})"}, {R"({"a":"x"})"}},
      {"b=c,a", "a,b=c", {R"({"a":"1","b":"c"})"}, {R"({"b":"c"})", R"({"a":"1","b":"x"})"}},
      {"env in (prod, staging),tier notin (frontend),!legacy", "env in (prod,staging),!legacy,tier notin (frontend)",
       {R"({"env":"prod"})", R"({"env":"staging","tier":"backend"})"},
       {R"({"env":"prod","legacy":"true"})", R"({"env":"prod","tier":"frontend"})", R"({"env":"dev"})"}},
      {"app.kubernetes.io/name=web", "app.kubernetes.io/name=web", {R"({"app.kubernetes.io/name":"web"})"},
       {R"({"name":"web"})"}},
      {"a>5", "a>5", {R"({"a":"6"})", R"({"a":"100"})"}, {R"({"a":"5"})", R"({"a":"x"})", R"({})"}},
      {"a<3", "a<3", {R"({"a":"2"})", R"({"a":"0"})"}, {R"({"a":"3"})", R"({"a":"x"})"}},
      {"in=in", "in=in", {R"({"in":"in"})"}, {}},  // keywords are plain words as key and value
      {"a in (in,notin)", "a in (in,notin)", {R"({"a":"notin"})"}, {}},
      {"a=", "a=", {R"({"a":""})"}, {R"({})", R"({"a":"x"})"}},
      {"a=,b", "a=,b", {R"({"a":"","b":"1"})"}, {}},
      {"a in ()", "a in ()", {R"({"a":""})"}, {R"({"a":"x"})"}},
      {"a in (,x)", "a in (,x)", {R"({"a":""})", R"({"a":"x"})"}, {}},
      {"a in (x,)", "a in (,x)", {R"({"a":""})"}, {}},
      {"a notin (x,,y)", "a notin (,x,y)", {R"({"a":"z"})"}, {R"({"a":""})"}},
      {"a=b,a!=c", "a=b,a!=c", {R"({"a":"b"})"}, {R"({"a":"c"})"}},
      {"a=1,a=2", "a=1,a=2", {}, {R"({"a":"1"})", R"({"a":"2"})"}},
  };
  for (const LabelCase& c : cases) {
    Result<LabelSelector> s = ParseLabelSelector(c.selector);
    ASSERT_TRUE(s.ok()) << c.selector << ": " << s.error().message;
    EXPECT_EQ(s.value().String(), c.canonical) << c.selector;
    for (const char* m : c.match) EXPECT_TRUE(s.value().Matches(json::parse(m))) << c.selector << " vs " << m;
    for (const char* m : c.no_match) EXPECT_FALSE(s.value().Matches(json::parse(m))) << c.selector << " vs " << m;
  }
}

TEST(ParseLabelSelectorTest, EmptySelectorMatchesEverything) {
  Result<LabelSelector> s = ParseLabelSelector("");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s.value().MatchesEverything());
  EXPECT_TRUE(LabelSelector().Matches(json::parse(R"({"x":"y"})")));
  EXPECT_FALSE(LabelSelector::Nothing().Matches(json::object()));
}

TEST(ParseLabelSelectorTest, Errors) {
  const std::string name_part_err =
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
      "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
      "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  const std::string value_err =
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
      "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
      "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
  struct Case {
    std::string selector;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"},
      {"a=b c", "found 'c', expected: ',' or 'end of string'"},
      {"a=b,", "found '', expected: identifier after ','"},
      {"a=b,,c", "found ',', expected: identifier after ','"},
      {"=b", "found '=', expected: !, identifier, or 'end of string'"},
      {"(a)", "found '(', expected: !, identifier, or 'end of string'"},
      {"!a=b", "found '=', expected: ',' or 'end of string'"},
      {"!", "unable to parse requirement: found '', expected: identifier"},
      {"a in x", "unable to parse requirement: found 'x' expected: '('"},
      {"a in (x", "unable to parse requirement: found '', expected: ',' or ')'"},
      {"a in (x y)", "unable to parse requirement: found 'y', expected: ',' or ')'"},
      {"a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"},
      {"a=(b)", "unable to parse requirement: found '(', expected: identifier"},
      {"a@b=c", "unable to parse requirement: <nil>: Invalid value: \"a@b\": " + name_part_err},
      {"-a", "unable to parse requirement: <nil>: Invalid value: \"-a\": " + name_part_err},
      {"a=b@", "unable to parse requirement: values[0]: Invalid value: \"b@\": " + value_err},
      {"a in (ok,-bad)", "unable to parse requirement: values[0]: Invalid value: \"-bad\": " + value_err},
      {"a=" + std::string(64, 'v'),
       "unable to parse requirement: values[0]: Invalid value: \"" + std::string(64, 'v') +
           "\": must be no more than 63 characters"},
      {std::string(64, 'k'), "unable to parse requirement: <nil>: Invalid value: \"" + std::string(64, 'k') +
                                 "\": name part must be no more than 63 characters"},
      {"a/b/c", "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of "
                "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
                "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
                "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. "
                "'example.com/MyName')"},
      {"/a", "unable to parse requirement: <nil>: Invalid value: \"/a\": prefix part must be non-empty"},
      {"Example.com/a", "unable to parse requirement: <nil>: Invalid value: \"Example.com/a\": prefix part a "
                        "lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
                        "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
                        "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"},
      {"a<-1", "unable to parse requirement: values[0]: Invalid value: \"-1\": " + value_err},
      {"a>x", "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value "
              "must be an integer"},
  };
  for (const Case& c : cases) {
    Result<LabelSelector> s = ParseLabelSelector(c.selector);
    ASSERT_FALSE(s.ok()) << c.selector;
    EXPECT_EQ(s.error().code, 400) << c.selector;
    EXPECT_EQ(s.error().reason, "BadRequest") << c.selector;
    EXPECT_EQ(s.error().message, c.message) << c.selector;
  }
}

// --- metav1.LabelSelector and label maps -----------------------------------------------------------

TEST(FromLabelSelectorJsonTest, MatchLabelsAndExpressions) {
  const json sel = json::parse(R"({
    "matchLabels": {"app": "web"},
    "matchExpressions": [
      {"key": "tier", "operator": "In", "values": ["front", "edge"]},
      {"key": "env", "operator": "NotIn", "values": ["dev"]},
      {"key": "team", "operator": "Exists"},
      {"key": "legacy", "operator": "DoesNotExist", "values": []}
    ]})");
  const LabelSelector s = FromLabelSelectorJson(sel);
  EXPECT_EQ(s.String(), "app=web,env notin (dev),!legacy,team,tier in (edge,front)");
  EXPECT_TRUE(s.Matches(json::parse(R"({"app":"web","tier":"edge","team":"a"})")));
  EXPECT_TRUE(s.Matches(json::parse(R"({"app":"web","tier":"front","team":"a","env":"prod"})")));
  EXPECT_FALSE(s.Matches(json::parse(R"({"app":"web","tier":"front","team":"a","env":"dev"})")));
  EXPECT_FALSE(s.Matches(json::parse(R"({"app":"web","tier":"front","team":"a","legacy":"1"})")));
  EXPECT_FALSE(s.Matches(json::parse(R"({"app":"web","tier":"back","team":"a"})")));
  EXPECT_FALSE(s.Matches(json::parse(R"({"app":"web","tier":"front"})")));
  EXPECT_FALSE(s.Matches(json::parse(R"({"app":"api","tier":"front","team":"a"})")));
}

TEST(FromLabelSelectorJsonTest, NullMatchesNothingAndEmptyMatchesEverything) {
  EXPECT_TRUE(FromLabelSelectorJson(json()).MatchesNothing());
  EXPECT_FALSE(FromLabelSelectorJson(json()).Matches(json::object()));
  EXPECT_TRUE(FromLabelSelectorJson(json::object()).MatchesEverything());
  EXPECT_TRUE(FromLabelSelectorJson(json::parse(R"({"matchLabels":{}, "matchExpressions":[]})")).MatchesEverything());
  EXPECT_TRUE(FromLabelSelectorJson(json::object()).Matches(json::parse(R"({"a":"b"})")));
}

TEST(FromLabelSelectorJsonTest, InvalidSelectorsAreErrorsOrMatchNothing) {
  struct Case {
    const char* selector;
    const char* message;
  };
  const std::vector<Case> cases = {
      {R"({"matchExpressions":[{"key":"a","operator":"Equals","values":["b"]}]})",
       "\"Equals\" is not a valid label selector operator"},
      {R"({"matchExpressions":[{"key":"a","operator":"In","values":[]}]})",
       "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"},
      {R"({"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]})",
       "values: Invalid value: []string{\"x\"}: values set must be empty for exists and does not exist"},
      {R"({"matchLabels":{"a b":"c"}})",
       "key: Invalid value: \"a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must "
       "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
       "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"},
      {R"({"matchLabels":{"a":1}})", "matchLabels.a must be a string"},
      {R"("app=web")", "a label selector must be an object"},
  };
  for (const Case& c : cases) {
    const json sel = json::parse(c.selector);
    Result<LabelSelector> r = ParseLabelSelectorJson(sel);
    ASSERT_FALSE(r.ok()) << c.selector;
    EXPECT_EQ(r.error().code, 400) << c.selector;
    EXPECT_EQ(r.error().message, c.message) << c.selector;
    EXPECT_TRUE(FromLabelSelectorJson(sel).MatchesNothing()) << c.selector;
  }
}

TEST(FromLabelMapTest, EveryPairMustBeEqual) {
  const LabelSelector s = FromLabelMap(json::parse(R"({"app":"web","tier":"front"})"));
  EXPECT_EQ(s.String(), "app=web,tier=front");
  EXPECT_TRUE(s.Matches(json::parse(R"({"app":"web","tier":"front","x":"y"})")));
  EXPECT_FALSE(s.Matches(json::parse(R"({"app":"web"})")));
  EXPECT_TRUE(FromLabelMap(json()).MatchesEverything());
  EXPECT_TRUE(FromLabelMap(json::object()).MatchesEverything());
  EXPECT_TRUE(FromLabelMap(json::parse(R"({"a":true})")).MatchesNothing());
}

// --- field selectors ------------------------------------------------------------------------------------

TEST(ParseFieldSelectorTest, ParsesAndMatches) {
  const json running = json::parse(R"({"metadata":{"name":"web-1","namespace":"prod"},
                                       "spec":{"nodeName":"n1","unschedulable":true,"replicas":3},
                                       "status":{"phase":"Running"}})");
  const json pending = json::parse(R"({"metadata":{"name":"a,b","namespace":"dev"},"status":{"phase":"Pending"}})");
  const json bare = json::parse(R"({"metadata":{"name":"x"}})");
  const std::vector<std::string> pod_fields = {"status.phase", "spec.nodeName", "spec.unschedulable",
                                               "spec.replicas"};
  struct Case {
    const char* selector;
    std::vector<const json*> match;
    std::vector<const json*> no_match;
  };
  const std::vector<Case> cases = {
      {"", {&running, &pending, &bare}, {}},
      {"metadata.name=web-1", {&running}, {&pending, &bare}},
      {"metadata.namespace==prod", {&running}, {&pending, &bare}},
      {"status.phase!=Running", {&pending, &bare}, {&running}},
      {"metadata.namespace=prod,status.phase=Running", {&running}, {&pending}},
      {",metadata.namespace=dev,", {&pending}, {&running}},
      {"metadata.name=a\\,b", {&pending}, {&running}},
      {"spec.nodeName=", {&pending, &bare}, {&running}},
      {"spec.unschedulable=true", {&running}, {&pending}},
      {"spec.replicas=3", {&running}, {&bare}},
      {"metadata.namespace=", {&bare}, {&running}},
  };
  for (const Case& c : cases) {
    Result<FieldSelector> s = ParseFieldSelector(c.selector, pod_fields);
    ASSERT_TRUE(s.ok()) << c.selector << ": " << s.error().message;
    for (const json* o : c.match) EXPECT_TRUE(s.value().Matches(*o)) << c.selector << " vs " << o->dump();
    for (const json* o : c.no_match) EXPECT_FALSE(s.value().Matches(*o)) << c.selector << " vs " << o->dump();
  }
  Result<FieldSelector> escaped = ParseFieldSelector("metadata.name=a\\=b\\\\c", {});
  ASSERT_TRUE(escaped.ok());
  EXPECT_EQ(escaped.value().requirements().at(0).value, "a=b\\c");
}

TEST(ParseFieldSelectorTest, Errors) {
  struct Case {
    const char* selector;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"spec.foo=x", "field label not supported: spec.foo"},
      {"metadata.name=x,status.phase=Running", "field label not supported: status.phase"},
      {"metadata.name = x", "field label not supported: metadata.name "},
      {"metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"},
      {"metadata.name=x,oops", "invalid selector: 'metadata.name=x,oops'; can't understand 'oops'"},
      {"metadata.name=a=b", "invalid field selector: unescaped character in value: ="},
      {"metadata.name=a\\x", "invalid field selector: invalid escape sequence: \\x"},
  };
  for (const Case& c : cases) {
    Result<FieldSelector> s = ParseFieldSelector(c.selector, {});
    ASSERT_FALSE(s.ok()) << c.selector;
    EXPECT_EQ(s.error().code, 400) << c.selector;
    EXPECT_EQ(s.error().reason, "BadRequest") << c.selector;
    EXPECT_EQ(s.error().message, c.message) << c.selector;
  }
}

TEST(FieldValueTest, ReadsDottedPaths) {
  const json o = json::parse(R"({"a":{"b":{"c":"x"},"n":1.5,"f":false,"l":[1],"z":null}})");
  EXPECT_EQ(FieldValue(o, "a.b.c"), "x");
  EXPECT_EQ(FieldValue(o, "a.n"), "1.5");
  EXPECT_EQ(FieldValue(o, "a.f"), "false");
  EXPECT_EQ(FieldValue(o, "a.l"), "");
  EXPECT_EQ(FieldValue(o, "a.z"), "");
  EXPECT_EQ(FieldValue(o, "a.b.c.d"), "");
  EXPECT_EQ(FieldValue(o, "missing"), "");
}

}  // namespace
}  // namespace kubesim
