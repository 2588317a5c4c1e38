// Config rule (condition ConfigValid): everything the environment's pods will be given exists,
// and every integration the environment says it needs is configured.
//
// CheckConfig looks at the (template-resolved) spec and the names of the ConfigMaps and Secrets
// that exist in the environment's namespace, and reports ALL problems in one message (each names
// the field and the fix; sorted, joined with "; ", so the message is deterministic and does not
// flap between reconciles), with the reason of the first:
//   MissingConfigMap            spec.config.configMapName names no ConfigMap.
//   MissingSecret               an integration's secretName (database, cache, mail, sms, payments,
//                               external[]) names no Secret; or the secretName is empty.
//   RequiredIntegrationMissing  an entry of spec.requiredIntegrations (database | cache | mail |
//                               sms | payments | external:<name>) has no integration configured.
//                               (A required integration whose Secret is missing is reported once,
//                               as MissingSecret, marked "required".)
//   InvalidIntegration          an unknown requiredIntegrations entry, or two external
//                               integrations with the same name.
// An unset spec.config or spec.integrations is not itself a problem (the CRD schema decides what
// is required). Passes with "ConfigValid". TLS Secrets and the CA bundle are tls_check's business.
//
// Usage:
//   ExistingObjects existing{.config_maps = {"justdriving-config"}, .secrets = {"jd-db"}};
//   CheckResult r = CheckConfig(env["spec"], existing);
//   // spec {requiredIntegrations: [sms], integrations: {database: {secretName: jd-db}}} =>
//   //   reason "RequiredIntegrationMissing", message "spec.requiredIntegrations lists \"sms\" but
//   //   spec.integrations.sms is not set: add spec.integrations.sms.secretName"
#pragma once

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "reconcilers/environment/check_result.h"

namespace jd::env {

// Names of the objects that exist in the environment's namespace (from the informer caches).
struct ExistingObjects {
  std::set<std::string> config_maps;
  std::set<std::string> secrets;
};

CheckResult CheckConfig(const nlohmann::json& spec, const ExistingObjects& existing);

}  // namespace jd::env
