// object_meta.h — small readers of object metadata shared by kube-sim's simulated controllers:
// a metadata string, labels, "being deleted", the controller ownerReference, and the
// ownerReference a controller puts on what it creates.
//
// Usage:
//   if (Terminating(pod)) continue;
//   const nlohmann::json* owner = ControllerRef(pod);
//   rs["metadata"]["ownerReferences"] = {ControllerRefTo(deployment)};
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace kubesim {

inline std::string MetaStr(const nlohmann::json& obj, const char* field) {
  return obj.contains("metadata") ? obj["metadata"].value(field, "") : "";
}

inline bool Terminating(const nlohmann::json& obj) {
  return obj.contains("metadata") && obj["metadata"].contains("deletionTimestamp");
}

inline nlohmann::json Labels(const nlohmann::json& obj) {
  const nlohmann::json::json_pointer p("/metadata/labels");
  return obj.contains(p) && obj.at(p).is_object() ? obj.at(p) : nlohmann::json::object();
}

// The ownerReference with controller: true, or null.
inline const nlohmann::json* ControllerRef(const nlohmann::json& obj) {
  const nlohmann::json::json_pointer p("/metadata/ownerReferences");
  if (!obj.contains(p) || !obj.at(p).is_array()) return nullptr;
  for (const auto& ref : obj.at(p))
    if (ref.is_object() && ref.value("controller", false)) return &ref;
  return nullptr;
}

// The controller ownerReference to `owner` (which carries apiVersion and kind), blocking the
// owner's foreground deletion as the real controllers set it.
inline nlohmann::json ControllerRefTo(const nlohmann::json& owner) {
  return {{"apiVersion", owner.value("apiVersion", "")},
          {"kind", owner.value("kind", "")},
          {"name", MetaStr(owner, "name")},
          {"uid", MetaStr(owner, "uid")},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

}  // namespace kubesim
