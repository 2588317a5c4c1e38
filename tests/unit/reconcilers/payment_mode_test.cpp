// Table tests for reconcilers/environment/payment_mode: tier <-> mode, and key prefixes <-> mode.
#include "reconcilers/environment/payment_mode.h"

#include <map>

#include <gtest/gtest.h>

namespace jd::env {
namespace {

using Data = std::map<std::string, std::string>;

TEST(PaymentModeTest, ClassifyPaymentKey) {
  struct Case {
    std::string value;
    KeyKind kind;
  };
  const std::vector<Case> cases = {
      {"sk_live_51H8abcdef", KeyKind::kLive}, {"pk_live_abc", KeyKind::kLive},
      {"rk_live_abc", KeyKind::kLive},        {"live_Hq8abcdefghij", KeyKind::kLive},
      {"  sk_live_abc", KeyKind::kLive},      {"\nlive_abc", KeyKind::kLive},
      {"sk_test_51H8abcdef", KeyKind::kTest}, {"pk_test_abc", KeyKind::kTest},
      {"rk_test_abc", KeyKind::kTest},        {"test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM", KeyKind::kTest},
      {"whsec_abc", KeyKind::kNone},          {"acct_1234", KeyKind::kNone},
      {"https://api.mollie.com", KeyKind::kNone}, {"", KeyKind::kNone},
      {"   ", KeyKind::kNone},                {"SK_LIVE_abc", KeyKind::kNone},  // prefixes are case-sensitive
      {"xsk_live_abc", KeyKind::kNone},       {"sk_live", KeyKind::kNone},      // prefix needs the underscore
      {"livestock", KeyKind::kNone},          {"testing123", KeyKind::kNone},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ClassifyPaymentKey(c.value), c.kind) << "value: " << c.value;
  }
}

TEST(PaymentModeTest, Table) {
  struct Case {
    std::string name;
    std::string tier;
    std::string mode;
    Data data;
    bool ok;
    std::string reason;
    std::string message;  // exact
  };
  const std::vector<Case> cases = {
      {"production live with live keys", "production", "live",
       {{"STRIPE_KEY", "pk_live_abc"}, {"STRIPE_SECRET", "sk_live_def"}, {"STRIPE_WEBHOOK_SECRET", "whsec_x"}},
       true, "PaymentModeValid",
       "spec.integrations.payments.mode is live (tier production) and the keys in Secret jd-payments agree"},
      {"staging test with test keys", "staging", "test",
       {{"MOLLIE_KEY", "test_abcdefgh"}, {"STRIPE_SECRET", "sk_test_def"}}, true, "PaymentModeValid",
       "spec.integrations.payments.mode is test (tier staging) and the keys in Secret jd-payments agree"},
      {"local test, empty secret", "local", "test", {}, true, "PaymentModeValid",
       "spec.integrations.payments.mode is test (tier local) and the keys in Secret jd-payments agree"},
      {"values with neither prefix are ignored", "production", "live",
       {{"MERCHANT_ID", "acct_123"}, {"PROFILE", "pfl_abc"}}, true, "PaymentModeValid",
       "spec.integrations.payments.mode is live (tier production) and the keys in Secret jd-payments agree"},
      {"production in test mode", "production", "test", {{"STRIPE_SECRET", "sk_test_def"}}, false,
       "PaymentModeMismatch",
       "spec.integrations.payments.mode is test but tier production requires live (production takes real "
       "payments): set spec.integrations.payments.mode to live"},
      {"staging in live mode", "staging", "live", {{"STRIPE_SECRET", "sk_live_def"}}, false, "PaymentModeMismatch",
       "spec.integrations.payments.mode is live but tier staging requires test (only production may take real "
       "payments): set spec.integrations.payments.mode to test"},
      {"local in live mode", "local", "live", {}, false, "PaymentModeMismatch",
       "spec.integrations.payments.mode is live but tier local requires test (only production may take real "
       "payments): set spec.integrations.payments.mode to test"},
      {"mode unset", "production", "", {}, false, "PaymentModeNotSet",
       "spec.integrations.payments.mode is not set: set it to live (tier production)"},
      {"mode misspelled", "staging", "sandbox", {}, false, "PaymentModeMismatch",
       "spec.integrations.payments.mode \"sandbox\" is not a mode: set it to test (tier staging)"},
      {"unknown tier", "prod", "live", {}, false, "UnknownTier",
       "spec.tier \"prod\" is not a tier: use local, staging or production"},
      {"live key in test mode", "staging", "test",
       {{"STRIPE_KEY", "pk_test_abc"}, {"STRIPE_SECRET", "sk_live_51Habcdef"}}, false, "LiveKeyInTestMode",
       "Secret jd-payments key STRIPE_SECRET holds a live key but spec.integrations.payments.mode is test (tier "
       "staging): put test keys (sk_test_, pk_test_, rk_test_, test_) in the Secret"},
      {"several live keys in test mode, sorted", "local", "test",
       {{"Z_KEY", "live_zzz"}, {"A_KEY", "rk_live_aaa"}, {"M_KEY", "pk_live_mmm"}, {"OK_KEY", "test_ok"}}, false,
       "LiveKeyInTestMode",
       "Secret jd-payments keys A_KEY, M_KEY and Z_KEY hold live keys but spec.integrations.payments.mode is test "
       "(tier local): put test keys (sk_test_, pk_test_, rk_test_, test_) in the Secret"},
      {"test key in live mode", "production", "live",
       {{"MOLLIE_KEY", "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"}, {"STRIPE_SECRET", "sk_live_abc"}}, false,
       "TestKeyInLiveMode",
       "Secret jd-payments key MOLLIE_KEY holds a test key but spec.integrations.payments.mode is live (tier "
       "production): put live keys (sk_live_, pk_live_, rk_live_, live_) in the Secret"},
      {"two test keys in live mode", "production", "live",
       {{"STRIPE_KEY", "pk_test_abc"}, {"STRIPE_SECRET", "sk_test_abc"}}, false, "TestKeyInLiveMode",
       "Secret jd-payments keys STRIPE_KEY and STRIPE_SECRET hold test keys but spec.integrations.payments.mode is "
       "live (tier production): put live keys (sk_live_, pk_live_, rk_live_, live_) in the Secret"},
      {"tier mismatch wins over key mismatch", "staging", "live", {{"STRIPE_SECRET", "sk_test_abc"}}, false,
       "PaymentModeMismatch",
       "spec.integrations.payments.mode is live but tier staging requires test (only production may take real "
       "payments): set spec.integrations.payments.mode to test"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const CheckResult r = CheckPaymentMode(c.tier, c.mode, "jd-payments", c.data);
    EXPECT_EQ(r.ok, c.ok);
    EXPECT_EQ(r.reason, c.reason);
    EXPECT_EQ(r.message, c.message);
    for (const auto& [key, value] : c.data) {
      EXPECT_EQ(r.message.find(value), std::string::npos) << "message leaks the value of " << key;
    }
  }
}

}  // namespace
}  // namespace jd::env
