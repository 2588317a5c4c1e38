#include "reconcilers/environment/template.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace jd::env {
namespace {

using nlohmann::json;

json Environment(const std::string& ns, const std::string& name, json spec) {
  return {{"apiVersion", "justdriving.io/v1alpha1"},
          {"kind", "JustDrivingEnvironment"},
          {"metadata", {{"namespace", ns}, {"name", name}}},
          {"spec", std::move(spec)}};
}

// An in-memory set of environments, looked up by "ns/name".
class Environments {
 public:
  void Add(const json& env) {
    by_key_[env["metadata"]["namespace"].get<std::string>() + "/" +
            env["metadata"]["name"].get<std::string>()] = env;
  }
  EnvironmentLookup Lookup() const {
    return [this](const std::string& ns, const std::string& name) -> std::optional<json> {
      auto it = by_key_.find(ns + "/" + name);
      if (it == by_key_.end()) return std::nullopt;
      return it->second;
    };
  }

 private:
  std::map<std::string, json> by_key_;
};

const json kBaseSpec = json::parse(R"({
  "tier": "staging",
  "region": "eu-west",
  "openToUsers": true,
  "domains": [{"host": "staging.example", "tlsSecretName": "staging-tls"}],
  "app": {"image": "registry.example.com/justdriving/app", "imagePullSecrets": ["regcred"]},
  "locale": {"timezone": "Europe/Amsterdam", "locale": "nl_NL", "currency": "EUR"},
  "components": {"web": {"replicas": 2, "port": 8080},
                 "workers": [{"name": "default", "queues": ["default"]}],
                 "scheduler": {"enabled": true}},
  "smokeTests": [{"name": "registration", "command": ["php", "artisan", "smoke:registration"]},
                 {"name": "bookings", "command": ["php", "artisan", "smoke:bookings"]}],
  "integrations": {"payments": {"secretName": "jd-payments", "mode": "test"}}
})");

TEST(MergeOver, Table) {
  struct Case {
    std::string name;
    json own, inherited, want;
  };
  const std::vector<Case> cases = {
      {"own scalar wins", {{"a", 1}}, {{"a", 2}}, {{"a", 1}}},
      {"unset taken", json::object(), {{"a", 2}}, {{"a", 2}}},
      {"null is unset", {{"a", nullptr}}, {{"a", 2}}, {{"a", 2}}},
      {"objects deep-merge", {{"o", {{"x", 1}}}}, {{"o", {{"x", 9}, {"y", 2}}}},
       {{"o", {{"x", 1}, {"y", 2}}}}},
      {"arrays replace as a whole", {{"l", {3}}}, {{"l", {1, 2}}}, {{"l", {3}}}},
      {"empty array is set, not unset", {{"l", json::array()}}, {{"l", {1}}},
       {{"l", json::array()}}},
      {"object over scalar: own wins", {{"o", {{"x", 1}}}}, {{"o", 5}}, {{"o", {{"x", 1}}}}},
      {"scalar over object: own wins", {{"o", 5}}, {{"o", {{"x", 1}}}}, {{"o", 5}}},
      {"false is set", {{"b", false}}, {{"b", true}}, {{"b", false}}},
  };
  for (const auto& c : cases) EXPECT_EQ(MergeOver(c.own, c.inherited), c.want) << c.name;
}

TEST(ResolveTemplate, NoTemplateReturnsOwnSpec) {
  const json env = Environment("school-a", "staging", kBaseSpec);
  auto r = ResolveTemplate(env, Environments().Lookup());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().spec, kBaseSpec);
  EXPECT_TRUE(r.value().chain.empty());
  EXPECT_EQ(r.value().Description(), "");
}

TEST(ResolveTemplate, InheritsUnsetFieldsButNotTierDomainsOpenToUsers) {
  Environments envs;
  envs.Add(Environment("school-a", "staging", kBaseSpec));
  const json own = json::parse(R"({
    "tier": "production",
    "templateRef": {"name": "staging"},
    "domains": [{"host": "app.school.example", "tlsSecretName": "app-tls"}],
    "locale": {"currency": "USD"},
    "components": {"web": {"replicas": 5}},
    "smokeTests": [{"name": "invoices", "command": ["php", "artisan", "smoke:invoices"]}],
    "integrations": {"payments": {"mode": "live"}}
  })");
  auto r = ResolveTemplate(Environment("school-a", "production", own), envs.Lookup());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const json want = json::parse(R"({
    "tier": "production",
    "templateRef": {"name": "staging"},
    "region": "eu-west",
    "domains": [{"host": "app.school.example", "tlsSecretName": "app-tls"}],
    "app": {"image": "registry.example.com/justdriving/app", "imagePullSecrets": ["regcred"]},
    "locale": {"timezone": "Europe/Amsterdam", "locale": "nl_NL", "currency": "USD"},
    "components": {"web": {"replicas": 5, "port": 8080},
                   "workers": [{"name": "default", "queues": ["default"]}],
                   "scheduler": {"enabled": true}},
    "smokeTests": [{"name": "invoices", "command": ["php", "artisan", "smoke:invoices"]}],
    "integrations": {"payments": {"secretName": "jd-payments", "mode": "live"}}
  })");
  EXPECT_EQ(r.value().spec, want) << r.value().spec.dump(2);
  EXPECT_EQ(r.value().Description(), "school-a/staging");
}

TEST(ResolveTemplate, NeverInheritedFieldsStayUnsetWhenTheEnvironmentOmitsThem) {
  Environments envs;
  envs.Add(Environment("school-a", "staging", kBaseSpec));
  auto r = ResolveTemplate(
      Environment("school-a", "new-school", {{"templateRef", {{"name", "staging"}}}}),
      envs.Lookup());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const json& spec = r.value().spec;
  EXPECT_FALSE(spec.contains("tier"));
  EXPECT_FALSE(spec.contains("domains"));
  EXPECT_FALSE(spec.contains("openToUsers"));
  EXPECT_EQ(spec["templateRef"], json({{"name", "staging"}}));  // its own, not the template's
  EXPECT_EQ(spec["region"], "eu-west");
}

