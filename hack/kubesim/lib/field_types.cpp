// field_types.cpp — list/map merge metadata for built-in kinds and for CRD structural schemas.
//
// The built-in table mirrors the Go struct tags of k8s.io/api (patchStrategy/patchMergeKey for
// strategic merge patch, +listType/+listMapKey for server-side apply) for the kinds kube-sim
// serves. Where the two disagree the SMP view wins for the key order (keys[0] is the SMP merge
// key) and the SSA view supplies the extra keys (e.g. Service ports: {"port", "protocol"}).
#include "field_types.h"

#include <initializer_list>
#include <map>
#include <string>
#include <utility>

namespace kubesim {
namespace {

// A path segment matching any map key (values of maps with additionalProperties).
constexpr std::string_view kAnyKey = "*";

struct ListRule {
  FieldPath path;
  ListType type;
};

// FieldTypes backed by explicit rules. Later rules win over earlier ones for the same path.
class TableFieldTypes final : public FieldTypes {
 public:
  void AddList(FieldPath path, ListType type) { lists_.push_back({std::move(path), std::move(type)}); }
  void AddAtomicMap(FieldPath path) { atomic_maps_.push_back(std::move(path)); }
  void AddRetainKeys(FieldPath path) { retain_keys_.push_back(std::move(path)); }

  ListType ListAt(const FieldPath& path) const override {
    for (auto it = lists_.rbegin(); it != lists_.rend(); ++it) {
      if (Matches(it->path, path)) return it->type;
    }
    return ListType{};
  }
  bool MapIsAtomic(const FieldPath& path) const override { return AnyMatches(atomic_maps_, path); }
  bool RetainKeysAt(const FieldPath& path) const override { return AnyMatches(retain_keys_, path); }

 private:
  static bool Matches(const FieldPath& pattern, const FieldPath& path) {
    if (pattern.size() != path.size()) return false;
    for (size_t i = 0; i < path.size(); ++i) {
      if (pattern[i] != kAnyKey && pattern[i] != path[i]) return false;
    }
    return true;
  }
  static bool AnyMatches(const std::vector<FieldPath>& patterns, const FieldPath& path) {
    for (const auto& p : patterns) {
      if (Matches(p, path)) return true;
    }
    return false;
  }

