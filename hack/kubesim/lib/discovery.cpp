#include "discovery.h"

namespace kubesim {
namespace {

using nlohmann::json;

json GroupVersionEntry(const std::string& group, const std::string& version) {
  return {{"groupVersion", group.empty() ? version : group + "/" + version}, {"version", version}};
}

std::vector<std::string> SubresourceVerbs() { return {"get", "patch", "update"}; }

}  // namespace

json ApiVersions(const std::string& server_address) {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs", {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

json ApiGroup(const ResourceRegistry& reg, const std::string& group) {
  auto versions = reg.Versions(group);
  if (versions.empty() || group.empty()) return nullptr;
  json vs = json::array();
  for (const auto& v : versions) vs.push_back(GroupVersionEntry(group, v));
  return {{"kind", "APIGroup"},
          {"apiVersion", "v1"},
          {"name", group},
          {"versions", vs},
          {"preferredVersion", GroupVersionEntry(group, versions.front())}};
}

json ApiGroupList(const ResourceRegistry& reg) {
  json groups = json::array();
  for (const auto& g : reg.Groups()) {
    if (g.empty()) continue;
    json grp = ApiGroup(reg, g);
    if (grp.is_null()) continue;
    grp.erase("kind");
    grp.erase("apiVersion");
    groups.push_back(grp);
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

json ApiResourceList(const ResourceRegistry& reg, const std::string& group, const std::string& version) {
  json resources = json::array();
  bool any = false;
  for (const auto& rt : reg.All()) {
    if (rt->group != group || rt->version != version) continue;
    any = true;
    json r = {{"name", rt->plural},       {"singularName", rt->singular}, {"namespaced", rt->namespaced},
              {"kind", rt->kind},         {"verbs", rt->verbs}};
    if (!rt->short_names.empty()) r["shortNames"] = rt->short_names;
    if (!rt->categories.empty()) r["categories"] = rt->categories;
    resources.push_back(r);
    if (rt->has_status)
      resources.push_back({{"name", rt->plural + "/status"},
                           {"singularName", ""},
                           {"namespaced", rt->namespaced},
                           {"kind", rt->kind},
                           {"verbs", SubresourceVerbs()}});
  }
  if (!any) return nullptr;
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group.empty() ? version : group + "/" + version},
          {"resources", resources}};
}

json AggregatedDiscovery(const ResourceRegistry& reg, bool core, const std::string& api_version) {
  json items = json::array();
  for (const auto& g : reg.Groups()) {
    if (core != g.empty()) continue;
    json versions = json::array();
    for (const auto& v : reg.Versions(g)) {
      json resources = json::array();
      for (const auto& rt : reg.All()) {
        if (rt->group != g || rt->version != v) continue;
        json kind = {{"group", rt->group}, {"version", rt->version}, {"kind", rt->kind}};
        json r = {{"resource", rt->plural},
                  {"responseKind", kind},
                  {"scope", rt->namespaced ? "Namespaced" : "Cluster"},
                  {"singularResource", rt->singular},
                  {"verbs", rt->verbs}};
        if (!rt->short_names.empty()) r["shortNames"] = rt->short_names;
        if (!rt->categories.empty()) r["categories"] = rt->categories;
        if (rt->has_status)
          r["subresources"] = json::array({{{"subresource", "status"}, {"responseKind", kind}, {"verbs", SubresourceVerbs()}}});
        resources.push_back(r);
      }
      versions.push_back({{"version", v}, {"resources", resources}, {"freshness", "Current"}});
    }
    if (versions.empty()) continue;
    items.push_back({{"metadata", {{"name", g}, {"creationTimestamp", nullptr}}}, {"versions", versions}});
  }
  return {{"kind", "APIGroupDiscoveryList"}, {"apiVersion", api_version}, {"metadata", json::object()}, {"items", items}};
}

}  // namespace kubesim
