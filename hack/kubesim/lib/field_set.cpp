// field_set.cpp — see field_set.h.
#include "field_set.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <utility>

namespace kubesim {

using nlohmann::json;

// --- PathElement ---------------------------------------------------------------------------

PathElement PathElement::Field(std::string_view name) { return PathElement("f:" + std::string(name)); }

PathElement PathElement::Key(const json& key_fields) { return PathElement("k:" + key_fields.dump()); }

PathElement PathElement::Value(const json& value) { return PathElement("v:" + value.dump()); }

PathElement PathElement::Index(int index) { return PathElement("i:" + std::to_string(index)); }

std::optional<PathElement> PathElement::Parse(std::string_view encoded) {
  if (encoded.size() < 2 || encoded[1] != ':') return std::nullopt;
  std::string_view rest = encoded.substr(2);
  switch (encoded[0]) {
    case 'f':
      return Field(rest);
    case 'k':
    case 'v': {
      json parsed = json::parse(rest, nullptr, /*allow_exceptions=*/false);
      if (parsed.is_discarded()) return std::nullopt;
      if (encoded[0] == 'k') {
        if (!parsed.is_object()) return std::nullopt;
        return Key(parsed);
      }
      return Value(parsed);
    }
    case 'i': {
      int index = 0;
      auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), index);
      if (ec != std::errc() || ptr != rest.data() + rest.size() || index < 0) return std::nullopt;
      return Index(index);
    }
    default:
      return std::nullopt;
  }
}

json PathElement::KeyFields() const {
  return IsKey() ? json::parse(encoded_.substr(2), nullptr, false) : json();
}

json PathElement::Val() const { return IsValue() ? json::parse(encoded_.substr(2), nullptr, false) : json(); }

int PathElement::IndexValue() const { return IsIndex() ? std::stoi(encoded_.substr(2)) : -1; }

std::string PathElement::ToString() const {
  if (IsField()) return "." + FieldName();
  if (IsValue()) return "[=" + encoded_.substr(2) + "]";
  if (IsIndex()) return "[" + encoded_.substr(2) + "]";
  std::string out = "[";
  bool first = true;
  const json key = KeyFields();
  for (const auto& [name, value] : key.items()) {
    if (!first) out += ",";
    first = false;
    out += name + "=" + value.dump();
  }
  return out + "]";
}

std::string PathToString(const SetPath& path) {
  std::string out;
  for (const PathElement& e : path) out += e.ToString();
  return out;
}

// --- FieldSet ------------------------------------------------------------------------------

