// resource_type.h — what kube-sim knows about one served resource (built-in or from a CRD).
//
// A ResourceType is one group/version/resource as discovery lists it. Several versions of one
// CRD share one storage key (`StorageKey()` = group + "/" + plural), as in the real apiserver
// with conversion strategy None (only apiVersion changes).
//
// Usage:
//   const ResourceType* rt = registry.Find("apps", "v1", "deployments");
//   if (rt && rt->namespaced) ...
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kubesim {

struct PrinterColumn {
  std::string name;
  std::string type;  // string, integer, number, boolean, date
  std::string format;
  std::string description;
  std::string json_path;  // CRD columns; built-ins compute cells in code
  int priority = 0;
};

struct ResourceType {
  std::string group;    // "" for core
  std::string version;  // "v1"
  std::string plural;   // "deployments"
  std::string singular; // "deployment"
  std::string kind;     // "Deployment"
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<std::string> verbs = {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
  bool has_status = false;     // serves the /status subresource
  bool tracks_generation = false;  // metadata.generation bumped on spec changes
  bool builtin = true;
  bool storage_version = true; // the version objects are stored in (CRDs)
  nlohmann::json schema;       // CRD openAPIV3Schema; null for built-ins
  std::string storage_key;     // set when another resource shares this one's storage
  std::vector<PrinterColumn> columns;  // CRD additionalPrinterColumns

  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  std::string StorageKey() const { return storage_key.empty() ? group + "/" + plural : storage_key; }
  std::string ListKind() const { return kind + "List"; }
  // "deployments.apps" / "configmaps": how the real server names the resource in messages.
  std::string GroupResource() const { return group.empty() ? plural : plural + "." + group; }
};

}  // namespace kubesim
