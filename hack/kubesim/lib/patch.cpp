// patch.cpp — JSON merge patch, JSON patch and strategic merge patch (see patch.h).
#include "patch.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kubesim {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// RFC 7386
// ---------------------------------------------------------------------------------------------

json MergePatchValue(const json& target, const json& patch) {
  if (!patch.is_object()) return patch;
  json result = target.is_object() ? target : json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it->is_null()) {
      result.erase(it.key());
      continue;
    }
    auto found = result.find(it.key());
    json merged = MergePatchValue(found != result.end() ? *found : json(), *it);
    result[it.key()] = std::move(merged);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// RFC 6902
// ---------------------------------------------------------------------------------------------

enum class OpKind { kAdd, kRemove, kReplace, kMove, kCopy, kTest };

struct JsonPatchOp {
  size_t index = 0;
  OpKind kind = OpKind::kAdd;
  std::string name;  // "add", ...
  std::string path;
  std::vector<std::string> path_tokens;
  std::string from;
  std::vector<std::string> from_tokens;
  json value;
};

// Splits an RFC 6901 pointer into unescaped tokens; nullopt when the syntax is invalid.
std::optional<std::vector<std::string>> ParsePointer(const std::string& ptr) {
  std::vector<std::string> tokens;
  if (ptr.empty()) return tokens;
  if (ptr[0] != '/') return std::nullopt;
  std::string cur;
  for (size_t i = 1; i <= ptr.size(); ++i) {
    if (i == ptr.size() || ptr[i] == '/') {
      tokens.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    if (ptr[i] == '~') {
      if (i + 1 >= ptr.size()) return std::nullopt;
      if (ptr[i + 1] == '0') {
        cur += '~';
      } else if (ptr[i + 1] == '1') {
        cur += '/';
      } else {
        return std::nullopt;
      }
      ++i;
      continue;
    }
    cur += ptr[i];
  }
  return tokens;
}

// An array index token: digits only, no leading zero. nullopt for anything else (incl. "-").
std::optional<size_t> ParseIndex(const std::string& token) {
  if (token.empty() || token.size() > 18) return std::nullopt;
  if (token.size() > 1 && token[0] == '0') return std::nullopt;
  size_t n = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  return n;
}

std::string Quote(const std::string& s) { return json(s).dump(); }

std::string PointerPrefix(const std::vector<std::string>& tokens, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    out += '/';
    for (char c : tokens[i]) {
      if (c == '~') {
        out += "~0";
      } else if (c == '/') {
        out += "~1";
      } else {
        out += c;
      }
    }
  }
  return out;
}

// Resolves the first `count` tokens; nullptr (with `why`) when a step does not exist.
json* Resolve(json& doc, const std::vector<std::string>& tokens, size_t count, std::string* why) {
  json* cur = &doc;
  for (size_t i = 0; i < count; ++i) {
    const std::string& tok = tokens[i];
    if (cur->is_object()) {
      auto it = cur->find(tok);
      if (it == cur->end()) {
        *why = "path " + Quote(PointerPrefix(tokens, i + 1)) + " does not exist";
        return nullptr;
      }
      cur = &*it;
    } else if (cur->is_array()) {
      std::optional<size_t> idx = ParseIndex(tok);
      if (!idx || *idx >= cur->size()) {
        *why = "array index " + Quote(tok) + " at " + Quote(PointerPrefix(tokens, i + 1)) + " is out of range";
        return nullptr;
      }
      cur = &(*cur)[*idx];
    } else {
      *why = "path " + Quote(PointerPrefix(tokens, i)) + " is a " + cur->type_name() +
             ", not an object or array";
      return nullptr;
    }
  }
  return cur;
}

// Each returns an empty string on success, else the reason.
std::string DoAdd(json& doc, const std::vector<std::string>& tokens, json value) {
  if (tokens.empty()) {
    doc = std::move(value);
    return {};
  }
  std::string why;
  json* parent = Resolve(doc, tokens, tokens.size() - 1, &why);
  if (parent == nullptr) return why;
  const std::string& last = tokens.back();
  if (parent->is_object()) {
    (*parent)[last] = std::move(value);
    return {};
  }
  if (parent->is_array()) {
    if (last == "-") {
      parent->push_back(std::move(value));
      return {};
    }
    std::optional<size_t> idx = ParseIndex(last);
    if (!idx || *idx > parent->size()) {
      return "array index " + Quote(last) + " is out of range (array length " + std::to_string(parent->size()) + ")";
    }
    parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(*idx), std::move(value));
    return {};
  }
  return "parent " + Quote(PointerPrefix(tokens, tokens.size() - 1)) + " is a " + parent->type_name() +
         ", not an object or array";
}

