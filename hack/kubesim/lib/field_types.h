// field_types.h — how lists and maps inside an object are merged.
//
// Strategic merge patch (built-in kinds) and server-side apply (all kinds) both need to know, for
// a field path, whether a list is atomic (replaced whole), a map keyed by one or more fields
// (containers by "name", ports by "containerPort"...), or a set of primitives (finalizers).
// The real API server reads this from Go struct tags (patchStrategy/patchMergeKey) and from
// OpenAPI extensions (x-kubernetes-list-type / x-kubernetes-list-map-keys / x-kubernetes-map-type).
//
// A path is the list of map keys from the object root, with list elements elided, e.g.
// {"spec", "template", "spec", "containers"} names the containers list of a Deployment and
// {"spec", "template", "spec", "containers", "env"} the env list of any container.
//
// Usage:
//   const FieldTypes& types = BuiltinFieldTypes("apps", "Deployment");
//   ListType t = types.ListAt({"spec", "template", "spec", "containers"});
//   // t.kind == ListKind::kMap, t.keys == {"name"}
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace kubesim {

enum class ListKind {
  kAtomic,  // replaced as a whole (the default for lists nobody described)
  kMap,     // associative list: elements identified by `keys`
  kSet,     // list of primitives treated as a set (SMP "merge" on a scalar list)
};

struct ListType {
  ListKind kind = ListKind::kAtomic;
  std::vector<std::string> keys;  // for kMap: the merge key(s); SMP uses keys[0]
  // SMP only: the list also accepts `$retainKeys` / is declared patchStrategy "merge,retainKeys".
  bool retain_keys = false;
};

using FieldPath = std::vector<std::string>;

// Describes one kind's lists. Implementations: built-in table (BuiltinFieldTypes) and the
// one derived from a CRD's structural schema (SchemaFieldTypes).
class FieldTypes {
 public:
  virtual ~FieldTypes() = default;
  // How the list at `path` merges. Unknown paths are atomic.
  virtual ListType ListAt(const FieldPath& path) const = 0;
  // True when the map at `path` is declared atomic (x-kubernetes-map-type: atomic); maps are
  // granular by default.
  virtual bool MapIsAtomic(const FieldPath& path) const { (void)path; return false; }
  // SMP only: true when the struct at `path` carries patchStrategy "retainKeys"
  // (e.g. Deployment spec.strategy, Pod volumes' elements).
  virtual bool RetainKeysAt(const FieldPath& path) const { (void)path; return false; }
};

// Field types for a built-in kind (group "" for core). Unknown kinds get an all-atomic table.
// The returned reference lives for the program's life.
const FieldTypes& BuiltinFieldTypes(std::string_view group, std::string_view kind);

// Field types read from an OpenAPI v3 structural schema (a CRD version's openAPIV3Schema):
// x-kubernetes-list-type (atomic|set|map), x-kubernetes-list-map-keys, x-kubernetes-map-type.
// metadata (ownerReferences by uid, finalizers as a set, labels/annotations granular) is
// described for every kind.
std::unique_ptr<FieldTypes> SchemaFieldTypes(const nlohmann::json& openapi_v3_schema);

}  // namespace kubesim
