// resource_registry.h — the set of resources kube-sim serves: built-ins plus established CRDs.
//
// Thread-safe. Lookups return shared pointers to immutable ResourceTypes, so a request keeps a
// consistent view even while a CRD is being added or removed.
//
// Usage:
//   ResourceRegistry reg;                       // starts with the built-ins
//   auto rt = reg.Find("apps", "v1", "deployments");
//   reg.SetCrdVersions("justdriving.io/justdrivingenvironments", TypesFromCrd(crd));
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "resource_type.h"

namespace kubesim {

using ResourceTypePtr = std::shared_ptr<const ResourceType>;

class ResourceRegistry {
 public:
  ResourceRegistry();

  // By group, version and plural (or a kind's lower-case singular, as URLs never use it).
  ResourceTypePtr Find(const std::string& group, const std::string& version, const std::string& plural) const;
  // By group/version/kind (for ownerReferences and Table conversion).
  ResourceTypePtr FindKind(const std::string& group, const std::string& version, const std::string& kind) const;
  // Any served version of a storage key (group + "/" + plural), preferring the storage version.
  ResourceTypePtr FindStorage(const std::string& storage_key) const;
  // Every served resource, sorted by group, version, plural.
  std::vector<ResourceTypePtr> All() const;
  // Group names in discovery order (core "" first, then built-in groups, then CRD groups sorted).
  std::vector<std::string> Groups() const;
  // Versions served for a group, preferred first.
  std::vector<std::string> Versions(const std::string& group) const;

  // Replaces the resources served for one CRD (keyed by its name, e.g. "widgets.example.com").
  void SetCrd(const std::string& crd_name, std::vector<ResourceType> versions);
  void RemoveCrd(const std::string& crd_name);
  // A counter that changes whenever the set of resources changes (discovery ETags).
  uint64_t Epoch() const;

 private:
  ResourceTypePtr FindIf(const std::function<bool(const ResourceType&)>& pred) const;

  mutable std::shared_mutex mu_;
  std::vector<ResourceTypePtr> builtins_;
  std::map<std::string, std::vector<ResourceTypePtr>> crds_;
  uint64_t epoch_ = 1;
};

// The ResourceTypes a CustomResourceDefinition asks for: one per served version.
std::vector<ResourceType> TypesFromCrd(const nlohmann::json& crd);

}  // namespace kubesim
