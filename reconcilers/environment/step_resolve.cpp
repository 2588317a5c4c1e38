#include "reconcilers/environment/step_resolve.h"

#include "reconcilers/environment/json_access.h"
#include "reconcilers/environment/spec_rules.h"

namespace jd::env {

namespace {

// The reason of a template failure, from ResolveTemplate's message (which names the field).
std::string TemplateReason(const std::string& message) {
  if (message.find("template loop") != std::string::npos) return "TemplateLoop";
  if (message.find("not found") != std::string::npos) return "TemplateNotFound";
  if (message.find("template chain") != std::string::npos) return "TemplateChainTooDeep";
  return "InvalidTemplateRef";
}

EffectiveSpec Failed(CheckResult r) { return EffectiveSpec{std::move(r), nullptr, "", {}}; }

}  // namespace

EffectiveSpec ResolveEffectiveSpec(const nlohmann::json& environment, const EnvironmentLookup& lookup) {
  const nlohmann::json& spec = Field(environment, {"spec"});
  if (CheckResult own = CheckSpecShape(spec); !own.ok) return Failed(own);
  if (CheckResult name = CheckEnvironmentName(environment); !name.ok) return Failed(name);
  if (CheckResult self = CheckTemplateSelfRef(environment); !self.ok) return Failed(self);
  auto resolved = ResolveTemplate(environment, lookup);
  if (!resolved.ok()) {
    return Failed(CheckResult::Fail(TemplateReason(resolved.error().message), resolved.error().message));
  }
  if (CheckResult merged = CheckSpecShape(resolved.value().spec); !merged.ok) {
    merged.message = "after merging the template chain " + resolved.value().Description() + ": " + merged.message;
    return Failed(merged);
  }
  return EffectiveSpec{CheckResult::Pass("TemplateResolved"), resolved.value().spec,
                       resolved.value().Description(), resolved.value().chain};
}

std::string TemplateReleaseImage(const std::vector<std::string>& chain, const EnvironmentLookup& lookup) {
  for (const std::string& key : chain) {
    const auto slash = key.find('/');
    if (slash == std::string::npos) continue;
    auto tmpl = lookup(key.substr(0, slash), key.substr(slash + 1));
    if (!tmpl) continue;
    std::string image = String(Field(*tmpl, {"status", "currentRelease", "image"}));
    if (!image.empty()) return image;
  }
  return "";
}

EnvironmentLookup LookupIn(const kube::StoreView& environments) {
  return [environments](const std::string& ns, const std::string& name) -> std::optional<nlohmann::json> {
    kube::ObjectPtr obj = environments.Get(ns, name);
    if (!obj) return std::nullopt;
    return *obj;
  };
}

}  // namespace jd::env
