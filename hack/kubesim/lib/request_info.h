// request_info.h — what an API request path asks for, as the apiserver's RequestInfoResolver
// reads it: group, version, resource, namespace, name, subresource and the verb.
//
// Usage:
//   RequestInfo ri = ParseRequestInfo("GET", "/apis/apps/v1/namespaces/ns/deployments/web", q);
//   // ri.resource == "deployments", ri.verb == "get"
#pragma once

#include <map>
#include <string>

namespace kubesim {

struct RequestInfo {
  bool is_resource = false;  // false: discovery, /version, /openapi, admin, ...
  std::string group, version, resource, subresource, ns, name;
  std::string verb;  // get list watch create update patch delete deletecollection
};

RequestInfo ParseRequestInfo(const std::string& method, const std::string& path,
                             const std::multimap<std::string, std::string>& query);

}  // namespace kubesim