  std::vector<ListRule> lists_;
  std::vector<FieldPath> atomic_maps_;
  std::vector<FieldPath> retain_keys_;
};

FieldPath Join(const FieldPath& prefix, std::initializer_list<const char*> rest) {
  FieldPath out = prefix;
  for (const char* s : rest) out.emplace_back(s);
  return out;
}

ListType MapList(std::initializer_list<const char*> keys, bool retain_keys = false) {
  ListType t;
  t.kind = ListKind::kMap;
  for (const char* k : keys) t.keys.emplace_back(k);
  t.retain_keys = retain_keys;
  return t;
}

ListType SetList() { return ListType{ListKind::kSet, {}, false}; }
ListType AtomicList() { return ListType{ListKind::kAtomic, {}, false}; }

// ObjectMeta at `meta`: ownerReferences by uid, finalizers as a set, managedFields atomic.
void AddObjectMeta(TableFieldTypes& t, const FieldPath& meta) {
  t.AddList(Join(meta, {"ownerReferences"}), MapList({"uid"}));
  t.AddList(Join(meta, {"finalizers"}), SetList());
  t.AddList(Join(meta, {"managedFields"}), AtomicList());
}

// A list of core/v1 Container at `list`.
void AddContainers(TableFieldTypes& t, const FieldPath& list) {
  t.AddList(list, MapList({"name"}));
  t.AddList(Join(list, {"ports"}), MapList({"containerPort", "protocol"}));
  t.AddList(Join(list, {"env"}), MapList({"name"}));
  t.AddList(Join(list, {"envFrom"}), AtomicList());
  t.AddList(Join(list, {"volumeMounts"}), MapList({"mountPath"}));
  t.AddList(Join(list, {"volumeDevices"}), MapList({"devicePath"}));
  t.AddList(Join(list, {"resizePolicy"}), AtomicList());
}

// core/v1 PodSpec at `spec`.
void AddPodSpec(TableFieldTypes& t, const FieldPath& spec) {
  AddContainers(t, Join(spec, {"containers"}));
  AddContainers(t, Join(spec, {"initContainers"}));
  AddContainers(t, Join(spec, {"ephemeralContainers"}));
  t.AddList(Join(spec, {"volumes"}), MapList({"name"}, /*retain_keys=*/true));
  t.AddRetainKeys(Join(spec, {"volumes"}));
  t.AddList(Join(spec, {"imagePullSecrets"}), MapList({"name"}));
  t.AddList(Join(spec, {"tolerations"}), AtomicList());
  t.AddList(Join(spec, {"hostAliases"}), MapList({"ip"}));
  t.AddList(Join(spec, {"hostAliases", "hostnames"}), AtomicList());
  t.AddList(Join(spec, {"topologySpreadConstraints"}), MapList({"topologyKey", "whenUnsatisfiable"}));
  t.AddList(Join(spec, {"schedulingGates"}), MapList({"name"}));
  t.AddList(Join(spec, {"resourceClaims"}), MapList({"name"}, /*retain_keys=*/true));
  t.AddRetainKeys(Join(spec, {"resourceClaims"}));
  t.AddList(Join(spec, {"readinessGates"}), AtomicList());
}

// core/v1 PodTemplateSpec at `tmpl` (metadata + spec).
void AddPodTemplate(TableFieldTypes& t, const FieldPath& tmpl) {
  AddObjectMeta(t, Join(tmpl, {"metadata"}));
  AddPodSpec(t, Join(tmpl, {"spec"}));
}

void AddConditionsByType(TableFieldTypes& t, const FieldPath& path) { t.AddList(path, MapList({"type"})); }

TableFieldTypes Pod() {
  TableFieldTypes t;
  AddPodSpec(t, {"spec"});
  AddConditionsByType(t, {"status", "conditions"});
  t.AddList({"status", "podIPs"}, MapList({"ip"}));
  t.AddList({"status", "hostIPs"}, MapList({"ip"}));
  return t;
}

TableFieldTypes Service() {
  TableFieldTypes t;
  t.AddList({"spec", "ports"}, MapList({"port", "protocol"}));
  t.AddList({"spec", "clusterIPs"}, AtomicList());
  t.AddList({"spec", "externalIPs"}, AtomicList());
  t.AddList({"spec", "ipFamilies"}, AtomicList());
  t.AddList({"spec", "loadBalancerSourceRanges"}, AtomicList());
  AddConditionsByType(t, {"status", "conditions"});
  t.AddList({"status", "loadBalancer", "ingress"}, AtomicList());
  return t;
}

TableFieldTypes ServiceAccount() {
  TableFieldTypes t;
  t.AddList({"secrets"}, MapList({"name"}));
  t.AddList({"imagePullSecrets"}, MapList({"name"}));
  return t;
}

TableFieldTypes Namespace() {
  TableFieldTypes t;
  t.AddList({"spec", "finalizers"}, AtomicList());
  AddConditionsByType(t, {"status", "conditions"});
  return t;
}

// Deployment, ReplicaSet, DaemonSet, StatefulSet: a pod template at spec.template.
TableFieldTypes Workload(bool deployment_strategy, bool volume_claim_templates) {
  TableFieldTypes t;
  AddPodTemplate(t, {"spec", "template"});
  if (deployment_strategy) t.AddRetainKeys({"spec", "strategy"});
  if (volume_claim_templates) t.AddList({"spec", "volumeClaimTemplates"}, AtomicList());
  AddConditionsByType(t, {"status", "conditions"});
  return t;
}

// batch/v1 JobSpec at `spec` and, for a Job object, its status.
void AddJobSpec(TableFieldTypes& t, const FieldPath& spec) {
  AddPodTemplate(t, Join(spec, {"template"}));
  t.AddList(Join(spec, {"podFailurePolicy", "rules"}), AtomicList());
  t.AddList(Join(spec, {"successPolicy", "rules"}), AtomicList());
}

TableFieldTypes Job() {
  TableFieldTypes t;
  AddJobSpec(t, {"spec"});
  // SMP declares conditions merge-by-type (SSA says atomic); the SMP view is kept.
  AddConditionsByType(t, {"status", "conditions"});
  return t;
}

TableFieldTypes CronJob() {
  TableFieldTypes t;
  AddObjectMeta(t, {"spec", "jobTemplate", "metadata"});
  AddJobSpec(t, {"spec", "jobTemplate", "spec"});
  t.AddList({"status", "active"}, AtomicList());
  return t;
}

TableFieldTypes Ingress() {
  TableFieldTypes t;
  t.AddList({"spec", "rules"}, AtomicList());
  t.AddList({"spec", "rules", "http", "paths"}, AtomicList());
  t.AddList({"spec", "tls"}, AtomicList());
  t.AddList({"spec", "tls", "hosts"}, AtomicList());
  t.AddList({"status", "loadBalancer", "ingress"}, AtomicList());
  t.AddList({"status", "loadBalancer", "ingress", "ports"}, AtomicList());
  return t;
}

TableFieldTypes ConditionsOnly() {
  TableFieldTypes t;
  AddConditionsByType(t, {"status", "conditions"});
  return t;
}

TableFieldTypes Rules(bool cluster_role) {
  TableFieldTypes t;
  t.AddList({"rules"}, AtomicList());
  if (cluster_role) t.AddList({"aggregationRule", "clusterRoleSelectors"}, AtomicList());
  return t;
}

TableFieldTypes Subjects() {
  TableFieldTypes t;
  t.AddList({"subjects"}, AtomicList());
  return t;
}

TableFieldTypes CustomResourceDefinition() {
  TableFieldTypes t;
  t.AddList({"spec", "versions"}, AtomicList());
  AddConditionsByType(t, {"status", "conditions"});
  t.AddList({"status", "storedVersions"}, AtomicList());
  return t;
}

using TableMap = std::map<std::string, TableFieldTypes, std::less<>>;

std::string TableKey(std::string_view group, std::string_view kind) {
  std::string key(group);
  key += '/';
  key += kind;
  return key;
}

TableMap BuildBuiltinTables() {
  TableMap m;
  auto add = [&m](std::string_view group, std::string_view kind, TableFieldTypes t) {
    AddObjectMeta(t, {"metadata"});  // last, so the metadata rules always win
    m.emplace(TableKey(group, kind), std::move(t));
  };
  add("", "Namespace", Namespace());
  add("", "ConfigMap", TableFieldTypes{});
  add("", "Secret", TableFieldTypes{});
  add("", "Service", Service());
  add("", "ServiceAccount", ServiceAccount());
  add("", "Pod", Pod());
  add("", "Event", TableFieldTypes{});
  add("events.k8s.io", "Event", TableFieldTypes{});
  add("apps", "Deployment", Workload(/*deployment_strategy=*/true, /*volume_claim_templates=*/false));
  add("apps", "ReplicaSet", Workload(false, false));
  add("apps", "DaemonSet", Workload(false, false));
  add("apps", "StatefulSet", Workload(false, true));
  add("batch", "Job", Job());
  add("batch", "CronJob", CronJob());
  add("coordination.k8s.io", "Lease", TableFieldTypes{});
  add("networking.k8s.io", "Ingress", Ingress());
  add("policy", "PodDisruptionBudget", ConditionsOnly());
  add("rbac.authorization.k8s.io", "Role", Rules(false));
  add("rbac.authorization.k8s.io", "ClusterRole", Rules(true));
  add("rbac.authorization.k8s.io", "RoleBinding", Subjects());
  add("rbac.authorization.k8s.io", "ClusterRoleBinding", Subjects());
  add("apiextensions.k8s.io", "CustomResourceDefinition", CustomResourceDefinition());
  return m;
}

TableFieldTypes MetadataOnly() {
  TableFieldTypes t;
  AddObjectMeta(t, {"metadata"});
  return t;
}

// Walks a structural schema node at `path`, recording list and map types. A list directly inside
// a list (`in_list`) shares its parent's elided path, so its own list type is not recorded: the
// outer list stays atomic.
void WalkSchema(const nlohmann::json& node, const FieldPath& path, TableFieldTypes& out, bool in_list = false) {
  if (!node.is_object()) return;
  if (auto mt = node.find("x-kubernetes-map-type"); mt != node.end() && mt->is_string() && *mt == "atomic") {
    out.AddAtomicMap(path);
  }
  if (auto items = node.find("items"); items != node.end() || node.value("type", "") == "array") {
    auto lt = node.find("x-kubernetes-list-type");
    if (!in_list && lt != node.end() && lt->is_string()) {
      ListType t;
      if (*lt == "map") {
        t.kind = ListKind::kMap;
        if (auto keys = node.find("x-kubernetes-list-map-keys"); keys != node.end() && keys->is_array()) {
          for (const auto& k : *keys) {
            if (k.is_string()) t.keys.push_back(k.get<std::string>());
          }
        }
      } else if (*lt == "set") {
        t.kind = ListKind::kSet;
      }
      out.AddList(path, std::move(t));
    }
    if (items != node.end()) WalkSchema(*items, path, out, /*in_list=*/true);  // list elements are elided
  }
  if (auto props = node.find("properties"); props != node.end() && props->is_object()) {
    for (auto it = props->begin(); it != props->end(); ++it) {
      FieldPath child = path;
      child.push_back(it.key());
      WalkSchema(it.value(), child, out);  // in_list resets below an object
    }
  }
  if (auto ap = node.find("additionalProperties"); ap != node.end() && ap->is_object()) {
    FieldPath child = path;
    child.emplace_back(kAnyKey);
    WalkSchema(*ap, child, out);
  }
}

}  // namespace

const FieldTypes& BuiltinFieldTypes(std::string_view group, std::string_view kind) {
  static const TableMap kTables = BuildBuiltinTables();
  static const TableFieldTypes kMetadataOnly = MetadataOnly();
  if (auto it = kTables.find(TableKey(group, kind)); it != kTables.end()) return it->second;
  return kMetadataOnly;
}

std::unique_ptr<FieldTypes> SchemaFieldTypes(const nlohmann::json& openapi_v3_schema) {
  auto out = std::make_unique<TableFieldTypes>();
  WalkSchema(openapi_v3_schema, {}, *out);
  AddObjectMeta(*out, {"metadata"});
  return out;
}

}  // namespace kubesim
