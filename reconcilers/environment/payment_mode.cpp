#include "reconcilers/environment/payment_mode.h"

#include <array>
#include <vector>

namespace jd::env {
namespace {

constexpr std::array<std::string_view, 4> kLivePrefixes = {"sk_live_", "pk_live_", "rk_live_", "live_"};
constexpr std::array<std::string_view, 4> kTestPrefixes = {"sk_test_", "pk_test_", "rk_test_", "test_"};

bool StartsWithAny(std::string_view value, const std::array<std::string_view, 4>& prefixes) {
  for (std::string_view p : prefixes) {
    if (value.substr(0, p.size()) == p) return true;
  }
  return false;
}

std::string JoinKeys(const std::vector<std::string>& keys) {
  std::string out;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out += i + 1 == keys.size() ? " and " : ", ";
    out += keys[i];
  }
  return out;
}

}  // namespace

KeyKind ClassifyPaymentKey(std::string_view value) {
  const size_t start = value.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return KeyKind::kNone;
  value.remove_prefix(start);
  if (StartsWithAny(value, kLivePrefixes)) return KeyKind::kLive;
  if (StartsWithAny(value, kTestPrefixes)) return KeyKind::kTest;
  return KeyKind::kNone;
}

CheckResult CheckPaymentMode(std::string_view tier, std::string_view mode, std::string_view secret_name,
                             const std::map<std::string, std::string>& data) {
  const std::string tier_s(tier);
  const std::string mode_s(mode);
  std::string expected;
  if (tier == "production") {
    expected = "live";
  } else if (tier == "staging" || tier == "local") {
    expected = "test";
  } else {
    return CheckResult::Fail("UnknownTier", "spec.tier \"" + tier_s +
                                                "\" is not a tier: use local, staging or production");
  }
  if (mode.empty()) {
    return CheckResult::Fail("PaymentModeNotSet", "spec.integrations.payments.mode is not set: set it to " + expected +
                                                      " (tier " + tier_s + ")");
  }
  if (mode != "live" && mode != "test") {
    return CheckResult::Fail("PaymentModeMismatch", "spec.integrations.payments.mode \"" + mode_s +
                                                        "\" is not a mode: set it to " + expected + " (tier " +
                                                        tier_s + ")");
  }
  if (mode != expected) {
    const std::string why = expected == "live" ? "production takes real payments"
                                               : "only production may take real payments";
    return CheckResult::Fail("PaymentModeMismatch", "spec.integrations.payments.mode is " + mode_s + " but tier " +
                                                        tier_s + " requires " + expected + " (" + why +
                                                        "): set spec.integrations.payments.mode to " + expected);
  }

  const KeyKind wrong = mode == "live" ? KeyKind::kTest : KeyKind::kLive;
  std::vector<std::string> offending;  // std::map iterates in key order: sorted, deterministic
  for (const auto& [key, value] : data) {
    if (ClassifyPaymentKey(value) == wrong) offending.push_back(key);
  }
  const std::string secret(secret_name);
  if (!offending.empty()) {
    const std::string keys = (offending.size() == 1 ? "key " : "keys ") + JoinKeys(offending);
    const std::string holds = offending.size() == 1 ? " holds a " : " hold ";
    if (wrong == KeyKind::kLive) {
      return CheckResult::Fail(
          "LiveKeyInTestMode",
          "Secret " + secret + " " + keys + holds + (offending.size() == 1 ? "live key" : "live keys") +
              " but spec.integrations.payments.mode is test (tier " + tier_s +
              "): put test keys (sk_test_, pk_test_, rk_test_, test_) in the Secret");
    }
    return CheckResult::Fail("TestKeyInLiveMode",
                             "Secret " + secret + " " + keys + holds + (offending.size() == 1 ? "test key" : "test keys") +
                                 " but spec.integrations.payments.mode is live (tier " + tier_s +
                                 "): put live keys (sk_live_, pk_live_, rk_live_, live_) in the Secret");
  }
  return CheckResult::Pass("PaymentModeValid", "spec.integrations.payments.mode is " + mode_s + " (tier " + tier_s +
                                                   ") and the keys in Secret " + secret + " agree");
}

}  // namespace jd::env
