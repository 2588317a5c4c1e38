// Tests for field_types.{h,cpp}: the built-in list table and the CRD schema reader.
#include "field_types.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kubesim {
namespace {

using nlohmann::json;

std::string Describe(const FieldPath& path) {
  std::string out;
  for (const auto& p : path) out += "/" + p;
  return out;
}

struct ListCase {
  std::string group;
  std::string kind;
  FieldPath path;
  ListKind want_kind;
  std::vector<std::string> want_keys;
  bool want_retain_keys = false;
};

TEST(BuiltinFieldTypesTest, ListTypes) {
  const FieldPath pod_tmpl = {"spec", "template", "spec"};
  const FieldPath cron_tmpl = {"spec", "jobTemplate", "spec", "template", "spec"};
  auto join = [](FieldPath base, const std::vector<std::string>& rest) {
    base.insert(base.end(), rest.begin(), rest.end());
    return base;
  };
  const std::vector<ListCase> cases = {
      // Metadata for every kind (and for unknown kinds).
      {"", "ConfigMap", {"metadata", "ownerReferences"}, ListKind::kMap, {"uid"}},
      {"", "ConfigMap", {"metadata", "finalizers"}, ListKind::kSet, {}},
      {"", "ConfigMap", {"metadata", "managedFields"}, ListKind::kAtomic, {}},
      {"", "Secret", {"metadata", "finalizers"}, ListKind::kSet, {}},
      {"", "Namespace", {"metadata", "ownerReferences"}, ListKind::kMap, {"uid"}},
      {"example.com", "Widget", {"metadata", "finalizers"}, ListKind::kSet, {}},
      {"example.com", "Widget", {"spec", "items"}, ListKind::kAtomic, {}},
      // Namespace.
      {"", "Namespace", {"spec", "finalizers"}, ListKind::kAtomic, {}},
      {"", "Namespace", {"status", "conditions"}, ListKind::kMap, {"type"}},
      // Service: SMP key "port", SSA keys port+protocol.
      {"", "Service", {"spec", "ports"}, ListKind::kMap, {"port", "protocol"}},
      {"", "Service", {"spec", "clusterIPs"}, ListKind::kAtomic, {}},
      // ServiceAccount.
      {"", "ServiceAccount", {"secrets"}, ListKind::kMap, {"name"}},
      {"", "ServiceAccount", {"imagePullSecrets"}, ListKind::kMap, {"name"}},
      // Pod.
      {"", "Pod", {"spec", "containers"}, ListKind::kMap, {"name"}},
      {"", "Pod", {"spec", "initContainers"}, ListKind::kMap, {"name"}},
      {"", "Pod", {"spec", "ephemeralContainers"}, ListKind::kMap, {"name"}},
      {"", "Pod", {"spec", "containers", "ports"}, ListKind::kMap, {"containerPort", "protocol"}},
      {"", "Pod", {"spec", "containers", "env"}, ListKind::kMap, {"name"}},
      {"", "Pod", {"spec", "initContainers", "env"}, ListKind::kMap, {"name"}},
      {"", "Pod", {"spec", "containers", "volumeMounts"}, ListKind::kMap, {"mountPath"}},
      {"", "Pod", {"spec", "containers", "args"}, ListKind::kAtomic, {}},
      {"", "Pod", {"spec", "volumes"}, ListKind::kMap, {"name"}, true},
      {"", "Pod", {"spec", "imagePullSecrets"}, ListKind::kMap, {"name"}},
      {"", "Pod", {"spec", "tolerations"}, ListKind::kAtomic, {}},
      {"", "Pod", {"status", "conditions"}, ListKind::kMap, {"type"}},
      {"", "Pod", {"spec", "template", "spec", "containers"}, ListKind::kAtomic, {}},  // no such field
      // Deployment and friends: the pod template.
      {"apps", "Deployment", join(pod_tmpl, {"containers"}), ListKind::kMap, {"name"}},
      {"apps", "Deployment", join(pod_tmpl, {"containers", "env"}), ListKind::kMap, {"name"}},
      {"apps", "Deployment", join(pod_tmpl, {"containers", "ports"}), ListKind::kMap, {"containerPort", "protocol"}},
      {"apps", "Deployment", join(pod_tmpl, {"containers", "volumeMounts"}), ListKind::kMap, {"mountPath"}},
      {"apps", "Deployment", join(pod_tmpl, {"volumes"}), ListKind::kMap, {"name"}, true},
      {"apps", "Deployment", join(pod_tmpl, {"tolerations"}), ListKind::kAtomic, {}},
      {"apps", "Deployment", join(pod_tmpl, {"imagePullSecrets"}), ListKind::kMap, {"name"}},
      {"apps", "Deployment", {"spec", "template", "metadata", "finalizers"}, ListKind::kSet, {}},
      {"apps", "Deployment", {"status", "conditions"}, ListKind::kMap, {"type"}},
      {"apps", "Deployment", {"spec", "containers"}, ListKind::kAtomic, {}},
      {"apps", "ReplicaSet", join(pod_tmpl, {"initContainers"}), ListKind::kMap, {"name"}},
      {"apps", "ReplicaSet", {"status", "conditions"}, ListKind::kMap, {"type"}},
      {"batch", "Job", join(pod_tmpl, {"containers"}), ListKind::kMap, {"name"}},
      {"batch", "Job", {"status", "conditions"}, ListKind::kMap, {"type"}},
      {"batch", "CronJob", join(cron_tmpl, {"containers"}), ListKind::kMap, {"name"}},
      {"batch", "CronJob", join(cron_tmpl, {"containers", "env"}), ListKind::kMap, {"name"}},
      {"batch", "CronJob", join(cron_tmpl, {"volumes"}), ListKind::kMap, {"name"}, true},
      {"batch", "CronJob", join(pod_tmpl, {"containers"}), ListKind::kAtomic, {}},
      // Group must match: no Deployment in core.
      {"", "Deployment", join(pod_tmpl, {"containers"}), ListKind::kAtomic, {}},
      // Others.
      {"networking.k8s.io", "Ingress", {"spec", "rules"}, ListKind::kAtomic, {}},
      {"networking.k8s.io", "Ingress", {"spec", "tls"}, ListKind::kAtomic, {}},
      {"policy", "PodDisruptionBudget", {"status", "conditions"}, ListKind::kMap, {"type"}},
      {"rbac.authorization.k8s.io", "Role", {"rules"}, ListKind::kAtomic, {}},
      {"rbac.authorization.k8s.io", "ClusterRole", {"rules"}, ListKind::kAtomic, {}},
      {"rbac.authorization.k8s.io", "RoleBinding", {"subjects"}, ListKind::kAtomic, {}},
      {"rbac.authorization.k8s.io", "ClusterRoleBinding", {"subjects"}, ListKind::kAtomic, {}},
      {"rbac.authorization.k8s.io", "ClusterRoleBinding", {"metadata", "finalizers"}, ListKind::kSet, {}},
      {"apiextensions.k8s.io", "CustomResourceDefinition", {"status", "conditions"}, ListKind::kMap, {"type"}},
      {"apiextensions.k8s.io", "CustomResourceDefinition", {"spec", "versions"}, ListKind::kAtomic, {}},
      {"coordination.k8s.io", "Lease", {"metadata", "ownerReferences"}, ListKind::kMap, {"uid"}},
      {"", "Event", {"metadata", "ownerReferences"}, ListKind::kMap, {"uid"}},
      {"events.k8s.io", "Event", {"metadata", "finalizers"}, ListKind::kSet, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.group + "/" + c.kind + " " + Describe(c.path));
    ListType got = BuiltinFieldTypes(c.group, c.kind).ListAt(c.path);
    EXPECT_EQ(got.kind, c.want_kind);
    EXPECT_EQ(got.keys, c.want_keys);
    EXPECT_EQ(got.retain_keys, c.want_retain_keys);
  }
}

TEST(BuiltinFieldTypesTest, RetainKeysAndAtomicMaps) {
  struct Case {
    std::string group, kind;
    FieldPath path;
    bool want_retain;
  };
  const std::vector<Case> cases = {
      {"apps", "Deployment", {"spec", "strategy"}, true},
      {"apps", "Deployment", {"spec", "template", "spec", "volumes"}, true},
      {"apps", "Deployment", {"spec", "template", "spec", "containers"}, false},
      {"apps", "ReplicaSet", {"spec", "strategy"}, false},
      {"", "Pod", {"spec", "volumes"}, true},
      {"batch", "CronJob", {"spec", "jobTemplate", "spec", "template", "spec", "volumes"}, true},
      {"", "ConfigMap", {"data"}, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.group + "/" + c.kind + " " + Describe(c.path));
    const FieldTypes& t = BuiltinFieldTypes(c.group, c.kind);
    EXPECT_EQ(t.RetainKeysAt(c.path), c.want_retain);
    EXPECT_FALSE(t.MapIsAtomic(c.path));
  }
}

TEST(BuiltinFieldTypesTest, SameReferenceEveryCall) {
  EXPECT_EQ(&BuiltinFieldTypes("apps", "Deployment"), &BuiltinFieldTypes("apps", "Deployment"));
  EXPECT_NE(&BuiltinFieldTypes("apps", "Deployment"), &BuiltinFieldTypes("apps", "ReplicaSet"));
}

TEST(SchemaFieldTypesTest, ReadsListAndMapTypes) {
  const json schema = json::parse(R"({
    "type": "object",
    "properties": {
      "metadata": {"type": "object"},
      "spec": {
        "type": "object",
        "properties": {
          "domains": {
            "type": "array",
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["host", "port"],
            "items": {
              "type": "object",
              "properties": {
                "host": {"type": "string"},
                "port": {"type": "integer"},
                "aliases": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}}
              }
            }
          },
          "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
          "args": {"type": "array", "x-kubernetes-list-type": "atomic", "items": {"type": "string"}},
          "plain": {"type": "array", "items": {"type": "string"}},
          "selector": {
            "type": "object",
            "x-kubernetes-map-type": "atomic",
            "properties": {"matchLabels": {"type": "object", "additionalProperties": {"type": "string"}}}
          },
          "granular": {"type": "object", "x-kubernetes-map-type": "granular"},
          "routes": {
            "type": "object",
            "additionalProperties": {
              "type": "object",
              "properties": {
                "backends": {
                  "type": "array",
                  "x-kubernetes-list-type": "map",
                  "x-kubernetes-list-map-keys": ["name"],
                  "items": {"type": "object"}
                }
              }
            }
          },
          "matrix": {
            "type": "array",
            "items": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "integer"}}
          }
        }
      },
      "status": {
        "type": "object",
        "properties": {
          "conditions": {
            "type": "array",
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["type"],
            "items": {"type": "object"}
          }
        }
      }
    }
  })");
  std::unique_ptr<FieldTypes> types = SchemaFieldTypes(schema);
  ASSERT_NE(types, nullptr);

  struct Case {
    FieldPath path;
    ListKind want_kind;
    std::vector<std::string> want_keys;
  };
  const std::vector<Case> cases = {
      {{"spec", "domains"}, ListKind::kMap, {"host", "port"}},
      {{"spec", "domains", "aliases"}, ListKind::kSet, {}},
      {{"spec", "tags"}, ListKind::kSet, {}},
      {{"spec", "args"}, ListKind::kAtomic, {}},
      {{"spec", "plain"}, ListKind::kAtomic, {}},
      {{"spec", "routes", "eu-west", "backends"}, ListKind::kMap, {"name"}},
      {{"spec", "routes", "us", "backends"}, ListKind::kMap, {"name"}},
      {{"spec", "matrix"}, ListKind::kAtomic, {}},  // list of lists: the inner type is not recorded
      {{"status", "conditions"}, ListKind::kMap, {"type"}},
      {{"spec", "unknown"}, ListKind::kAtomic, {}},
      // Metadata is described for every kind.
      {{"metadata", "ownerReferences"}, ListKind::kMap, {"uid"}},
      {{"metadata", "finalizers"}, ListKind::kSet, {}},
      {{"metadata", "managedFields"}, ListKind::kAtomic, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(Describe(c.path));
    ListType got = types->ListAt(c.path);
    EXPECT_EQ(got.kind, c.want_kind);
    EXPECT_EQ(got.keys, c.want_keys);
    EXPECT_FALSE(got.retain_keys);
  }

  struct MapCase {
    FieldPath path;
    bool want_atomic;
  };
  const std::vector<MapCase> map_cases = {
      {{"spec", "selector"}, true},
      {{"spec", "selector", "matchLabels"}, false},
      {{"spec", "granular"}, false},
      {{"spec"}, false},
      {{"metadata", "labels"}, false},
  };
  for (const auto& c : map_cases) {
    SCOPED_TRACE(Describe(c.path));
    EXPECT_EQ(types->MapIsAtomic(c.path), c.want_atomic);
    EXPECT_FALSE(types->RetainKeysAt(c.path));
  }
}

TEST(SchemaFieldTypesTest, EmptyOrNonObjectSchemaStillDescribesMetadata) {
  for (const json& schema : {json::object(), json(), json("nonsense")}) {
    SCOPED_TRACE(schema.dump());
    std::unique_ptr<FieldTypes> types = SchemaFieldTypes(schema);
    EXPECT_EQ(types->ListAt({"metadata", "finalizers"}).kind, ListKind::kSet);
    EXPECT_EQ(types->ListAt({"spec", "x"}).kind, ListKind::kAtomic);
  }
}

}  // namespace
}  // namespace kubesim