std::string DoRemove(json& doc, const std::vector<std::string>& tokens) {
  if (tokens.empty()) return "cannot remove the whole document";
  std::string why;
  json* parent = Resolve(doc, tokens, tokens.size() - 1, &why);
  if (parent == nullptr) return why;
  const std::string& last = tokens.back();
  if (parent->is_object()) {
    if (parent->erase(last) == 0) return "path " + Quote(PointerPrefix(tokens, tokens.size())) + " does not exist";
    return {};
  }
  if (parent->is_array()) {
    std::optional<size_t> idx = ParseIndex(last);
    if (!idx || *idx >= parent->size()) {
      return "array index " + Quote(last) + " is out of range (array length " + std::to_string(parent->size()) + ")";
    }
    parent->erase(*idx);
    return {};
  }
  return "parent " + Quote(PointerPrefix(tokens, tokens.size() - 1)) + " is a " + parent->type_name() +
         ", not an object or array";
}

ApiError MalformedOp(size_t index, const std::string& what) {
  return ApiError::BadRequest("invalid JSON patch: operation " + std::to_string(index) + ": " + what);
}

Result<std::vector<JsonPatchOp>> ParseJsonPatch(const json& patch) {
  if (!patch.is_array()) {
    return ApiError::BadRequest(std::string("invalid JSON patch: the document must be an array of operations, got ") +
                                patch.type_name());
  }
  std::vector<JsonPatchOp> ops;
  for (size_t i = 0; i < patch.size(); ++i) {
    const json& raw = patch[i];
    if (!raw.is_object()) return MalformedOp(i, std::string("must be an object, got ") + raw.type_name());
    JsonPatchOp op;
    op.index = i;
    auto op_it = raw.find("op");
    if (op_it == raw.end() || !op_it->is_string()) return MalformedOp(i, "missing string member \"op\"");
    op.name = op_it->get<std::string>();
    if (op.name == "add") {
      op.kind = OpKind::kAdd;
    } else if (op.name == "remove") {
      op.kind = OpKind::kRemove;
    } else if (op.name == "replace") {
      op.kind = OpKind::kReplace;
    } else if (op.name == "move") {
      op.kind = OpKind::kMove;
    } else if (op.name == "copy") {
      op.kind = OpKind::kCopy;
    } else if (op.name == "test") {
      op.kind = OpKind::kTest;
    } else {
      return MalformedOp(i, "unknown op " + Quote(op.name));
    }
    auto path_it = raw.find("path");
    if (path_it == raw.end() || !path_it->is_string()) {
      return MalformedOp(i, "(" + op.name + ") missing string member \"path\"");
    }
    op.path = path_it->get<std::string>();
    auto tokens = ParsePointer(op.path);
    if (!tokens) return MalformedOp(i, "(" + op.name + ") invalid JSON pointer " + Quote(op.path));
    op.path_tokens = std::move(*tokens);
    if (op.kind == OpKind::kAdd || op.kind == OpKind::kReplace || op.kind == OpKind::kTest) {
      auto value_it = raw.find("value");
      if (value_it == raw.end()) return MalformedOp(i, "(" + op.name + " " + op.path + ") missing member \"value\"");
      op.value = *value_it;
    }
    if (op.kind == OpKind::kMove || op.kind == OpKind::kCopy) {
      auto from_it = raw.find("from");
      if (from_it == raw.end() || !from_it->is_string()) {
        return MalformedOp(i, "(" + op.name + " " + op.path + ") missing string member \"from\"");
      }
      op.from = from_it->get<std::string>();
      auto from_tokens = ParsePointer(op.from);
      if (!from_tokens) return MalformedOp(i, "(" + op.name + ") invalid JSON pointer " + Quote(op.from));
      op.from_tokens = std::move(*from_tokens);
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

// Applies one operation to `doc`; empty string on success.
std::string ApplyOp(json& doc, const JsonPatchOp& op) {
  std::string why;
  switch (op.kind) {
    case OpKind::kAdd:
      return DoAdd(doc, op.path_tokens, op.value);
    case OpKind::kRemove:
      return DoRemove(doc, op.path_tokens);
    case OpKind::kReplace: {
      json* at = Resolve(doc, op.path_tokens, op.path_tokens.size(), &why);
      if (at == nullptr) return why;
      *at = op.value;
      return {};
    }
    case OpKind::kMove: {
      if (op.from_tokens == op.path_tokens) {
        return Resolve(doc, op.from_tokens, op.from_tokens.size(), &why) == nullptr ? why : std::string();
      }
      if (op.from_tokens.size() < op.path_tokens.size() &&
          std::equal(op.from_tokens.begin(), op.from_tokens.end(), op.path_tokens.begin())) {
        return "cannot move " + Quote(op.from) + " into its own child";
      }
      json* src = Resolve(doc, op.from_tokens, op.from_tokens.size(), &why);
      if (src == nullptr) return "from: " + why;
      json value = std::move(*src);
      if (std::string err = DoRemove(doc, op.from_tokens); !err.empty()) return "from: " + err;
      return DoAdd(doc, op.path_tokens, std::move(value));
    }
    case OpKind::kCopy: {
      json* src = Resolve(doc, op.from_tokens, op.from_tokens.size(), &why);
      if (src == nullptr) return "from: " + why;
      json value = *src;
      return DoAdd(doc, op.path_tokens, std::move(value));
    }
    case OpKind::kTest: {
      json* at = Resolve(doc, op.path_tokens, op.path_tokens.size(), &why);
      if (at == nullptr) return why;
      if (*at != op.value) return "test failed: value is " + at->dump() + ", expected " + op.value.dump();
      return {};
    }
  }
  return "unreachable";
}

// ---------------------------------------------------------------------------------------------
// Strategic merge patch
// ---------------------------------------------------------------------------------------------

constexpr std::string_view kPatchDirective = "$patch";
constexpr std::string_view kRetainKeysDirective = "$retainKeys";
constexpr std::string_view kSetElementOrderPrefix = "$setElementOrder/";
constexpr std::string_view kDeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/";

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string PathString(const FieldPath& path) {
  if (path.empty()) return "<root>";
  std::string out;
  for (const auto& p : path) {
    if (!out.empty()) out += '.';
    out += p;
  }
  return out;
}

ApiError BadSmp(const std::string& msg) { return ApiError::BadRequest("invalid strategic merge patch: " + msg); }
ApiError InvalidSmp(const std::string& msg) { return ApiError::Invalid(msg, {}); }

FieldPath Child(const FieldPath& path, const std::string& key) {
  FieldPath out = path;
  out.push_back(key);
  return out;
}

// Orders `merged` the Kubernetes way: items found in `order` (the $setElementOrder list or the
// patch list) are sorted by it; the others (live-only items) keep their live order; the two runs
// are then interleaved, a live-only item going before a patched item when it came first in
// `live`. `ident` maps an element to what identifies it (merge key value or the value itself).
template <typename Ident>
json OrderList(const json& merged, const std::vector<json>& order, const json& live, Ident ident) {
  auto index_of = [&ident](const std::vector<json>& idents, const json& item) -> long {
    json id = ident(item);
    for (size_t i = 0; i < idents.size(); ++i) {
      if (idents[i] == id) return static_cast<long>(i);
    }
    return -1;
  };
  std::vector<json> order_ids;
  for (const auto& o : order) order_ids.push_back(ident(o));
  std::vector<json> live_ids;
  if (live.is_array()) {
    for (const auto& l : live) live_ids.push_back(ident(l));
  }

  std::vector<std::pair<long, json>> patched;  // (index in order, item)
  std::vector<json> live_only;
  for (const auto& item : merged) {
    long i = index_of(order_ids, item);
    if (i >= 0) {
      patched.emplace_back(i, item);
    } else {
      live_only.push_back(item);
    }
  }
  std::stable_sort(patched.begin(), patched.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  // Sort the live-only items found in `live` by their live position, leaving the others in place.
  std::vector<size_t> slots;
  std::vector<std::pair<long, json>> known;
  for (size_t i = 0; i < live_only.size(); ++i) {
    long li = index_of(live_ids, live_only[i]);
    if (li >= 0) {
      slots.push_back(i);
      known.emplace_back(li, live_only[i]);
    }
  }
  std::stable_sort(known.begin(), known.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t k = 0; k < slots.size(); ++k) live_only[slots[k]] = known[k].second;

  json out = json::array();
  size_t i = 0, j = 0;
  while (i < live_only.size() || j < patched.size()) {
    if (j >= patched.size()) {
      out.push_back(live_only[i++]);
    } else if (i >= live_only.size()) {
      out.push_back(patched[j++].second);
    } else {
      long li = index_of(live_ids, live_only[i]);
      long ri = index_of(live_ids, patched[j].second);
      if (li >= 0 && ri >= 0 && li < ri) {
        out.push_back(live_only[i++]);
      } else {
        out.push_back(patched[j++].second);
      }
    }
  }
  return out;
}

// Checks that the patch elements appear in `order` in the same relative order.
template <typename Ident>
bool IsSubsequence(const std::vector<json>& items, const std::vector<json>& order, Ident ident) {
  size_t pos = 0;
  for (const auto& item : items) {
    json id = ident(item);
    while (pos < order.size() && ident(order[pos]) != id) ++pos;
    if (pos == order.size()) return false;
    ++pos;
  }
  return true;
}

class StrategicMerger {
 public:
  explicit StrategicMerger(const FieldTypes& types) : types_(types) {}

  // Merges `patch` (an object) into `live` at `path`; nullopt means the map is deleted.
  Result<std::optional<json>> MergeMap(json live, const json& patch, const FieldPath& path) const {
    if (auto d = patch.find(kPatchDirective); d != patch.end()) {
      if (*d == "delete") return std::optional<json>();
      if (*d == "replace") {
        live = json::object();
      } else if (*d != "merge") {
        return BadSmp("unknown patch type " + d->dump() + " in map at " + PathString(path) + ": " + patch.dump());
      }
    }
    if (!live.is_object()) live = json::object();

    if (auto rk = patch.find(kRetainKeysDirective); rk != patch.end()) {
      if (auto err = ApplyRetainKeys(live, *rk, patch, path)) return *err;
    }

    std::set<std::string> done;  // list fields already merged with their $setElementOrder
    for (auto it = patch.begin(); it != patch.end(); ++it) {
      if (!StartsWith(it.key(), kSetElementOrderPrefix)) continue;
      std::string field = it.key().substr(kSetElementOrderPrefix.size());
      if (field.empty()) return BadSmp("invalid patch format of setElementOrder list: " + it.key());
      if (!it->is_array()) {
        return BadSmp("invalid patch format of setElementOrder list: " + it.key() + " must be a list");
      }
      auto patch_list = patch.find(field);
      if (patch_list != patch.end() && !patch_list->is_array()) continue;  // null or a type change
      auto live_list = live.find(field);
      const json* live_ptr = (live_list != live.end() && live_list->is_array()) ? &*live_list : nullptr;
      const json* patch_ptr = patch_list != patch.end() ? &*patch_list : nullptr;
      if (live_ptr == nullptr && patch_ptr == nullptr) continue;
      auto merged = MergeList(live_ptr, patch_ptr, &*it, Child(path, field));
      if (!merged.ok()) return merged.error();
      live[field] = std::move(merged).value();
      done.insert(field);
    }

    for (auto it = patch.begin(); it != patch.end(); ++it) {
      const std::string& key = it.key();
      if (key == kPatchDirective || key == kRetainKeysDirective || StartsWith(key, kSetElementOrderPrefix) ||
          StartsWith(key, kDeleteFromPrimitiveListPrefix) || done.count(key) > 0) {
        continue;
      }
      if (it->is_null()) {
        live.erase(key);
        continue;
      }
      auto found = live.find(key);
      auto merged = MergeField(found != live.end() ? &*found : nullptr, *it, Child(path, key));
      if (!merged.ok()) return merged.error();
      if (merged.value().has_value()) {
        live[key] = std::move(*merged.value());
      } else {
        live.erase(key);
      }
    }

    for (auto it = patch.begin(); it != patch.end(); ++it) {
      if (!StartsWith(it.key(), kDeleteFromPrimitiveListPrefix)) continue;
      std::string field = it.key().substr(kDeleteFromPrimitiveListPrefix.size());
      if (field.empty() || !it->is_array()) {
        return BadSmp("invalid patch format of primitive list: " + it.key() + " must name a field and be a list");
      }
      auto found = live.find(field);
      if (found == live.end() || !found->is_array()) continue;
      json kept = json::array();
      for (const auto& v : *found) {
        if (std::find(it->begin(), it->end(), v) == it->end()) kept.push_back(v);
      }
      *found = std::move(kept);
    }
    return std::optional<json>(std::move(live));
  }

 private:
  // Applies `$retainKeys` to `live`, after checking every patched key is retained.
  static std::optional<ApiError> ApplyRetainKeys(json& live, const json& retain, const json& patch,
                                                 const FieldPath& path) {
    if (!retain.is_array()) return BadSmp("invalid patch format of retainKeys at " + PathString(path));
    std::set<std::string> keep;
    for (const auto& k : retain) {
      if (!k.is_string()) return BadSmp("invalid patch format of retainKeys at " + PathString(path));
      keep.insert(k.get<std::string>());
    }
    for (auto it = patch.begin(); it != patch.end(); ++it) {
      if (it->is_null() || StartsWith(it.key(), "$")) continue;
      if (keep.count(it.key()) == 0) {
        return BadSmp("invalid patch format of retainKeys: field " + Quote(it.key()) + " at " + PathString(path) +
                      " is patched but not listed in $retainKeys");
      }
    }
    for (auto it = live.begin(); it != live.end();) {
      if (keep.count(it.key()) == 0) {
        it = live.erase(it);
      } else {
        ++it;
      }
    }
    return std::nullopt;
  }

  // Merges one patch value (not null) into the live value at `path` (nullptr: absent).
  Result<std::optional<json>> MergeField(const json* live, const json& patch, const FieldPath& path) const {
    if (patch.is_object()) {
      if (live != nullptr && live->is_object() && !types_.MapIsAtomic(path)) return MergeMap(*live, patch, path);
      return MergeMap(json::object(), patch, path);
    }
    if (patch.is_array()) {
      auto merged = MergeList(live != nullptr && live->is_array() ? live : nullptr, &patch, nullptr, path);
      if (!merged.ok()) return merged.error();
      return std::optional<json>(std::move(merged).value());
    }
    return std::optional<json>(patch);
  }

  // A new list element (no live counterpart): directives stripped, nulls dropped.
  Result<json> FreshElement(const json& element, const FieldPath& path) const {
    if (!element.is_object()) return element;
    auto fresh = MergeMap(json::object(), element, path);
    if (!fresh.ok()) return fresh.error();
    return fresh.value().value_or(json::object());
  }

  // Merges the list `patch` (nullptr: reorder only) into `live` (nullptr: absent) at `path`;
  // `order` is the $setElementOrder list, if any.
  Result<json> MergeList(const json* live, const json* patch, const json* order, const FieldPath& path) const {
    const ListType type = types_.ListAt(path);
    bool replace = false;
    std::vector<json> deletes;
    std::vector<json> plain;
    if (patch != nullptr) {
      for (const auto& e : *patch) {
        auto d = e.is_object() ? e.find(kPatchDirective) : e.end();
        if (!e.is_object() || d == e.end()) {
          plain.push_back(e);
        } else if (*d == "replace") {
          replace = true;
        } else if (*d == "delete") {
          deletes.push_back(e);
        } else if (*d == "merge") {
          if (e.size() > 1) plain.push_back(e);  // an element carrying an explicit merge
        } else {
          return BadSmp("unknown patch type " + d->dump() + " in list " + PathString(path) + ": " + e.dump());
        }
      }
    }
    const json empty = json::array();
    const json& live_list = live != nullptr ? *live : empty;

    if (type.kind == ListKind::kAtomic || (type.kind == ListKind::kMap && type.keys.empty())) {
      if (patch == nullptr) return live_list;
      json out = json::array();
      for (const auto& e : plain) {
        auto fresh = FreshElement(e, path);
        if (!fresh.ok()) return fresh.error();
        out.push_back(std::move(fresh).value());
      }
      return out;
    }

    bool maps = false, scalars = false;
    for (const auto& e : live_list) (e.is_object() ? maps : scalars) = true;
    for (const auto& e : plain) (e.is_object() ? maps : scalars) = true;
    if (maps && scalars) {
      return InvalidSmp("cannot merge list " + PathString(path) + ": it mixes objects and other values");
    }

    if (type.kind == ListKind::kSet || !maps) return MergeSet(live_list, patch, plain, replace, order, path);
    return MergeMapList(live_list, patch, plain, deletes, replace, order, path, type.keys[0]);
  }

  Result<json> MergeSet(const json& live, const json* patch, const std::vector<json>& plain, bool replace,
                        const json* order, const FieldPath& path) const {
    json merged = json::array();
    auto add = [&merged](const json& v) {
      if (std::find(merged.begin(), merged.end(), v) == merged.end()) merged.push_back(v);
    };
    if (!replace) {
      for (const auto& v : live) add(v);
    }
    for (const auto& v : plain) add(v);
    if (replace) return merged;
    return Ordered(merged, plain, order, live, patch, path, [](const json& v) { return v; });
  }

  Result<json> MergeMapList(const json& live, const json* patch, const std::vector<json>& plain,
                            const std::vector<json>& deletes, bool replace, const json* order, const FieldPath& path,
                            const std::string& key) const {
    auto missing_key = [&](const json& e) {
      return InvalidSmp("map: " + e.dump() + " does not contain declared merge key: " + key + " (list " +
                        PathString(path) + ")");
    };
    json merged = replace ? json::array() : live;
    if (!replace) {
      for (const auto& d : deletes) {
        auto k = d.find(key);
        if (k == d.end()) return missing_key(d);
        json kept = json::array();
        for (const auto& e : merged) {
          if (!(e.is_object() && e.contains(key) && e.at(key) == *k)) kept.push_back(e);
        }
        merged = std::move(kept);
      }
    }
    for (const auto& p : plain) {
      auto k = p.find(key);
      if (k == p.end()) return missing_key(p);
      auto match = std::find_if(merged.begin(), merged.end(),
                                [&](const json& e) { return e.is_object() && e.contains(key) && e.at(key) == *k; });
      if (match != merged.end()) {
        auto m = MergeMap(*match, p, path);
        if (!m.ok()) return m.error();
        *match = m.value().value_or(json::object());
      } else {
        auto fresh = FreshElement(p, path);
        if (!fresh.ok()) return fresh.error();
        merged.push_back(std::move(fresh).value());
      }
    }
    if (replace) return merged;
    auto ident = [&key](const json& e) { return e.is_object() ? e.value(key, json()) : json(); };
    if (order != nullptr) {
      for (const auto& o : *order) {
        if (!o.is_object() || !o.contains(key)) {
          return BadSmp("invalid patch format of setElementOrder list for " + PathString(path) + ": element " +
                        o.dump() + " lacks merge key " + key);
        }
      }
    }
    return Ordered(merged, plain, order, live, patch, path, ident);
  }

  // Orders a merged list: by the patch's $setElementOrder list when it has one, else by the
  // patch's own order; live-only elements keep their live position.
  template <typename Ident>
  Result<json> Ordered(const json& merged, const std::vector<json>& plain, const json* order, const json& live,
                       const json* patch, const FieldPath& path, Ident ident) const {
    if (order != nullptr) {
      std::vector<json> order_items(order->begin(), order->end());
      if (!IsSubsequence(plain, order_items, ident)) {
        return BadSmp("the order in the patch list " + json(plain).dump() + " of " + PathString(path) +
                      " doesn't match its $setElementOrder list " + order->dump());
      }
      return OrderList(merged, order_items, live, ident);
    }
    if (patch == nullptr) return merged;
    return OrderList(merged, plain, live, ident);
  }

  const FieldTypes& types_;
};

}  // namespace

Result<json> ApplyMergePatch(const json& target, const json& patch) { return MergePatchValue(target, patch); }

Result<json> ApplyJsonPatch(const json& target, const json& patch) {
  auto ops = ParseJsonPatch(patch);
  if (!ops.ok()) return ops.error();
  json doc = target;
  for (const auto& op : ops.value()) {
    std::string err = ApplyOp(doc, op);
    if (!err.empty()) {
      std::string where = op.name + " " + Quote(op.path);
      if (op.kind == OpKind::kMove || op.kind == OpKind::kCopy) where += " from " + Quote(op.from);
      return ApiError::Invalid(
          "the JSON patch could not be applied: operation " + std::to_string(op.index) + " (" + where + "): " + err, {});
    }
  }
  return doc;
}

Result<json> ApplyStrategicMergePatch(const json& target, const json& patch, const FieldTypes& types) {
  if (!patch.is_object()) {
    return ApiError::BadRequest(std::string("invalid strategic merge patch: the document must be a JSON object, got ") +
                                patch.type_name());
  }
  StrategicMerger merger(types);
  auto merged = merger.MergeMap(target.is_object() ? target : json::object(), patch, {});
  if (!merged.ok()) return merged.error();
  return merged.value().value_or(json::object());
}

}  // namespace kubesim
