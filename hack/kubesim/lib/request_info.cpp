#include "request_info.h"

#include <sstream>
#include <vector>

namespace kubesim {
namespace {

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream ss(path);
  std::string seg;
  while (std::getline(ss, seg, '/'))
    if (!seg.empty()) out.push_back(seg);
  return out;
}

}  // namespace

RequestInfo ParseRequestInfo(const std::string& method, const std::string& path,
                             const std::multimap<std::string, std::string>& query) {
  RequestInfo ri;
  auto segs = Split(path);
  size_t i = 0;
  if (segs.size() >= 2 && segs[0] == "api") {
    ri.version = segs[1];
    i = 2;
  } else if (segs.size() >= 3 && segs[0] == "apis") {
    ri.group = segs[1];
    ri.version = segs[2];
    i = 3;
  } else {
    return ri;
  }
  std::vector<std::string> rest(segs.begin() + static_cast<long>(i), segs.end());
  if (rest.empty()) return ri;
  // /namespaces/{ns}/{resource}... except the namespace's own subresources.
  if (rest[0] == "namespaces" && rest.size() >= 3 && !(rest.size() == 3 && (rest[2] == "status" || rest[2] == "finalize"))) {
    ri.ns = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  ri.is_resource = true;
  ri.resource = rest[0];
  if (rest.size() >= 2) ri.name = rest[1];
  if (rest.size() >= 3) ri.subresource = rest[2];
  if (rest.size() > 3) ri.is_resource = false;  // unknown deeper path

  auto watch_it = query.find("watch");
  bool watch = watch_it != query.end() && (watch_it->second == "true" || watch_it->second == "1");
  if (method == "GET" || method == "HEAD") {
    ri.verb = ri.name.empty() ? (watch ? "watch" : "list") : "get";
  } else if (method == "POST") {
    ri.verb = "create";
  } else if (method == "PUT") {
    ri.verb = "update";
  } else if (method == "PATCH") {
    ri.verb = "patch";
  } else if (method == "DELETE") {
    ri.verb = ri.name.empty() ? "deletecollection" : "delete";
  } else {
    ri.verb = method;
  }
  return ri;
}

}  // namespace kubesim
