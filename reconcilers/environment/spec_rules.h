// Spec rules: what the CRD schema and its CEL rules promise about a JustDrivingEnvironment spec,
// checked again in code, because the object may not have passed them (kube-sim and clusters
// without CEL evaluate no CEL; a template-merged spec was never validated as a whole; an old
// object may predate a schema change). A spec that breaks them makes ConfigValid False and the
// phase Invalid; the operator never crashes on it.
//
//   CheckSpecShape  the types of the fields the reconciler reads (an object where an object is
//                   expected, a string, an integer, a list of strings, ...) and the fields the
//                   schema marks required inside a section that is present. The first violation
//                   wins (reason "MalformedSpec"); the message names the field by its path
//                   (`spec.integrations.payments.mode`) and the type expected. Unknown fields are
//                   ignored (the API server prunes them).
//   CheckSpecRules  the value rules of docs/api.md "CEL rules" plus the enums and ranges the
//                   reconciler relies on, on the EFFECTIVE (template-merged) spec: tier enum,
//                   payments mode matches the tier, production needs payments and
//                   migrations.backup, restoreBackup needs backup.restoreCommand, names unique in
//                   domains / external integrations / workers / queues / health checks / smoke
//                   tests, healthChecks.timeoutSeconds <= intervalSeconds, deploy windows not
//                   empty, minTLSDays 0..365, app.image set. Every violation in one message
//                   (in rule order, joined with "; "), the reason of the first.
//   CheckTemplateSelfRef  the root CEL rule: templateRef names this environment itself.
//
// Usage:
//   CheckResult shape = CheckSpecShape(env["spec"]);
//   if (!shape.ok) { /* ConfigValid False, shape.message */ }
//   CheckResult rules = CheckSpecRules(effective_spec);
//   // {tier: production, integrations: {payments: {mode: test, ...}}} => reason
//   //   "PaymentModeMismatch", message "spec.integrations.payments.mode must be live when
//   //   spec.tier is production and test on every other tier"
#pragma once

#include <nlohmann/json.hpp>

#include "reconcilers/environment/check_result.h"

namespace jd::env {

// `spec` is the environment's own spec (or a merged one). Passes with "SpecWellFormed".
CheckResult CheckSpecShape(const nlohmann::json& spec);

// `spec` is the effective spec. Passes with "SpecRulesHold".
CheckResult CheckSpecRules(const nlohmann::json& spec);

// `environment` is the whole object. Its name prefixes every owned object ("<name>-websockets" is
// the longest Service name), which must stay a DNS-1035 label: at most 52 characters, a lower-case
// letter first. Passes with "NameValid"; fails with "NameTooLong" / "NameNotDNS1035".
CheckResult CheckEnvironmentName(const nlohmann::json& environment);

// `environment` is the whole object. Passes with "TemplateRefValid" (also without templateRef).
CheckResult CheckTemplateSelfRef(const nlohmann::json& environment);

}  // namespace jd::env