TEST(ResolveTemplate, ChainsAcrossNamespacesNearestTemplateWins) {
  Environments envs;
  // base (namespace templates) <- staging (school-a, overrides web replicas) <- production.
  envs.Add(Environment("templates", "base", kBaseSpec));
  envs.Add(Environment("school-a", "staging",
                       {{"tier", "staging"},
                        {"templateRef", {{"name", "base"}, {"namespace", "templates"}}},
                        {"components", {{"web", {{"replicas", 3}}}}},
                        {"locale", {{"locale", "en_GB"}}}}));
  auto r = ResolveTemplate(Environment("school-a", "production",
                                       {{"tier", "production"},
                                        {"templateRef", {{"name", "staging"}}},
                                        {"locale", {{"currency", "GBP"}}}}),
                           envs.Lookup());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const json& spec = r.value().spec;
  EXPECT_EQ(spec["tier"], "production");
  EXPECT_EQ(spec["components"]["web"], json({{"replicas", 3}, {"port", 8080}}));
  EXPECT_EQ(spec["locale"],
            json({{"timezone", "Europe/Amsterdam"}, {"locale", "en_GB"}, {"currency", "GBP"}}));
  EXPECT_EQ(r.value().chain, (std::vector<std::string>{"school-a/staging", "templates/base"}));
  EXPECT_EQ(r.value().Description(), "school-a/staging -> templates/base");
}

TEST(ResolveTemplate, ErrorsTable) {
  struct Case {
    std::string name;
    std::vector<json> others;
    json env;
    std::string message;
  };
  auto ref = [](const std::string& name, const std::string& ns = "") {
    json r = {{"name", name}};
    if (!ns.empty()) r["namespace"] = ns;
    return json{{"templateRef", r}};
  };
  const std::vector<Case> cases = {
      {"missing template",
       {},
       Environment("school-x", "production", ref("staging")),
       "spec.templateRef: environment school-x/staging not found; create it or change the "
       "templateRef"},
      {"missing template in another namespace",
       {},
       Environment("school-x", "production", ref("staging", "shared")),
       "spec.templateRef: environment shared/staging not found; create it or change the "
       "templateRef"},
      {"missing template further down the chain",
       {Environment("school-x", "staging", ref("base"))},
       Environment("school-x", "production", ref("staging")),
       "spec.templateRef: environment school-x/base not found (templateRef of school-x/staging); "
       "create it or change the templateRef"},
      {"a template's own templateRef is relative to the template's namespace",
       {Environment("shared", "staging", ref("base"))},
       Environment("school-x", "production", ref("staging", "shared")),
       "spec.templateRef: environment shared/base not found (templateRef of shared/staging); "
       "create it or change the templateRef"},
      {"self reference",
       {},
       Environment("s", "a", ref("a")),
       "spec.templateRef: template loop s/a -> s/a; remove the templateRef of one of them"},
      {"two-step loop",
       {Environment("s", "b", ref("a"))},
       Environment("s", "a", ref("b")),
       "spec.templateRef: template loop s/a -> s/b -> s/a; remove the templateRef of one of them"},
      {"loop not through the start",
       {Environment("s", "b", ref("c")), Environment("s", "c", ref("b"))},
       Environment("s", "a", ref("b")),
       "spec.templateRef: template loop s/a -> s/b -> s/c -> s/b; remove the templateRef of one "
       "of them"},
      {"templateRef without a name",
       {},
       Environment("s", "a", {{"templateRef", {{"namespace", "t"}}}}),
       "spec.templateRef.name: required; name the JustDrivingEnvironment to start from, or "
       "remove templateRef"},
      {"chain too long",
       {Environment("s", "t1", ref("t2")), Environment("s", "t2", ref("t3")),
        Environment("s", "t3", ref("t4")), Environment("s", "t4", ref("t5")),
        Environment("s", "t5", ref("t6")), Environment("s", "t6", ref("t7")),
        Environment("s", "t7", ref("t8")), Environment("s", "t8", ref("t9")),
        Environment("s", "t9", json::object())},
       Environment("s", "a", ref("t1")),
       "spec.templateRef: template chain s/a -> s/t1 -> s/t2 -> s/t3 -> s/t4 -> s/t5 -> s/t6 -> "
       "s/t7 -> s/t8 -> s/t9 is longer than 8 templates; point templateRef at an environment "
       "nearer the end of the chain"},
  };
  for (const auto& c : cases) {
    Environments envs;
    for (const auto& e : c.others) envs.Add(e);
    auto r = ResolveTemplate(c.env, envs.Lookup());
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().message, c.message) << c.name;
  }
}

TEST(ResolveTemplate, EightTemplatesAreAllowed) {
  Environments envs;
  for (int i = 1; i <= 8; ++i) {
    json spec = {{"level", i}};
    if (i < 8) spec["templateRef"] = {{"name", "t" + std::to_string(i + 1)}};
    if (i == 8) spec["deepest"] = true;
    envs.Add(Environment("s", "t" + std::to_string(i), spec));
  }
  auto r = ResolveTemplate(Environment("s", "a", {{"templateRef", {{"name", "t1"}}}}),
                           envs.Lookup());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().chain.size(), 8u);
  EXPECT_EQ(r.value().spec["level"], 1);  // nearest template wins
  EXPECT_EQ(r.value().spec["deepest"], true);
}

}  // namespace
}  // namespace jd::env
