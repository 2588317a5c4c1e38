#include "reconcilers/environment/template.h"
#include "reconcilers/common/strings.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace jd::env {

namespace {

constexpr std::array<std::string_view, 4> kNotInherited = {"tier", "templateRef", "openToUsers",
                                                           "domains"};

std::string StringField(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

// A copy of obj[key], null when absent or when obj is not an object.
nlohmann::json Member(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nlohmann::json() : *it;
}


// What a template passes on: its effective spec without the fields that are never inherited.
nlohmann::json Inheritable(nlohmann::json spec) {
  if (!spec.is_object()) return nlohmann::json::object();
  for (std::string_view key : kNotInherited) spec.erase(std::string(key));
  return spec;
}

}  // namespace

std::string ResolvedTemplate::Description() const { return rec::Join(chain, " -> "); }

nlohmann::json MergeOver(const nlohmann::json& own, const nlohmann::json& inherited) {
  if (own.is_null()) return inherited;
  if (!own.is_object() || !inherited.is_object()) return own;
  nlohmann::json out = inherited;
  for (auto it = own.begin(); it != own.end(); ++it) {
    if (it->is_null()) continue;
    auto base = out.find(it.key());
    out[it.key()] = base == out.end() ? *it : MergeOver(*it, *base);
  }
  return out;
}

StatusOr<ResolvedTemplate> ResolveTemplate(const nlohmann::json& environment,
                                           const EnvironmentLookup& lookup) {
  const nlohmann::json metadata = Member(environment, "metadata");
  const std::string self = StringField(metadata, "namespace") + "/" + StringField(metadata, "name");

  // Collect the specs of the chain, nearest first.
  std::vector<std::string> visited = {self};  // for loop detection and messages
  std::vector<nlohmann::json> specs = {Member(environment, "spec")};
  std::string current_ns = StringField(metadata, "namespace");
  while (true) {
    const nlohmann::json ref = Member(specs.back(), "templateRef");
    if (ref.is_null()) break;
    const std::string& referrer = visited.back();
    const std::string via = visited.size() == 1 ? "" : " (templateRef of " + referrer + ")";
    const std::string name = StringField(ref, "name");
    if (name.empty()) {
      return Error{"spec.templateRef.name: required" + via +
                   "; name the JustDrivingEnvironment to start from, or remove templateRef"};
    }
    std::string ns = StringField(ref, "namespace");
    if (ns.empty()) ns = current_ns;
    const std::string key = ns + "/" + name;
    if (std::find(visited.begin(), visited.end(), key) != visited.end()) {
      visited.push_back(key);
      return Error{"spec.templateRef: template loop " + rec::Join(visited, " -> ") +
                   "; remove the templateRef of one of them"};
    }
    if (static_cast<int>(visited.size()) > kMaxTemplateDepth) {
      return Error{"spec.templateRef: template chain " + rec::Join(visited, " -> ") + " -> " + key +
                   " is longer than " + std::to_string(kMaxTemplateDepth) +
                   " templates; point templateRef at an environment nearer the end of the chain"};
    }
    std::optional<nlohmann::json> tmpl = lookup(ns, name);
    if (!tmpl.has_value()) {
      return Error{"spec.templateRef: environment " + key + " not found" + via +
                   "; create it or change the templateRef"};
    }
    visited.push_back(key);
    specs.push_back(Member(*tmpl, "spec"));
    current_ns = ns;
  }

  // Fold from the farthest template back to the environment itself.
  nlohmann::json effective = specs.back();
  for (std::size_t i = specs.size() - 1; i-- > 0;) {
    effective = MergeOver(specs[i], Inheritable(effective));
  }
  if (!effective.is_object()) effective = nlohmann::json::object();
  return ResolvedTemplate{std::move(effective), {visited.begin() + 1, visited.end()}};
}

}  // namespace jd::env
