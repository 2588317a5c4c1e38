// Secret isolation rule (condition SecretsIsolated): no two environments of DIFFERENT tiers may
// hold the same secret value, so a leaked staging or laptop credential never opens production.
//
// Values are compared by SHA-256 fingerprint (Fingerprint), so the index of other environments
// holds no values; neither values nor fingerprints ever appear in a message.
//
// Decisions (api.md says "different tiers"):
//   - Same-tier sharing is allowed. Environments of one tier are guarded alike, and production
//     environments of several schools or regions legitimately share an account (one mail relay, one
//     SMS provider, one payments platform account); forbidding it would force fake rotations
//     without making anything safer. What the rule protects is the boundary between tiers.
//   - Only values that can be secrets are compared (IsComparableSecretValue):
//       * values shorter than 8 bytes are ignored: flags ("true"), ports ("5432"), short names;
//       * keys that by name hold connection settings, not credentials, are ignored: a key equal to
//         or ending in "_" + one of HOST, PORT, DATABASE, USERNAME, USER, DRIVER, CONNECTION,
//         MAILER, ENCRYPTION, SCHEME, REGION, FROM_ADDRESS, FROM_NAME, PROVIDER, SENDER (the Laravel conventions:
//         DB_HOST, MAIL_FROM_ADDRESS...). Staging and production commonly point at the same SMTP
//         host or use the same database name; that is not a shared secret. Passwords, tokens,
//         keys and URLs (which may embed credentials) are always compared.
//   - The advice names the value to rotate in the lower tier (local < staging < production): the
//     less guarded copy is the one to replace, and both environments give the same advice.
//
// Usage:
//   std::vector<SecretFingerprint> mine = FingerprintSecret(
//       {"school-a", "staging", "staging"}, "jd-db", decoded_data);
//   std::vector<SecretFingerprint> others = /* FingerprintSecret of every other environment */;
//   CheckResult r = CheckIsolation(mine, others);
//   // r.reason == "SharedSecretValue", r.message == "Secret jd-db key DB_PASSWORD holds the same
//   //   value as Secret jd-db key DB_PASSWORD of environment school-a/production (tier production):
//   //   environments of different tiers must not share secrets; rotate the staging value"
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "reconcilers/environment/check_result.h"

namespace jd::env {

// Lower-case hex SHA-256 (OpenSSL EVP) of `value`'s bytes: 64 characters.
std::string Fingerprint(std::string_view value);

// Whether a Secret entry takes part in the comparison (see the decisions above).
bool IsComparableSecretValue(std::string_view key, std::string_view value);

// Which environment a Secret belongs to.
struct EnvironmentId {
  std::string ns;    // metadata.namespace
  std::string name;  // metadata.name
  std::string tier;  // spec.tier
};

// One comparable value of one Secret of one environment.
struct SecretFingerprint {
  std::string ns;
  std::string environment;
  std::string tier;
  std::string secret_name;
  std::string key;
  std::string fingerprint;  // Fingerprint(value); never printed

  friend bool operator==(const SecretFingerprint&, const SecretFingerprint&) = default;
};

// The fingerprints of the comparable values of one Secret (decoded data by key), in key order.
std::vector<SecretFingerprint> FingerprintSecret(const EnvironmentId& env, std::string_view secret_name,
                                                 const std::map<std::string, std::string>& data);

// mine: the entries of this environment (all Secrets it references); others: the index of the
// other environments (entries of this environment, recognised by namespace and name, are skipped).
// Fails with "SharedSecretValue" when an environment of another tier holds a value identical to
// one of mine, naming every clash (sorted; at most 5, then "and N more"); passes with
// "SecretsIsolated".
CheckResult CheckIsolation(const std::vector<SecretFingerprint>& mine, const std::vector<SecretFingerprint>& others);

}  // namespace jd::env
