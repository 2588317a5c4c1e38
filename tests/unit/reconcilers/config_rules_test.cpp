// Table tests for reconcilers/environment/config_rules: referenced ConfigMap and Secrets exist,
// required integrations are configured; all problems in one sorted message.
#include "reconcilers/environment/config_rules.h"

#include <gtest/gtest.h>

namespace jd::env {
namespace {

nlohmann::json Spec(const char* text) { return nlohmann::json::parse(text); }

TEST(ConfigRulesTest, Table) {
  const ExistingObjects all{{"justdriving-config"}, {"jd-db", "jd-redis", "jd-mail", "jd-sms", "jd-payments", "jd-theory"}};
  const char* full = R"({
    "config": {"configMapName": "justdriving-config"},
    "integrations": {
      "database": {"secretName": "jd-db"}, "cache": {"secretName": "jd-redis"},
      "mail": {"secretName": "jd-mail"}, "sms": {"secretName": "jd-sms"},
      "payments": {"secretName": "jd-payments", "mode": "live"},
      "external": [{"name": "theory-platform", "secretName": "jd-theory"}]},
    "requiredIntegrations": ["database", "payments", "mail", "sms", "external:theory-platform"]})";
  const std::string pass = "the ConfigMap and every integration Secret exist; every required integration is configured";

  struct Case {
    std::string name;
    nlohmann::json spec;
    ExistingObjects existing;
    bool ok;
    std::string reason;
    std::string message;  // exact
  };
  const std::vector<Case> cases = {
      {"everything present", Spec(full), all, true, "ConfigValid", pass},
      {"empty spec", Spec("{}"), {}, true, "ConfigValid", pass},
      {"missing ConfigMap", Spec(R"({"config": {"configMapName": "justdriving-config"}})"), {}, false,
       "MissingConfigMap",
       "spec.config.configMapName: ConfigMap \"justdriving-config\" does not exist in the namespace: create it or "
       "fix the name"},
      {"ConfigMap name empty", Spec(R"({"config": {}})"), {}, false, "MissingConfigMap",
       "spec.config.configMapName is not set: name the ConfigMap that holds the environment's settings"},
      {"a Secret of the same name is not a ConfigMap",
       Spec(R"({"config": {"configMapName": "jd-db"}})"), ExistingObjects{{}, {"jd-db"}}, false, "MissingConfigMap",
       "spec.config.configMapName: ConfigMap \"jd-db\" does not exist in the namespace: create it or fix the name"},
      {"optional integration Secret missing", Spec(R"({"integrations": {"cache": {"secretName": "jd-redis"}}})"), {},
       false, "MissingSecret",
       "spec.integrations.cache.secretName: Secret \"jd-redis\" does not exist in the namespace: create it or fix "
       "the name"},
      {"required integration Secret missing",
       Spec(R"({"integrations": {"sms": {"secretName": "jd-sms"}}, "requiredIntegrations": ["sms"]})"), {}, false,
       "MissingSecret",
       "spec.integrations.sms.secretName: Secret \"jd-sms\" (required by spec.requiredIntegrations) does not exist "
       "in the namespace: create it or fix the name"},
      {"secretName empty", Spec(R"({"integrations": {"mail": {}}})"), {}, false, "MissingSecret",
       "spec.integrations.mail.secretName is not set: name the Secret that holds the mail settings"},
      {"required but not configured",
       Spec(R"({"integrations": {"database": {"secretName": "jd-db"}}, "requiredIntegrations": ["sms"]})"), all,
       false, "RequiredIntegrationMissing",
       "spec.requiredIntegrations lists \"sms\" but spec.integrations.sms is not set: add "
       "spec.integrations.sms.secretName"},
      {"required null integration", Spec(R"({"integrations": {"sms": null}, "requiredIntegrations": ["sms"]})"), all,
       false, "RequiredIntegrationMissing",
       "spec.requiredIntegrations lists \"sms\" but spec.integrations.sms is not set: add "
       "spec.integrations.sms.secretName"},
      {"required external missing",
       Spec(R"({"integrations": {"external": [{"name": "other", "secretName": "jd-theory"}]},
                "requiredIntegrations": ["external:theory-platform"]})"),
       all, false, "RequiredIntegrationMissing",
       "spec.requiredIntegrations lists \"external:theory-platform\" but spec.integrations.external has no entry "
       "named \"theory-platform\": add {name: theory-platform, secretName: <Secret>} to "
       "spec.integrations.external"},
      {"external Secret missing",
       Spec(R"({"integrations": {"external": [{"name": "theory-platform", "secretName": "jd-theory"}]},
                "requiredIntegrations": ["external:theory-platform"]})"),
       {}, false, "MissingSecret",
       "spec.integrations.external[0] (\"theory-platform\").secretName: Secret \"jd-theory\" (required by "
       "spec.requiredIntegrations) does not exist in the namespace: create it or fix the name"},
      {"unknown required entry", Spec(R"({"requiredIntegrations": ["ftp", "external:"]})"), {}, false,
       "InvalidIntegration",
       "spec.requiredIntegrations lists unknown integration \"external:\": use database, cache, mail, sms, payments "
       "or external:<name>; spec.requiredIntegrations lists unknown integration \"ftp\": use database, cache, mail, "
       "sms, payments or external:<name>"},
      {"duplicate and nameless external",
       Spec(R"({"integrations": {"external": [{"name": "a", "secretName": "s"}, {"name": "a", "secretName": "s"},
                                              {"secretName": "s"}]}})"),
       ExistingObjects{{}, {"s"}}, false, "InvalidIntegration",
       "spec.integrations.external[1].name \"a\" repeats spec.integrations.external[0].name: give each external "
       "integration its own name; spec.integrations.external[2].name is not set: name the integration "
       "(requiredIntegrations refers to it as external:<name>)"},
      {"all problems, sorted by message, reason of the first",
       Spec(R"({
         "config": {"configMapName": "justdriving-config"},
         "integrations": {"payments": {"secretName": "jd-payments", "mode": "live"},
                          "database": {"secretName": "jd-db"}},
         "requiredIntegrations": ["sms", "payments", "database", "sms"]})"),
       ExistingObjects{{}, {"jd-db"}}, false, "MissingConfigMap",
       "spec.config.configMapName: ConfigMap \"justdriving-config\" does not exist in the namespace: create it or "
       "fix the name; spec.integrations.payments.secretName: Secret \"jd-payments\" (required by "
       "spec.requiredIntegrations) does not exist in the namespace: create it or fix the name; "
       "spec.requiredIntegrations lists \"sms\" but spec.integrations.sms is not set: add "
       "spec.integrations.sms.secretName"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const CheckResult r = CheckConfig(c.spec, c.existing);
    EXPECT_EQ(r.ok, c.ok);
    EXPECT_EQ(r.reason, c.reason);
    EXPECT_EQ(r.message, c.message);
  }
}

TEST(ConfigRulesTest, MessageDoesNotDependOnListOrder) {
  const ExistingObjects none;
  const CheckResult a = CheckConfig(Spec(R"({"requiredIntegrations": ["sms", "mail", "cache"]})"), none);
  const CheckResult b = CheckConfig(Spec(R"({"requiredIntegrations": ["cache", "sms", "mail"]})"), none);
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a, b);
  EXPECT_LT(a.message.find("\"cache\""), a.message.find("\"mail\""));
  EXPECT_LT(a.message.find("\"mail\""), a.message.find("\"sms\""));
}

}  // namespace
}  // namespace jd::env
