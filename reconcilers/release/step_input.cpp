// StepInput (step.h): the derived fields and cache lookups every step uses.
#include "reconcilers/common/conditions.h"
#include "reconcilers/environment/json_access.h"
#include "reconcilers/release/step.h"
#include "reconcilers/release/workload_state.h"

namespace jd::release {

using env::Field;
using env::Int;
using env::String;
using nlohmann::json;

StepInput::StepInput(const json& release_obj, const json* environment_obj, const json& effective_spec,
                     std::string error, const ReleaseCaches& c, const ReleaseReconcilerOptions& opts, WallTime at)
    : release(release_obj),
      environment(environment_obj),
      spec(effective_spec),
      spec_error(std::move(error)),
      caches(c),
      options(opts),
      now(at) {
  ns = String(Field(release, {"metadata", "namespace"}));
  name = String(Field(release, {"metadata", "name"}));
  uid = String(Field(release, {"metadata", "uid"}));
  generation = Int(Field(release, {"metadata", "generation"}), 0);
  env_name = String(Field(release, {"spec", "environment"}));
  version = String(Field(release, {"spec", "version"}));
  image = String(Field(release, {"spec", "image"}));
}

kube::ObjectPtr StepInput::Job(const std::string& n) const { return caches.jobs.Get(ns, n); }
kube::ObjectPtr StepInput::Deployment(const std::string& n) const { return caches.deployments.Get(ns, n); }
kube::ObjectPtr StepInput::ConfigMap(const std::string& n) const { return caches.config_maps.Get(ns, n); }
kube::ObjectPtr StepInput::Secret(const std::string& n) const { return caches.secrets.Get(ns, n); }

std::vector<json> StepInput::Pods(const json& selector) const {
  std::vector<json> out;
  for (const kube::ObjectPtr& p : caches.pods.List(ns)) {
    if (LabelsMatch(Field(*p, {"metadata", "labels"}), selector)) out.push_back(*p);
  }
  return out;
}

std::vector<json> StepInput::PodsOwnedBy(const std::string& owner_uid) const {
  std::vector<json> out;
  if (owner_uid.empty()) return out;
  for (const kube::ObjectPtr& p : caches.pods.ListByIndex(kube::kControllerOwnerIndex, owner_uid)) out.push_back(*p);
  return out;
}

std::string StepInput::ActiveRelease() const {
  if (environment == nullptr) return "";
  return String(Field(*environment, {"status", "activeRelease"}));
}

bool StepInput::OpenToUsers() const {
  if (environment == nullptr) return false;
  return rec::IsTrue(Field(*environment, {"status", "conditions"}), "OpenToUsers");
}

env::RenderInput StepInput::Render(const env::ReleaseRef& ref) const {
  static const json kEmpty = json::object();
  return env::RenderInput{environment != nullptr ? *environment : kEmpty, spec, ref, OpenToUsers()};
}

env::ReleaseRef StepInput::Self(const ReleaseStatus& st) const {
  return env::ReleaseRef{name, version, image, String(st.Get("configSnapshot"))};
}

}  // namespace jd::release
