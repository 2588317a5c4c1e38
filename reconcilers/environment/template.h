// Template resolution: the effective spec of a JustDrivingEnvironment that names a templateRef.
//
// `spec.templateRef: {name, namespace?}` points at another JustDrivingEnvironment (same namespace
// unless `namespace` is given; a template's own templateRef is relative to the template's
// namespace). Unset fields of the environment's spec are taken from the template's effective spec,
// which may itself come from a template, and so on:
//   - objects are deep-merged, the environment's own fields win at every level;
//   - arrays and scalars are taken as a whole (an environment's `smokeTests` replaces the
//     template's list; lists are never concatenated);
//   - a field set to null counts as unset;
//   - never inherited (top-level): `tier` (each environment states what it is), `templateRef`
//     (the chain is followed, not copied), `openToUsers` (opening traffic is a decision per
//     environment, never a copied default) and `domains` (a new school serves its own hosts and
//     certificates; copying them would make two environments claim the same host).
// Everything else is inherited, including integrations' secret names (they name Secrets in the
// environment's own namespace; the SecretsIsolated rule catches two tiers sharing a value).
//
// Failures are values: a loop (`spec.templateRef: template loop a/x -> a/y -> a/x; ...`), a
// missing template, a templateRef without a name, or a chain deeper than kMaxTemplateDepth.
//
// Usage:
//   auto lookup = [&](const std::string& ns, const std::string& name)
//       -> std::optional<nlohmann::json> { return store.Get(kEnvironments, ns, name); };
//   auto resolved = jd::env::ResolveTemplate(environment, lookup);
//   if (!resolved.ok()) { /* ConfigValid=False, message resolved.error().message */ }
//   status["resolvedTemplate"] = resolved.value().Description();   // "ns/staging -> ns/base"
//   Validate(resolved.value().spec);
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status_or.h"

namespace jd::env {

// Longest chain of templates followed (environment -> t1 -> ... -> t8).
inline constexpr int kMaxTemplateDepth = 8;

// Reads a JustDrivingEnvironment (the whole object) by namespace and name; nullopt if absent.
using EnvironmentLookup =
    std::function<std::optional<nlohmann::json>(const std::string& ns, const std::string& name)>;

struct ResolvedTemplate {
  nlohmann::json spec;             // the effective spec (the environment's own when no templateRef)
  std::vector<std::string> chain;  // templates used, nearest first, as "ns/name"; empty if none

  // For status.resolvedTemplate: the chain joined with " -> " ("" when no template was used).
  std::string Description() const;
};

// Resolves `environment` (a whole object: metadata.namespace, metadata.name, spec) against its
// templates, read through `lookup`. See the rules above.
StatusOr<ResolvedTemplate> ResolveTemplate(const nlohmann::json& environment,
                                           const EnvironmentLookup& lookup);

// The deep merge used above: `own` over `inherited` (objects merged recursively, own wins, null in
// `own` is unset, arrays and scalars whole). Exposed for tests and for defaulting.
nlohmann::json MergeOver(const nlohmann::json& own, const nlohmann::json& inherited);

}  // namespace jd::env