namespace {

bool StartsWith(const SetPath& path, const SetPath& prefix) {
  return path.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

}  // namespace

void FieldSet::Insert(SetPath path) {
  if (!path.empty()) paths_.insert(std::move(path));
}

bool FieldSet::HasPrefix(const SetPath& path) const {
  auto it = paths_.lower_bound(path);
  return it != paths_.end() && StartsWith(*it, path);
}

FieldSet FieldSet::Union(const FieldSet& other) const {
  FieldSet out = *this;
  out.paths_.insert(other.paths_.begin(), other.paths_.end());
  return out;
}

FieldSet FieldSet::Difference(const FieldSet& other) const {
  FieldSet out;
  std::set_difference(paths_.begin(), paths_.end(), other.paths_.begin(), other.paths_.end(),
                      std::inserter(out.paths_, out.paths_.end()));
  return out;
}

FieldSet FieldSet::Intersection(const FieldSet& other) const {
  FieldSet out;
  std::set_intersection(paths_.begin(), paths_.end(), other.paths_.begin(), other.paths_.end(),
                        std::inserter(out.paths_, out.paths_.end()));
  return out;
}

FieldSet FieldSet::Leaves() const {
  // Paths below a member follow it immediately in order, so a member is a leaf exactly when
  // its successor does not extend it.
  FieldSet out;
  for (auto it = paths_.begin(); it != paths_.end(); ++it) {
    auto next = std::next(it);
    if (next == paths_.end() || !StartsWith(*next, *it)) out.paths_.insert(*it);
  }
  return out;
}

FieldSet FieldSet::WithAncestors() const {
  FieldSet out;
  for (const SetPath& p : paths_) {
    for (std::size_t n = 1; n <= p.size(); ++n) out.paths_.insert(SetPath(p.begin(), p.begin() + n));
  }
  return out;
}

FieldSet FieldSet::WithoutSubtrees(const FieldSet& roots) const {
  FieldSet out;
  for (const SetPath& p : paths_) {
    bool covered = false;
    for (std::size_t n = 1; n <= p.size() && !covered; ++n) {
      covered = roots.Has(SetPath(p.begin(), p.begin() + n));
    }
    if (!covered) out.paths_.insert(p);
  }
  return out;
}

json FieldSet::ToFieldsV1() const {
  json out = json::object();
  // Members come in order, a path before the paths below it. A node created while inserting a
  // path gets its child in the same pass, so an existing node that is still empty is a member
  // leaf: when something is inserted below it, it gains the "." marker.
  for (const SetPath& path : paths_) {
    json* node = &out;
    for (std::size_t i = 0; i < path.size(); ++i) {
      const std::string& key = path[i].encoded();
      auto it = node->find(key);
      if (it == node->end()) {
        node = &((*node)[key] = json::object());
        continue;
      }
      node = &*it;
      if (i + 1 < path.size() && node->empty()) (*node)["."] = json::object();
    }
  }
  return out;
}

namespace {

std::optional<std::string> ParseFieldsNode(const json& node, SetPath& at, FieldSet& out) {
  if (!node.is_object()) return "expected an object at " + (at.empty() ? "root" : PathToString(at));
  if (node.empty()) out.Insert(at);
  for (const auto& [key, child] : node.items()) {
    if (key == ".") {
      out.Insert(at);
      continue;
    }
    std::optional<PathElement> element = PathElement::Parse(key);
    if (!element) return "invalid path element " + json(key).dump();
    at.push_back(*element);
    std::optional<std::string> err = ParseFieldsNode(child, at, out);
    at.pop_back();
    if (err) return err;
  }
  return std::nullopt;
}

}  // namespace

Result<FieldSet> FieldSet::FromFieldsV1(const json& fields_v1) {
  FieldSet out;
  SetPath at;
  if (std::optional<std::string> err = ParseFieldsNode(fields_v1, at, out)) {
    return ApiError::BadRequest("invalid fieldsV1: " + *err);
  }
  return out;
}

// --- Computing an object's fields ------------------------------------------------------------

ListType EffectiveListType(const json& list, const FieldPath& path, const FieldTypes& types) {
  ListType type = types.ListAt(path);
  if (type.kind == ListKind::kMap) {
    bool malformed = type.keys.empty();
    for (const json& item : list) malformed = malformed || !item.is_object();
    if (malformed) return ListType{};
  }
  return type;
}

std::optional<PathElement> ListItemElement(const json& item, const ListType& type) {
  switch (type.kind) {
    case ListKind::kSet:
      return PathElement::Value(item);
    case ListKind::kMap: {
      if (!item.is_object()) return std::nullopt;
      json key = json::object();
      for (const std::string& k : type.keys) {
        auto it = item.find(k);
        if (it != item.end()) key[k] = *it;
      }
      return PathElement::Key(key);
    }
    case ListKind::kAtomic:
      break;
  }
  return std::nullopt;
}

namespace {

void Walk(const json& value, SetPath& at, FieldPath& type_path, const FieldTypes& types, FieldSet& out);

void WalkMapFields(const json& map, SetPath& at, FieldPath& type_path, const FieldTypes& types,
                   FieldSet& out) {
  for (const auto& [key, child] : map.items()) {
    at.push_back(PathElement::Field(key));
    type_path.push_back(key);
    Walk(child, at, type_path, types, out);
    type_path.pop_back();
    at.pop_back();
  }
}

void Walk(const json& value, SetPath& at, FieldPath& type_path, const FieldTypes& types, FieldSet& out) {
  if (value.is_object()) {
    if (!at.empty() && (value.empty() || types.MapIsAtomic(type_path))) {
      out.Insert(at);
      return;
    }
    WalkMapFields(value, at, type_path, types, out);
    return;
  }
  if (value.is_array()) {
    ListType type = EffectiveListType(value, type_path, types);
    if (type.kind == ListKind::kAtomic) {
      out.Insert(at);
      return;
    }
    for (const json& item : value) {
      at.push_back(*ListItemElement(item, type));
      out.Insert(at);
      if (type.kind == ListKind::kMap) WalkMapFields(item, at, type_path, types, out);
      at.pop_back();
    }
    return;
  }
  out.Insert(at);  // scalar or null
}

}  // namespace

FieldSet FieldSetOf(const json& value, const FieldTypes& types, const SetPath& at, const FieldPath& type_path) {
  FieldSet out;
  SetPath path = at;
  FieldPath tpath = type_path;
  Walk(value, path, tpath, types, out);
  return out;
}

}  // namespace kubesim
