#include "resource_registry.h"

#include <algorithm>
#include <mutex>

namespace kubesim {
namespace {

ResourceType Builtin(std::string group, std::string version, std::string plural, std::string singular,
                     std::string kind, bool namespaced, std::vector<std::string> short_names = {},
                     bool has_status = false, bool tracks_generation = false,
                     std::vector<std::string> categories = {}) {
  ResourceType t;
  t.group = std::move(group);
  t.version = std::move(version);
  t.plural = std::move(plural);
  t.singular = std::move(singular);
  t.kind = std::move(kind);
  t.namespaced = namespaced;
  t.short_names = std::move(short_names);
  t.has_status = has_status;
  t.tracks_generation = tracks_generation;
  t.categories = std::move(categories);
  return t;
}

// The built-in resources kube-sim serves. Short names and categories are the real ones.
std::vector<ResourceType> BuiltinTypes() {
  std::vector<ResourceType> v = {
      Builtin("", "v1", "namespaces", "namespace", "Namespace", false, {"ns"}, true),
      Builtin("", "v1", "configmaps", "configmap", "ConfigMap", true, {"cm"}),
      Builtin("", "v1", "secrets", "secret", "Secret", true),
      Builtin("", "v1", "services", "service", "Service", true, {"svc"}, true, false, {"all"}),
      Builtin("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {"sa"}),
      Builtin("", "v1", "pods", "pod", "Pod", true, {"po"}, true, false, {"all"}),
      Builtin("", "v1", "events", "event", "Event", true, {"ev"}),
      Builtin("", "v1", "endpoints", "endpoints", "Endpoints", true, {"ep"}),
      Builtin("events.k8s.io", "v1", "events", "event", "Event", true, {"ev"}),
      Builtin("apps", "v1", "deployments", "deployment", "Deployment", true, {"deploy"}, true, true, {"all"}),
      Builtin("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, {"rs"}, true, true, {"all"}),
      Builtin("batch", "v1", "jobs", "job", "Job", true, {}, true, true, {"all"}),
      Builtin("batch", "v1", "cronjobs", "cronjob", "CronJob", true, {"cj"}, true, true, {"all"}),
      Builtin("coordination.k8s.io", "v1", "leases", "lease", "Lease", true),
      Builtin("networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", true, {"ing"}, true, true),
      Builtin("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true, {"pdb"},
              true, true),
      Builtin("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true),
      Builtin("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true),
      Builtin("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false),
      Builtin("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding",
              false),
      Builtin("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition",
              "CustomResourceDefinition", false, {"crd", "crds"}, true, true),
  };
  for (auto& t : v) {
    // events.k8s.io/v1 Events are core/v1 Events seen through another shape (same storage).
    if (t.plural == "events" && t.group == "events.k8s.io") t.storage_key = "/events";
  }
  return v;
}

// Built-in group order as the real discovery lists them.
const std::vector<std::string>& BuiltinGroupOrder() {
  static const std::vector<std::string> order = {"",
                                                 "apps",
                                                 "events.k8s.io",
                                                 "batch",
                                                 "networking.k8s.io",
                                                 "policy",
                                                 "rbac.authorization.k8s.io",
                                                 "coordination.k8s.io",
                                                 "apiextensions.k8s.io"};
  return order;
}

}  // namespace

ResourceRegistry::ResourceRegistry() {
  for (auto& t : BuiltinTypes()) builtins_.push_back(std::make_shared<const ResourceType>(std::move(t)));
}

ResourceTypePtr ResourceRegistry::FindIf(const std::function<bool(const ResourceType&)>& pred) const {
  std::shared_lock lock(mu_);
  for (const auto& t : builtins_)
    if (pred(*t)) return t;
  for (const auto& [name, ts] : crds_)
    for (const auto& t : ts)
      if (pred(*t)) return t;
  return nullptr;
}

ResourceTypePtr ResourceRegistry::Find(const std::string& group, const std::string& version,
                                       const std::string& plural) const {
  return FindIf([&](const ResourceType& t) { return t.group == group && t.version == version && t.plural == plural; });
}

ResourceTypePtr ResourceRegistry::FindKind(const std::string& group, const std::string& version,
                                           const std::string& kind) const {
  return FindIf([&](const ResourceType& t) { return t.group == group && t.version == version && t.kind == kind; });
}

ResourceTypePtr ResourceRegistry::FindStorage(const std::string& storage_key) const {
  std::shared_lock lock(mu_);
  for (const auto& t : builtins_)
    if (t->StorageKey() == storage_key) return t;
  ResourceTypePtr any;
  for (const auto& [name, ts] : crds_)
    for (const auto& t : ts)
      if (t->StorageKey() == storage_key) {
        if (t->storage_version) return t;
        if (!any) any = t;
      }
  return any;
}

std::vector<ResourceTypePtr> ResourceRegistry::All() const {
  std::shared_lock lock(mu_);
  std::vector<ResourceTypePtr> out = builtins_;
  for (const auto& [name, ts] : crds_) out.insert(out.end(), ts.begin(), ts.end());
  return out;
}

std::vector<std::string> ResourceRegistry::Groups() const {
  std::vector<std::string> out = BuiltinGroupOrder();
  std::shared_lock lock(mu_);
  std::vector<std::string> crd_groups;
  for (const auto& [name, ts] : crds_)
    for (const auto& t : ts)
      if (std::find(out.begin(), out.end(), t->group) == out.end() &&
          std::find(crd_groups.begin(), crd_groups.end(), t->group) == crd_groups.end())
        crd_groups.push_back(t->group);
  std::sort(crd_groups.begin(), crd_groups.end());
  out.insert(out.end(), crd_groups.begin(), crd_groups.end());
  return out;
}

std::vector<std::string> ResourceRegistry::Versions(const std::string& group) const {
  std::vector<std::string> out;
  std::string storage;
  for (const auto& t : All()) {
    if (t->group != group) continue;
    if (std::find(out.begin(), out.end(), t->version) == out.end()) out.push_back(t->version);
    if (!t->builtin && t->storage_version) storage = t->version;
  }
  // Preferred version first: the storage version for CRD groups.
  if (!storage.empty()) {
    auto it = std::find(out.begin(), out.end(), storage);
    if (it != out.end()) std::rotate(out.begin(), it, it + 1);
  }
  return out;
}

void ResourceRegistry::SetCrd(const std::string& crd_name, std::vector<ResourceType> versions) {
  std::vector<ResourceTypePtr> ts;
  for (auto& v : versions) ts.push_back(std::make_shared<const ResourceType>(std::move(v)));
  std::unique_lock lock(mu_);
  crds_[crd_name] = std::move(ts);
  ++epoch_;
}

void ResourceRegistry::RemoveCrd(const std::string& crd_name) {
  std::unique_lock lock(mu_);
  crds_.erase(crd_name);
  ++epoch_;
}

uint64_t ResourceRegistry::Epoch() const {
  std::shared_lock lock(mu_);
  return epoch_;
}

std::vector<ResourceType> TypesFromCrd(const nlohmann::json& crd) {
  std::vector<ResourceType> out;
  const auto& spec = crd.value("spec", nlohmann::json::object());
  const auto& names = spec.value("names", nlohmann::json::object());
  for (const auto& v : spec.value("versions", nlohmann::json::array())) {
    if (!v.value("served", true)) continue;
    ResourceType t;
    t.builtin = false;
    t.group = spec.value("group", "");
    t.version = v.value("name", "");
    t.plural = names.value("plural", "");
    t.singular = names.value("singular", "");
    if (t.singular.empty()) {
      std::string kind = names.value("kind", "");
      std::transform(kind.begin(), kind.end(), std::back_inserter(t.singular), ::tolower);
    }
    t.kind = names.value("kind", "");
    t.namespaced = spec.value("scope", "Namespaced") == "Namespaced";
    t.short_names = names.value("shortNames", std::vector<std::string>{});
    t.categories = names.value("categories", std::vector<std::string>{});
    t.storage_version = v.value("storage", false);
    t.tracks_generation = true;
    const auto& sub = v.value("subresources", nlohmann::json::object());
    t.has_status = sub.contains("status");
    if (v.contains("schema") && v["schema"].contains("openAPIV3Schema"))
      t.schema = v["schema"]["openAPIV3Schema"];
    for (const auto& c : v.value("additionalPrinterColumns", nlohmann::json::array())) {
      PrinterColumn pc;
      pc.name = c.value("name", "");
      pc.type = c.value("type", "string");
      pc.format = c.value("format", "");
      pc.description = c.value("description", "");
      pc.json_path = c.value("jsonPath", "");
      pc.priority = c.value("priority", 0);
      t.columns.push_back(std::move(pc));
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace kubesim
