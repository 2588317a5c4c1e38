// Safe reads of objects that may be malformed: the operator never crashes on a bad object, so
// code that reads specs, statuses and cached objects goes through these instead of at()/[] /
// get<T>() (which throw on a missing key or a wrong type).
//
//   Field(obj, {"status", "currentRelease", "image"})  the member, or a null json when any step is
//                                                      missing or not an object
//   String(v) / Int(v, fallback) / Bool(v, fallback)   the value when it has that type
//
// Usage:
//   std::string image = String(Field(env, {"status", "currentRelease", "image"}));
//   int days = Int(Field(spec, {"minTLSDays"}), 14);
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include <nlohmann/json.hpp>

namespace jd::env {

inline const nlohmann::json& Field(const nlohmann::json& obj, std::initializer_list<const char*> path) {
  static const nlohmann::json kNull;
  const nlohmann::json* cur = &obj;
  for (const char* key : path) {
    if (!cur->is_object()) return kNull;
    auto it = cur->find(key);
    if (it == cur->end()) return kNull;
    cur = &*it;
  }
  return *cur;
}

inline std::string String(const nlohmann::json& v, const std::string& fallback = "") {
  return v.is_string() ? v.get<std::string>() : fallback;
}

inline int64_t Int(const nlohmann::json& v, int64_t fallback) {
  return v.is_number_integer() || v.is_number_unsigned() ? v.get<int64_t>() : fallback;
}

inline bool Bool(const nlohmann::json& v, bool fallback) { return v.is_boolean() ? v.get<bool>() : fallback; }

}  // namespace jd::env
