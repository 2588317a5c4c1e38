#include "openapi.h"

#include <functional>
#include <sstream>

namespace kubesim {
namespace {

using nlohmann::json;

const char* kObjectMetaRef = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const char* kListMetaRef = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";

std::string ReverseGroup(const std::string& group) {
  std::vector<std::string> parts;
  std::stringstream ss(group);
  std::string p;
  while (std::getline(ss, p, '.')) parts.push_back(p);
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) out += (out.empty() ? "" : ".") + *it;
  return out;
}

json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

json Gvk(const ResourceType& rt) { return {{"group", rt.group}, {"version", rt.version}, {"kind", rt.kind}}; }

json QueryParam(const std::string& name, const std::string& type, const std::string& description) {
  return {{"name", name}, {"in", "query"}, {"description", description}, {"schema", {{"type", type}, {"uniqueItems", true}}}};
}

json Operation(const ResourceType& rt, const std::string& action, const std::string& op_id, const json& response,
               const json& params, const json& request_content) {
  json op = {{"tags", {rt.group.empty() ? "core_" + rt.version : rt.group + "_" + rt.version}},
             {"description", action + " " + rt.kind},
             {"operationId", op_id},
             {"responses", {{"200", {{"description", "OK"}, {"content", {{"application/json", {{"schema", response}}}}}}},
                            {"401", {{"description", "Unauthorized"}}}}},
             {"x-kubernetes-action", action},
             {"x-kubernetes-group-version-kind", Gvk(rt)}};
  if (!params.empty()) op["parameters"] = params;
  if (!request_content.is_null()) op["requestBody"] = {{"content", request_content}, {"required", true}};
  return op;
}

json WriteParams() {
  return json::array({QueryParam("dryRun", "string", "When present, indicates that modifications should not be persisted."),
                      QueryParam("fieldManager", "string", "fieldManager is a name associated with the actor making these changes."),
                      QueryParam("fieldValidation", "string",
                                 "fieldValidation instructs the server on how to handle objects in the request containing "
                                 "unknown or duplicate fields: Ignore, Warn or Strict.")});
}

json ObjectMetaSchema() {
  auto str = [](const char* d) { return json{{"type", "string"}, {"description", d}}; };
  json map = {{"type", "object"}, {"additionalProperties", {{"type", "string"}, {"default", ""}}}};
  json labels = map;
  labels["description"] = "Map of string keys and values that can be used to organize and categorize objects.";
  json annotations = map;
  annotations["description"] = "Unstructured key value map stored with a resource.";
  return {{"type", "object"},
          {"description", "ObjectMeta is metadata that all persisted resources must have."},
          {"properties",
           {{"name", str("Name must be unique within a namespace.")},
            {"generateName", str("An optional prefix used by the server to generate a unique name.")},
            {"namespace", str("Namespace defines the space within which each name must be unique.")},
            {"uid", str("UID is the unique in time and space value for this object.")},
            {"resourceVersion", str("An opaque value that represents the internal version of this object.")},
            {"generation", {{"type", "integer"}, {"format", "int64"}, {"description", "A sequence number representing a specific generation of the desired state."}}},
            {"creationTimestamp", str("A timestamp representing the server time when this object was created.")},
            {"deletionTimestamp", str("RFC 3339 date and time at which this resource will be deleted.")},
            {"labels", labels},
            {"annotations", annotations},
            {"finalizers", {{"type", "array"}, {"items", {{"type", "string"}, {"default", ""}}}, {"description", "Must be empty before the object is deleted from the registry."}}},
            {"ownerReferences", {{"type", "array"}, {"items", {{"type", "object"}}}, {"description", "List of objects depended by this object."}}},
            {"managedFields", {{"type", "array"}, {"items", {{"type", "object"}}}, {"description", "Maps workflow-id and version to the set of fields that are managed by that workflow."}}}}}};
}

// Makes a CRD schema servable: metadata becomes a reference to ObjectMeta, apiVersion and kind
// are described.
json CrdComponentSchema(const ResourceType& rt) {
  json s = rt.schema.is_object() ? rt.schema : json{{"type", "object"}};
  s["properties"]["apiVersion"] = {{"type", "string"},
                                   {"description", "APIVersion defines the versioned schema of this representation of an object."}};
  s["properties"]["kind"] = {{"type", "string"}, {"description", "Kind is a string value representing the REST resource this object represents."}};
  s["properties"]["metadata"] = {{"allOf", json::array({Ref(kObjectMetaRef)})},
                                 {"description", "Standard object's metadata."}};
  s["x-kubernetes-group-version-kind"] = json::array({Gvk(rt)});
  return s;
}

json BuiltinComponentSchema(const ResourceType& rt) {
  json props = {{"apiVersion", {{"type", "string"}, {"description", "APIVersion defines the versioned schema of this representation of an object."}}},
                {"kind", {{"type", "string"}, {"description", "Kind is a string value representing the REST resource this object represents."}}},
                {"metadata", {{"allOf", json::array({Ref(kObjectMetaRef)})}, {"description", "Standard object's metadata."}}}};
  // kube-sim does not carry the built-ins' full schemas: their bodies are described loosely.
  for (const char* f : {"spec", "status", "data", "stringData", "binaryData", "type", "rules", "subjects", "roleRef",
                        "secrets", "imagePullSecrets", "automountServiceAccountToken", "immutable", "involvedObject",
                        "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count", "eventTime",
                        "regarding", "note", "action", "reportingController", "reportingInstance", "related",
                        "series", "reportingComponent", "deprecatedSource", "deprecatedFirstTimestamp",
                        "deprecatedLastTimestamp", "deprecatedCount", "aggregationRule", "subsets"}) {
    props[f] = {{"description", std::string(f) + " (kube-sim serves built-in schemas loosely)."},
                {"x-kubernetes-preserve-unknown-fields", true}};
  }
  return {{"type", "object"},
          {"description", rt.kind + " (" + rt.ApiVersion() + ") as served by kube-sim."},
          {"properties", props},
          {"x-kubernetes-group-version-kind", json::array({Gvk(rt)})}};
}

json ListSchema(const ResourceType& rt) {
  return {{"type", "object"},
          {"description", rt.ListKind() + " is a list of " + rt.kind + "."},
          {"required", {"items"}},
          {"properties",
           {{"apiVersion", {{"type", "string"}}},
            {"kind", {{"type", "string"}}},
            {"items", {{"type", "array"}, {"items", Ref(SchemaName(rt))}}},
            {"metadata", {{"allOf", json::array({Ref(kListMetaRef)})}}}}},
          {"x-kubernetes-group-version-kind", json::array({{{"group", rt.group}, {"version", rt.version}, {"kind", rt.ListKind()}}})}};
}

}  // namespace

