#include "reconcilers/environment/secret_isolation.h"
#include "reconcilers/common/strings.h"

#include <array>
#include <set>
#include <unordered_map>

#include <openssl/evp.h>

namespace jd::env {
namespace {

constexpr size_t kMinSecretLength = 8;
constexpr size_t kMaxClashesInMessage = 5;

constexpr std::array<std::string_view, 15> kSettingKeyNames = {
    "HOST", "PORT", "DATABASE", "USERNAME", "USER", "DRIVER", "CONNECTION",
    "MAILER", "ENCRYPTION", "SCHEME", "REGION", "FROM_ADDRESS", "FROM_NAME", "PROVIDER", "SENDER"};

int TierRank(std::string_view tier) {
  if (tier == "local") return 0;
  if (tier == "staging") return 1;
  if (tier == "production") return 2;
  return -1;  // unknown tiers are the least trusted
}


}  // namespace

std::string Fingerprint(std::string_view value) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(value.data(), value.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    // Only fails when OpenSSL cannot allocate; an empty fingerprint never matches a real one.
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

bool IsComparableSecretValue(std::string_view key, std::string_view value) {
  if (value.size() < kMinSecretLength) return false;
  for (std::string_view name : kSettingKeyNames) {
    if (key == name) return false;
    if (key.size() > name.size() && key.substr(key.size() - name.size()) == name &&
        key[key.size() - name.size() - 1] == '_') {
      return false;
    }
  }
  return true;
}

std::vector<SecretFingerprint> FingerprintSecret(const EnvironmentId& env, std::string_view secret_name,
                                                 const std::map<std::string, std::string>& data) {
  std::vector<SecretFingerprint> out;
  for (const auto& [key, value] : data) {
    if (!IsComparableSecretValue(key, value)) continue;
    out.push_back({env.ns, env.name, env.tier, std::string(secret_name), key, Fingerprint(value)});
  }
  return out;
}

CheckResult CheckIsolation(const std::vector<SecretFingerprint>& mine, const std::vector<SecretFingerprint>& others) {
  std::set<std::pair<std::string, std::string>> self;
  for (const auto& m : mine) self.insert({m.ns, m.environment});

  std::unordered_map<std::string, std::vector<const SecretFingerprint*>> by_fingerprint;
  for (const auto& o : others) {
    if (o.fingerprint.empty() || self.count({o.ns, o.environment}) > 0) continue;
    by_fingerprint[o.fingerprint].push_back(&o);
  }

  std::set<std::string> clashes;       // sorted, deduplicated
  std::set<std::string> rotate_tiers;  // the lower tier of each clashing pair
  for (const auto& m : mine) {
    if (m.fingerprint.empty()) continue;
    auto it = by_fingerprint.find(m.fingerprint);
    if (it == by_fingerprint.end()) continue;
    for (const SecretFingerprint* o : it->second) {
      if (o->tier == m.tier) continue;  // same-tier sharing is allowed (see header)
      clashes.insert("Secret " + m.secret_name + " key " + m.key + " holds the same value as Secret " +
                     o->secret_name + " key " + o->key + " of environment " + o->ns + "/" + o->environment +
                     " (tier " + o->tier + ")");
      rotate_tiers.insert(TierRank(o->tier) < TierRank(m.tier) ? o->tier : m.tier);
    }
  }

  if (clashes.empty()) {
    return CheckResult::Pass("SecretsIsolated", "no secret value is shared with an environment of another tier");
  }
  std::vector<std::string> shown;
  for (const auto& c : clashes) {
    if (shown.size() == kMaxClashesInMessage) break;
    shown.push_back(c);
  }
  std::string message = rec::Join(shown, "; ");
  if (clashes.size() > shown.size()) message += "; and " + std::to_string(clashes.size() - shown.size()) + " more";
  std::vector<std::string> tiers(rotate_tiers.begin(), rotate_tiers.end());
  message += ": environments of different tiers must not share secrets; rotate the " + rec::Join(tiers, " and ") +
             (clashes.size() == 1 ? " value" : " values");
  return CheckResult::Fail("SharedSecretValue", message);
}

}  // namespace jd::env
