#include "sim_client.h"

#include "text_util.h"

namespace kubesim {

using nlohmann::json;

namespace {

std::string UrlEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string ItemPath(const Gvr& r, const std::string& ns, const std::string& name) {
  return r.Prefix() + (ns.empty() ? "" : "/namespaces/" + ns) + "/" + r.resource + (name.empty() ? "" : "/" + name);
}

std::string Meta(const json& obj, const char* field) {
  return obj.contains("metadata") ? obj["metadata"].value(field, "") : "";
}

}  // namespace

Result<json> SimClient::Call(const std::string& method, const std::string& path, const std::string& query,
                             const std::string& content_type, const std::string& body) const {
  HttpRequest req;
  req.method = method;
  req.path = path;
  if (!query.empty()) {
    size_t pos = 0;
    while (pos <= query.size()) {
      size_t amp = query.find('&', pos);
      std::string pair = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
      auto eq = pair.find('=');
      req.query.emplace(UrlDecode(pair.substr(0, eq)), eq == std::string::npos ? "" : UrlDecode(pair.substr(eq + 1)));
      if (amp == std::string::npos) break;
      pos = amp + 1;
    }
  }
  req.headers["authorization"] = "Bearer " + token_;
  req.headers["user-agent"] = user_agent_;
  if (!content_type.empty()) req.headers["content-type"] = content_type;
  req.body = body;
  ApiResponse res = api_.Handle(req);
  json parsed;
  try {
    parsed = json::parse(res.response.body);
  } catch (const json::parse_error&) {
    return ApiError::Internal("kube-sim answered " + std::to_string(res.response.status) + " with a body that is not JSON");
  }
  if (res.response.status >= 400) {
    ApiError e;
    e.code = res.response.status;
    e.reason = parsed.value("reason", "");
    e.message = parsed.value("message", "");
    return e;
  }
  return parsed;
}

Result<json> SimClient::Get(const Gvr& r, const std::string& ns, const std::string& name) const {
  return Call("GET", ItemPath(r, ns, name), "", "", "");
}

Result<std::vector<json>> SimClient::List(const Gvr& r, const std::string& ns, const std::string& label_selector) const {
  auto res = Call("GET", ItemPath(r, ns, ""), label_selector.empty() ? "" : "labelSelector=" + UrlEncode(label_selector), "", "");
  if (!res.ok()) return res.error();
  std::vector<json> items;
  for (auto& item : res.value()["items"]) items.push_back(std::move(item));
  return items;
}

Result<json> SimClient::Create(const Gvr& r, const std::string& ns, const json& obj) const {
  return Call("POST", ItemPath(r, ns, ""), "", "application/json", obj.dump());
}

Result<json> SimClient::Update(const Gvr& r, const json& obj) const {
  return Call("PUT", ItemPath(r, Meta(obj, "namespace"), Meta(obj, "name")), "", "application/json", obj.dump());
}

Result<json> SimClient::UpdateStatus(const Gvr& r, const json& obj) const {
  return Call("PUT", ItemPath(r, Meta(obj, "namespace"), Meta(obj, "name")) + "/status", "", "application/json", obj.dump());
}

Result<json> SimClient::MergePatch(const Gvr& r, const std::string& ns, const std::string& name, const json& patch,
                                   bool status) const {
  return Call("PATCH", ItemPath(r, ns, name) + (status ? "/status" : ""), "", "application/merge-patch+json", patch.dump());
}

Result<json> SimClient::Delete(const Gvr& r, const std::string& ns, const std::string& name,
                               const std::string& propagation) const {
  return Call("DELETE", ItemPath(r, ns, name), "propagationPolicy=" + propagation, "", "");
}

void SimClient::RecordEvent(const json& involved, const std::string& type, const std::string& reason,
                            const std::string& message, const std::string& component, TimePoint at) const {
  std::string ns = Meta(involved, "namespace");
  if (ns.empty()) ns = "default";
  std::string now = Rfc3339(at);
  // Identical events (same object, reason, message) are counted, not repeated, as the real
  // event recorder's correlator does. The name is derived from them so it can be found again.
  std::string key = Meta(involved, "uid") + "|" + reason + "|" + message;
  std::string name = Meta(involved, "name") + "." + std::to_string(std::hash<std::string>{}(key) % 0xffffffffULL);
  auto existing = Get(kEvents, ns, name);
  if (existing.ok()) {
    json patch = {{"count", existing.value().value("count", 1) + 1}, {"lastTimestamp", now}};
    (void)MergePatch(kEvents, ns, name, patch);
    return;
  }
  json ev = {{"apiVersion", "v1"},
             {"kind", "Event"},
             {"metadata", {{"name", name}, {"namespace", ns}}},
             {"involvedObject",
              {{"apiVersion", involved.value("apiVersion", "")},
               {"kind", involved.value("kind", "")},
               {"name", Meta(involved, "name")},
               {"namespace", Meta(involved, "namespace")},
               {"uid", Meta(involved, "uid")},
               {"resourceVersion", Meta(involved, "resourceVersion")}}},
             {"reason", reason},
             {"message", message},
             {"type", type},
             {"source", {{"component", component}}},
             {"reportingComponent", component},
             {"firstTimestamp", now},
             {"lastTimestamp", now},
             {"count", 1}};
  (void)Create(kEvents, ns, ev);
}

}  // namespace kubesim
