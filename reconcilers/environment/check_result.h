// CheckResult: the outcome of one pure validation rule of the JustDrivingEnvironment reconciler.
//
// Every rule in reconcilers/environment/ (locale_rules, payment_mode, secret_isolation, tls_check,
// config_rules) returns one of these; the reconciler turns it into a condition
// (status = ok ? "True" : "False", reason, message) and, when it fails, a Warning Event.
//
//   ok       true when the rule holds.
//   reason   CamelCase, stable, machine-readable (e.g. "UnknownTimezone", "LiveKeyInTestMode").
//            Also set when ok (e.g. "LocaleValid"), because a condition always has a reason.
//   message  for a person: names the field (e.g. `spec.locale.timezone`) and says how to fix it.
//            Never contains a secret value or a fingerprint of one.
//
// Where a rule can find several problems at once it reports them all in one message, sorted and
// joined with "; ", and takes the reason of the first (config_rules, locale_rules); where one
// problem makes the others meaningless the first violation wins (tls_check), as in cert-manager's
// policy chains.
//
// Usage:
//   jd::env::CheckResult r = jd::env::CheckCurrency("EURO", iso);
//   if (!r.ok) conditions.Set("ConfigValid", "False", r.reason, r.message);
#pragma once

#include <string>
#include <utility>

namespace jd::env {

struct CheckResult {
  bool ok = true;
  std::string reason;
  std::string message;

  static CheckResult Pass(std::string reason, std::string message = {}) {
    return CheckResult{true, std::move(reason), std::move(message)};
  }
  static CheckResult Fail(std::string reason, std::string message) {
    return CheckResult{false, std::move(reason), std::move(message)};
  }

  friend bool operator==(const CheckResult&, const CheckResult&) = default;
};

}  // namespace jd::env