std::string SchemaName(const ResourceType& rt) {
  if (rt.builtin) {
    std::string g = rt.group.empty() ? "core" : rt.group;
    auto dot = g.find('.');
    if (dot != std::string::npos) {
      // events.k8s.io -> events, rbac.authorization.k8s.io -> rbac, apiextensions.k8s.io is special.
      if (g == "apiextensions.k8s.io") return "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions." + rt.version + "." + rt.kind;
      g = g.substr(0, dot);
    }
    return "io.k8s.api." + g + "." + rt.version + "." + rt.kind;
  }
  return ReverseGroup(rt.group) + "." + rt.version + "." + rt.kind;
}

json OpenApiRoot(const ResourceRegistry& reg) {
  json paths = json::object();
  for (const auto& g : reg.Groups()) {
    for (const auto& v : reg.Versions(g)) {
      std::string key = g.empty() ? "api/" + v : "apis/" + g + "/" + v;
      json doc = OpenApiGroupVersion(reg, g, v);
      std::string hash = std::to_string(std::hash<std::string>{}(doc.dump()));
      paths[key] = {{"serverRelativeURL", "/openapi/v3/" + key + "?hash=" + hash}};
    }
  }
  return {{"paths", paths}};
}

json OpenApiGroupVersion(const ResourceRegistry& reg, const std::string& group, const std::string& version) {
  json paths = json::object();
  json schemas = json::object();
  bool any = false;
  for (const auto& rtp : reg.All()) {
    const ResourceType& rt = *rtp;
    if (rt.group != group || rt.version != version) continue;
    any = true;
    std::string base = (group.empty() ? "/api/" + version : "/apis/" + group + "/" + version) +
                       (rt.namespaced ? "/namespaces/{namespace}/" : "/") + rt.plural;
    std::string id = rt.kind + (rt.group.empty() ? "" : "_" + rt.group);
    json item_ref = Ref(SchemaName(rt));
    json patch_content = {{"application/json-patch+json", {{"schema", {{"type", "object"}}}}},
                          {"application/merge-patch+json", {{"schema", {{"type", "object"}}}}},
                          {"application/apply-patch+yaml", {{"schema", {{"type", "object"}}}}}};
    json body_content = {{"*/*", {{"schema", item_ref}}}};
    json patch_params = WriteParams();
    patch_params.push_back(QueryParam("force", "boolean", "Force is going to \"force\" Apply requests."));
    json path_params = json::array();
    if (rt.namespaced)
      path_params.push_back({{"name", "namespace"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    json item_params = path_params;
    item_params.push_back({{"name", "name"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});

    paths[base] = {{"get", Operation(rt, "list", "list" + id, Ref(SchemaName(rt) + "List"), json::array(), nullptr)},
                   {"post", Operation(rt, "post", "create" + id, item_ref, WriteParams(), body_content)},
                   {"delete", Operation(rt, "deletecollection", "deletecollection" + id, {{"type", "object"}}, json::array(), nullptr)},
                   {"parameters", path_params}};
    json item = {{"get", Operation(rt, "get", "read" + id, item_ref, json::array(), nullptr)},
                 {"put", Operation(rt, "put", "replace" + id, item_ref, WriteParams(), body_content)},
                 {"patch", Operation(rt, "patch", "patch" + id, item_ref, patch_params, patch_content)},
                 {"delete", Operation(rt, "delete", "delete" + id, {{"type", "object"}}, json::array(), nullptr)},
                 {"parameters", item_params}};
    paths[base + "/{name}"] = item;
    if (rt.has_status) {
      json status = item;
      status.erase("delete");
      paths[base + "/{name}/status"] = status;
    }
    schemas[SchemaName(rt)] = rt.builtin ? BuiltinComponentSchema(rt) : CrdComponentSchema(rt);
    schemas[SchemaName(rt) + "List"] = ListSchema(rt);
  }
  if (!any) return nullptr;
  schemas[kObjectMetaRef] = ObjectMetaSchema();
  schemas[kListMetaRef] = {{"type", "object"},
                           {"description", "ListMeta describes metadata that synthetic resources must have."},
                           {"properties", {{"resourceVersion", {{"type", "string"}}}, {"continue", {{"type", "string"}}}}}};
  return {{"openapi", "3.0.0"},
          {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
          {"paths", paths},
          {"components", {{"schemas", schemas}}}};
}

}  // namespace kubesim
