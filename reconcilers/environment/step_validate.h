// Step 2 of the environment reconcile: the four validation conditions, from pure checks.
//
//   ConfigValid       spec rules (spec_rules.h, the CEL rules on the merged spec), the ConfigMap
//                     and Secrets exist with every required integration (config_rules.h), the
//                     locale (locale_rules.h). Every problem in one message, joined with "; ",
//                     the reason of the first.
//   SecretsIsolated   secret_isolation.h over the Secrets named by spec.integrations and
//                     spec.notifications.webhooks of this environment against those of EVERY other
//                     environment of the cluster (TLS Secrets are left out: one wildcard
//                     certificate legitimately serves several tiers).
//   PaymentModeValid  payment_mode.h on spec.integrations.payments and its Secret.
//   TLSValid          per domain, in order, first failure wins: the Secret exists and is of type
//                     kubernetes.io/tls, CheckCertificate against the CA bundle; then, when the
//                     environment is open to users, CheckServedCertificate with what the endpoint
//                     served.
//
// Validate is the pure core: everything it needs (decoded Secret data, the other environments'
// fingerprints, the CA bundle, what the endpoints served, the time) is gathered by the shell,
// GatherValidationInput, from the informer caches, the CA bundle file and the TlsProber.
// Validate also says when the TLS result will change on its own: the earliest moment a
// certificate crosses spec.minTLSDays (so the reconciler requeues then).
//
// Usage:
//   ValidationInput in = GatherValidationInput(env, effective.spec, sources, probe_served);
//   Validation v = Validate(in, iso);
//   SetCondition(conds, {"TLSValid", v.tls.ok ? "True" : "False", v.tls.reason, v.tls.message}, ...);
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/status_or.h"
#include "kube/store.h"
#include "reconcilers/environment/check_result.h"
#include "reconcilers/environment/config_rules.h"
#include "reconcilers/environment/locale_rules.h"
#include "reconcilers/environment/secret_isolation.h"
#include "reconcilers/environment/tls_prober.h"

namespace jd::env {

// One Secret as the checks see it: its type and its decoded values.
struct SecretContent {
  std::string type;                           // "Opaque", "kubernetes.io/tls", ...
  std::map<std::string, std::string> data;    // decoded data (and stringData, as given)
};

struct ValidationInput {
  EnvironmentId id;
  nlohmann::json spec;                                  // the effective spec
  ExistingObjects existing;                             // names in the environment's namespace
  std::map<std::string, SecretContent> secrets;         // Secrets of the namespace the spec names
  std::vector<SecretFingerprint> others;                // every other environment's fingerprints
  jd::StatusOr<std::string> ca_bundle = std::string();  // PEM, or why it could not be read
  jd::WallTime now;
  bool probe_served = false;                            // OpenToUsers: compare what is served
  std::map<std::string, jd::StatusOr<std::string>> served;  // host -> leaf SHA-256 served
};

struct Validation {
  CheckResult config, isolation, payment, tls;
  std::optional<jd::WallTime> tls_recheck_at;  // when a certificate crosses minTLSDays
};

Validation Validate(const ValidationInput& in, const IsoCodes& iso);

CheckResult CheckConfigValid(const nlohmann::json& spec, const ExistingObjects& existing, const IsoCodes& iso);
CheckResult CheckTlsValid(const ValidationInput& in);

// Names of the Secrets whose values take part in SecretsIsolated (integrations, webhooks).
std::set<std::string> IsolationSecretNames(const nlohmann::json& spec);
// Names of every Secret the spec references (the above plus TLS Secrets): a change to any of them
// re-validates the environment.
std::set<std::string> ReferencedSecretNames(const nlohmann::json& spec);
// Names of the ConfigMaps the spec references (config, tlsCABundle).
std::set<std::string> ReferencedConfigMapNames(const nlohmann::json& spec);

// The decoded content of a Secret object (base64 `data`; `stringData` as is). Undecodable values
// are left out.
SecretContent DecodeSecret(const nlohmann::json& secret);

// notAfter of the first certificate of `pem`; nullopt when none parses.
std::optional<jd::WallTime> CertificateNotAfter(const std::string& pem);

// ---- the I/O shell ----------------------------------------------------------------------------

struct ValidationSources {
  const kube::StoreView& environments;
  const kube::StoreView& secrets;
  const kube::StoreView& config_maps;
  std::string ca_bundle_path;     // the system bundle, used when spec.tlsCABundle is unset
  std::string app_https_address;  // "host:port" to probe instead of <domain>:443 ("" = the domain)
  TlsProber& prober;
  jd::WallTime now;
};

ValidationInput GatherValidationInput(const nlohmann::json& environment, const nlohmann::json& spec,
                                      const ValidationSources& sources, bool probe_served);

}  // namespace jd::env
