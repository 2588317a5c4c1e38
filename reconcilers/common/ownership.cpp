#include "reconcilers/common/ownership.h"

namespace jd::rec {

namespace {

// The string at `path` (e.g. {"metadata", "uid"}), or "" when absent or not a string.
std::string StringAt(const nlohmann::json& obj, std::initializer_list<const char*> path) {
  const nlohmann::json* cur = &obj;
  for (const char* key : path) {
    if (!cur->is_object()) return "";
    auto it = cur->find(key);
    if (it == cur->end()) return "";
    cur = &*it;
  }
  return cur->is_string() ? cur->get<std::string>() : "";
}

bool IsController(const nlohmann::json& ref) {
  auto it = ref.find("controller");
  return it != ref.end() && it->is_boolean() && it->get<bool>();
}

bool IsLabelAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

StatusOr<nlohmann::json> OwnerReference(const nlohmann::json& owner) {
  const std::string api_version = StringAt(owner, {"apiVersion"});
  const std::string kind = StringAt(owner, {"kind"});
  const std::string name = StringAt(owner, {"metadata", "name"});
  const std::string uid = StringAt(owner, {"metadata", "uid"});
  const char* missing = api_version.empty() ? "apiVersion"
                        : kind.empty()      ? "kind"
                        : name.empty()      ? "metadata.name"
                        : uid.empty()       ? "metadata.uid"
                                            : nullptr;
  if (missing != nullptr) {
    return Error{std::string("owner reference: the owner has no ") + missing +
                 "; pass the object as read from the API server"};
  }
  return nlohmann::json{{"apiVersion", api_version}, {"kind", kind},       {"name", name},
                        {"uid", uid},                {"controller", true}, {"blockOwnerDeletion", true}};
}

std::string LabelValue(std::string_view s) {
  std::string out;
  for (char c : s) {
    out.push_back(IsLabelAlnum(c) || c == '-' || c == '_' || c == '.' ? c : '_');
  }
  if (out.size() > 63) out.resize(63);
  while (!out.empty() && !IsLabelAlnum(out.back())) out.pop_back();
  std::size_t start = 0;
  while (start < out.size() && !IsLabelAlnum(out[start])) ++start;
  return out.substr(start);
}

nlohmann::json StandardLabels(std::string_view environment, std::string_view component,
                              std::string_view version, std::string_view release) {
  nlohmann::json labels = {
      {"app.kubernetes.io/name", "justdriving"},
      {"app.kubernetes.io/instance", LabelValue(environment)},
      {"app.kubernetes.io/managed-by", "justdriving-operator"},
      {"justdriving.io/environment", LabelValue(environment)},
  };
  if (!component.empty()) labels["app.kubernetes.io/component"] = LabelValue(component);
  if (!version.empty()) labels["app.kubernetes.io/version"] = LabelValue(version);
  if (!release.empty()) labels["justdriving.io/release"] = LabelValue(release);
  return labels;
}

StatusOr<bool> SetControllerOwner(nlohmann::json& obj, const nlohmann::json& owner) {
  auto ref = OwnerReference(owner);
  if (!ref.ok()) return ref.error();
  const nlohmann::json& want = ref.value();
  const std::string uid = want["uid"].get<std::string>();
  nlohmann::json& refs = obj["metadata"]["ownerReferences"];
  if (!refs.is_array()) refs = nlohmann::json::array();
  for (const auto& existing : refs) {
    if (existing.is_object() && IsController(existing) && StringAt(existing, {"uid"}) != uid) {
      return Error{"metadata.ownerReferences: already controlled by " + StringAt(existing, {"kind"}) +
                   " " + StringAt(existing, {"name"}) +
                   "; delete the object or remove that owner reference so the operator can own it"};
    }
  }
  for (auto& existing : refs) {
    if (existing.is_object() && StringAt(existing, {"uid"}) == uid) {
      if (existing == want) return false;
      existing = want;
      return true;
    }
  }
  refs.push_back(want);
  return true;
}

}  // namespace jd::rec
