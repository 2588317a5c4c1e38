// The config snapshot (step.h PlanSnapshot): an immutable copy of the environment's config
// ConfigMap, `<release>-config`, owned by the release, made once when the release starts (after
// preflight, before the backup and the migrations, which already read it). Pods of the release
// read the snapshot (env::ReleaseRef::config_snapshot), so a revert to an earlier release restores
// that release's config together with its code; a later edit of the environment's ConfigMap
// reaches the pods with the next release, never in the middle of one.
//
// Idempotent: once status.configSnapshot is set nothing is planned; before that the ConfigMap is
// planned for creation, and if it already exists (a crash after creating it, or an earlier attempt
// of the release) the existing one is kept (AlreadyExists is fine): the snapshot is never
// rewritten.
#include "reconcilers/common/ownership.h"
#include "reconcilers/environment/json_access.h"
#include "reconcilers/release/step.h"

namespace jd::release {

using env::Field;
using env::String;
using nlohmann::json;

SnapshotPlan PlanSnapshot(const StepInput& in, ReleaseStatus& st) {
  SnapshotPlan plan;
  if (!String(st.Get("configSnapshot")).empty()) return plan;
  const std::string source = String(Field(in.spec, {"config", "configMapName"}));
  if (source.empty()) return plan;  // no config: pods get none, nothing to snapshot
  const std::string name = SnapshotName(in.name);
  if (kube::ObjectPtr existing = in.ConfigMap(name)) {
    st["configSnapshot"] = name;
    return plan;
  }
  kube::ObjectPtr cm = in.ConfigMap(source);
  if (!cm) {
    plan.error = "ConfigMap " + source + " (spec.config.configMapName of environment " + in.env_name +
                 ") does not exist: create it, then retry the release";
    return plan;
  }
  json snapshot = {{"apiVersion", "v1"},
                   {"kind", "ConfigMap"},
                   {"metadata",
                    {{"name", name},
                     {"namespace", in.ns},
                     {"labels", rec::StandardLabels(in.env_name, "", in.version, in.name)},
                     {"annotations",
                      {{"justdriving.io/config-source",
                        source + "@" + String(Field(*cm, {"metadata", "resourceVersion"}))}}}}},
                   {"immutable", true}};
  for (const char* field : {"data", "binaryData"}) {
    const json& data = Field(*cm, {field});
    if (data.is_object() && !data.empty()) snapshot[field] = data;
  }
  auto owned = rec::SetControllerOwner(snapshot, in.release);
  if (!owned.ok()) {
    plan.error = "config snapshot " + name + ": " + owned.error().message;
    return plan;
  }
  plan.create = std::move(snapshot);
  st["configSnapshot"] = name;
  return plan;
}

}  // namespace jd::release
