// discovery.h — the discovery documents kubectl and client-go read to learn what the server
// serves: legacy (/api, /apis, /apis/<g>, /<gv>) and aggregated (apidiscovery.k8s.io/v2, what
// kubectl 1.30+ asks for first). Built from the registry on each call, so a new CRD shows up at
// once.
//
// Usage:
//   nlohmann::json doc = AggregatedDiscovery(registry, /*legacy_core=*/false);   // for /apis
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "resource_registry.h"

namespace kubesim {

nlohmann::json ApiVersions(const std::string& server_address);          // GET /api
nlohmann::json ApiGroupList(const ResourceRegistry& reg);                // GET /apis
nlohmann::json ApiGroup(const ResourceRegistry& reg, const std::string& group);  // null if unknown
// GET /api/v1 or /apis/<g>/<v>; null if the group/version is not served.
nlohmann::json ApiResourceList(const ResourceRegistry& reg, const std::string& group, const std::string& version);
// APIGroupDiscoveryList for /api (core only) or /apis (every other group).
nlohmann::json AggregatedDiscovery(const ResourceRegistry& reg, bool core, const std::string& api_version);

}  // namespace kubesim
