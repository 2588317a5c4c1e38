// Table tests for reconcilers/environment/secret_isolation: fingerprints, which values count, and
// CheckIsolation across tiers. Messages must never carry a value or a fingerprint.
#include "reconcilers/environment/secret_isolation.h"

#include <map>

#include <gtest/gtest.h>

namespace jd::env {
namespace {

using Data = std::map<std::string, std::string>;

TEST(SecretIsolationTest, FingerprintIsSha256Hex) {
  // FIPS 180-2 test vectors.
  EXPECT_EQ(Fingerprint(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Fingerprint("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Fingerprint(std::string("a\0b", 3)).size(), 64u);
  EXPECT_NE(Fingerprint(std::string("a\0b", 3)), Fingerprint("a"));  // binary-safe
}

TEST(SecretIsolationTest, IsComparableSecretValue) {
  struct Case {
    std::string key;
    std::string value;
    bool comparable;
  };
  const std::vector<Case> cases = {
      {"DB_PASSWORD", "s3cret-passw0rd", true},
      {"DB_PASSWORD", "1234567", false},  // 7 bytes: too short to be a secret
      {"DB_PASSWORD", "12345678", true},  // 8 bytes
      {"FEATURE_FLAG", "true", false},
      {"DB_PORT", "5432", false},
      {"DB_HOST", "postgres.shared.svc.cluster.local", false},
      {"SMS_PROVIDER", "messagebird", false},  // which provider: a setting, not a credential
      {"SMS_SENDER", "JustDrive", false},
      {"SMS_API_KEY", "messagebird-live-key", true},
      {"HOST", "postgres.shared.svc.cluster.local", false},
      {"MAIL_HOST", "smtp.postmarkapp.com", false},
      {"MAIL_FROM_ADDRESS", "noreply@school.example", false},
      {"MAIL_FROM_NAME", "Rijschool Amsterdam", false},
      {"DB_DATABASE", "justdriving", false},
      {"DB_USERNAME", "justdriving", false},
      {"DB_CONNECTION", "postgresql", false},
      {"MAIL_ENCRYPTION", "starttls-x", false},
      {"AWS_REGION", "eu-west-1a", false},
      {"GHOST", "longer-than-eight", true},          // ends in HOST but not _HOST
      {"HOST_PASSWORD", "longer-than-eight", true},  // only the suffix counts
      {"REDIS_URL", "redis://:pass@redis:6379", true},
      {"APP_KEY", "base64:abcdefghijklmnop", true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(IsComparableSecretValue(c.key, c.value), c.comparable) << c.key << "=" << c.value;
  }
}

TEST(SecretIsolationTest, FingerprintSecretKeepsComparableValuesInKeyOrder) {
  const EnvironmentId env{"school-a", "staging", "staging"};
  const auto entries = FingerprintSecret(
      env, "jd-db", Data{{"DB_PORT", "5432"}, {"DB_PASSWORD", "hunter2-hunter2"}, {"API_TOKEN", "tok_abcdefgh"}});
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0], (SecretFingerprint{"school-a", "staging", "staging", "jd-db", "API_TOKEN",
                                           Fingerprint("tok_abcdefgh")}));
  EXPECT_EQ(entries[1], (SecretFingerprint{"school-a", "staging", "staging", "jd-db", "DB_PASSWORD",
                                           Fingerprint("hunter2-hunter2")}));
}

struct EnvSecrets {
  EnvironmentId env;
  std::string secret;
  Data data;
};

std::vector<SecretFingerprint> Index(const std::vector<EnvSecrets>& list) {
  std::vector<SecretFingerprint> out;
  for (const auto& e : list) {
    auto entries = FingerprintSecret(e.env, e.secret, e.data);
    out.insert(out.end(), entries.begin(), entries.end());
  }
  return out;
}

TEST(SecretIsolationTest, CheckIsolationTable) {
  const EnvironmentId staging{"school-a", "staging", "staging"};
  const EnvironmentId production{"school-a", "production", "production"};
  const EnvironmentId production_b{"school-b", "production", "production"};
  const EnvironmentId local{"dev", "laptop", "local"};
  const std::string shared_password = "correct-horse-battery";
  const std::string advice = ": environments of different tiers must not share secrets; rotate the ";

  struct Case {
    std::string name;
    std::vector<EnvSecrets> mine;
    std::vector<EnvSecrets> others;
    bool ok;
    std::string reason;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"nothing shared", {{staging, "jd-db", {{"DB_PASSWORD", "staging-password"}}}},
       {{production, "jd-db", {{"DB_PASSWORD", "production-password"}}}}, true, "SecretsIsolated",
       "no secret value is shared with an environment of another tier"},
      {"no other environments", {{staging, "jd-db", {{"DB_PASSWORD", "staging-password"}}}}, {}, true,
       "SecretsIsolated", "no secret value is shared with an environment of another tier"},
      {"staging shares with production",
       {{staging, "jd-db", {{"DB_PASSWORD", shared_password}}}},
       {{production, "jd-db", {{"DB_PASSWORD", shared_password}}}},
       false,
       "SharedSecretValue",
       "Secret jd-db key DB_PASSWORD holds the same value as Secret jd-db key DB_PASSWORD of environment "
       "school-a/production (tier production)" +
           advice + "staging value"},
      {"production sees the same clash and the same advice",
       {{production, "jd-db", {{"DB_PASSWORD", shared_password}}}},
       {{staging, "jd-db", {{"DB_PASSWORD", shared_password}}}},
       false,
       "SharedSecretValue",
       "Secret jd-db key DB_PASSWORD holds the same value as Secret jd-db key DB_PASSWORD of environment "
       "school-a/staging (tier staging)" +
           advice + "staging value"},
      {"same value under other names",
       {{staging, "jd-mail", {{"MAIL_PASSWORD", shared_password}}}},
       {{production, "jd-redis", {{"REDIS_PASSWORD", shared_password}}}},
       false,
       "SharedSecretValue",
       "Secret jd-mail key MAIL_PASSWORD holds the same value as Secret jd-redis key REDIS_PASSWORD of environment "
       "school-a/production (tier production)" +
           advice + "staging value"},
      {"same tier may share (two schools' production)",
       {{production, "jd-sms", {{"SMS_TOKEN", shared_password}}}},
       {{production_b, "jd-sms", {{"SMS_TOKEN", shared_password}}}}, true, "SecretsIsolated",
       "no secret value is shared with an environment of another tier"},
      {"short values and settings are not compared",
       {{staging, "jd-db", {{"DB_PORT", "5432"}, {"DB_HOST", "postgres.shared.example"}, {"FLAG", "true"}}}},
       {{production, "jd-db", {{"DB_PORT", "5432"}, {"DB_HOST", "postgres.shared.example"}, {"FLAG", "true"}}}},
       true, "SecretsIsolated", "no secret value is shared with an environment of another tier"},
      {"own entries in the index are skipped",
       {{staging, "jd-db", {{"DB_PASSWORD", shared_password}}}},
       {{staging, "jd-db-old", {{"DB_PASSWORD", shared_password}}}}, true, "SecretsIsolated",
       "no secret value is shared with an environment of another tier"},
      {"same name in another namespace is another environment",
       {{staging, "jd-db", {{"DB_PASSWORD", shared_password}}}},
       {{EnvironmentId{"school-b", "staging", "production"}, "jd-db", {{"DB_PASSWORD", shared_password}}}},
       false,
       "SharedSecretValue",
       "Secret jd-db key DB_PASSWORD holds the same value as Secret jd-db key DB_PASSWORD of environment "
       "school-b/staging (tier production)" +
           advice + "staging value"},
      {"several clashes, sorted, lower tiers named once each",
       {{production, "jd-db", {{"DB_PASSWORD", shared_password}}},
        {production, "jd-payments", {{"STRIPE_SECRET", "sk_live_abcdefgh"}}}},
       {{local, "jd-payments", {{"STRIPE_SECRET", "sk_live_abcdefgh"}}},
        {staging, "jd-db", {{"DB_PASSWORD", shared_password}}},
        {production_b, "jd-db", {{"DB_PASSWORD", shared_password}}}},
       false,
       "SharedSecretValue",
       "Secret jd-db key DB_PASSWORD holds the same value as Secret jd-db key DB_PASSWORD of environment "
       "school-a/staging (tier staging); Secret jd-payments key STRIPE_SECRET holds the same value as Secret "
       "jd-payments key STRIPE_SECRET of environment dev/laptop (tier local)" +
           advice + "local and staging values"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto mine = Index(c.mine);
    const CheckResult r = CheckIsolation(mine, Index(c.others));
    EXPECT_EQ(r.ok, c.ok);
    EXPECT_EQ(r.reason, c.reason);
    EXPECT_EQ(r.message, c.message);
    for (const auto& group : {c.mine, c.others}) {
      for (const auto& e : group) {
        for (const auto& [key, value] : e.data) {
          if (value.size() < 8) continue;  // "true" may appear in prose; short values are not compared anyway
          EXPECT_EQ(r.message.find(value), std::string::npos) << "message leaks the value of " << key;
          EXPECT_EQ(r.message.find(Fingerprint(value)), std::string::npos) << "message leaks a fingerprint";
          EXPECT_EQ(r.message.find(Fingerprint(value).substr(0, 12)), std::string::npos)
              << "message leaks a fingerprint prefix";
        }
      }
    }
  }
}

TEST(SecretIsolationTest, ManyClashesAreCappedAtFive) {
  const EnvironmentId staging{"school-a", "staging", "staging"};
  const EnvironmentId production{"school-a", "production", "production"};
  Data data;
  for (char k = 'A'; k <= 'G'; ++k) data[std::string("KEY_") + k] = std::string("shared-value-") + k;
  const CheckResult r = CheckIsolation(FingerprintSecret(staging, "jd-x", data), FingerprintSecret(production, "jd-x", data));
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.message.find("Secret jd-x key KEY_E holds"), std::string::npos);
  EXPECT_EQ(r.message.find("Secret jd-x key KEY_F holds"), std::string::npos);
  EXPECT_NE(r.message.find("; and 2 more: environments of different tiers must not share secrets; rotate the "
                           "staging values"),
            std::string::npos)
      << r.message;
}

}  // namespace
}  // namespace jd::env
