// Payment mode rule (condition PaymentModeValid): real money only in production, and the keys in
// the payments Secret must be of the kind the mode says.
//
//   1. spec.integrations.payments.mode must be "live" when spec.tier is production and "test" for
//      every other tier (local, staging).
//   2. Every value of the payments Secret that looks like a provider key must agree with the mode:
//        live keys start with sk_live_, pk_live_, rk_live_ (Stripe) or live_ (Mollie and others);
//        test keys start with sk_test_, pk_test_, rk_test_ or test_.
//      Leading whitespace is skipped before the prefix is compared. Values with neither prefix
//      (webhook secrets such as whsec_..., account ids, URLs) are ignored.
//   A live key in test mode fails with "LiveKeyInTestMode", a test key in live mode with
//   "TestKeyInLiveMode"; the message names the Secret and every offending KEY (sorted), never a
//   value. Rule 1 is checked first and wins.
//
// Usage:
//   std::map<std::string, std::string> data = DecodedSecretData(secret);   // base64-decoded
//   jd::env::CheckResult r = jd::env::CheckPaymentMode("staging", "test", "jd-payments", data);
//   // data {"STRIPE_SECRET": "sk_live_..."} =>
//   //   ok=false, reason "LiveKeyInTestMode", message "Secret jd-payments key STRIPE_SECRET holds a
//   //   live key but spec.integrations.payments.mode is test (tier staging): put test keys
//   //   (sk_test_, pk_test_, rk_test_, test_) in the Secret"
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "reconcilers/environment/check_result.h"

namespace jd::env {

enum class KeyKind { kNone, kLive, kTest };

// The kind of a key by its prefix (see above); kNone when it has neither prefix.
KeyKind ClassifyPaymentKey(std::string_view value);

// tier: spec.tier (local | staging | production); mode: spec.integrations.payments.mode (live |
// test; "" when unset); secret_name: spec.integrations.payments.secretName; data: the Secret's
// decoded values by key. Reasons: "UnknownTier", "PaymentModeNotSet", "PaymentModeMismatch",
// "LiveKeyInTestMode", "TestKeyInLiveMode"; passes with "PaymentModeValid".
CheckResult CheckPaymentMode(std::string_view tier, std::string_view mode, std::string_view secret_name,
                             const std::map<std::string, std::string>& data);

}  // namespace jd::env
