// Step 1 of the environment reconcile: the effective spec.
//
// ResolveEffectiveSpec is the pure core, in cert-manager's ordered-chain style (first failure
// wins): the environment's own spec is well formed (spec_rules.h CheckSpecShape) -> templateRef
// does not name the environment itself -> the template chain resolves (template.h: loops, missing
// templates, depth) -> the merged spec is well formed. A failure is ConfigValid=False and the
// environment Invalid; nothing after this step runs on a spec it could not read.
//
// TemplateReleaseImage finds, for a new school or region started from a template, the image its
// smoke tests can run before it has a release of its own: the status.currentRelease.image of the
// nearest template in the chain that has one.
//
// Usage:
//   EnvironmentLookup lookup = LookupIn(caches.environments);
//   EffectiveSpec eff = ResolveEffectiveSpec(environment, lookup);
//   if (!eff.check.ok) { /* ConfigValid False: eff.check.reason, eff.check.message */ }
//   status["resolvedTemplate"] = eff.resolved_template;
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/store.h"
#include "reconcilers/environment/check_result.h"
#include "reconcilers/environment/template.h"

namespace jd::env {

struct EffectiveSpec {
  CheckResult check;               // ok, or why there is no effective spec
  nlohmann::json spec;             // the merged spec (null when !check.ok)
  std::string resolved_template;   // "ns/a -> ns/b", "" without template
  std::vector<std::string> chain;  // as ResolvedTemplate::chain
};

EffectiveSpec ResolveEffectiveSpec(const nlohmann::json& environment, const EnvironmentLookup& lookup);

// "" when no template in `chain` ("ns/name" entries) has a status.currentRelease.image.
std::string TemplateReleaseImage(const std::vector<std::string>& chain, const EnvironmentLookup& lookup);

// A lookup over the environment cache.
EnvironmentLookup LookupIn(const kube::StoreView& environments);

}  // namespace jd::env
