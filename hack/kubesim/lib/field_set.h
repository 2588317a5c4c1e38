// field_set.h — sets of field paths, the unit of ownership in server-side apply.
//
// A FieldSet holds paths into an object. Each step of a path is a PathElement spelled the way
// `metadata.managedFields[].fieldsV1` spells it:
//   "f:spec"                      a map field
//   "k:{\"name\":\"web\"}"        an element of a map-list, by its key fields (compact JSON,
//                                 keys sorted)
//   "v:\"foo\""                   an element of a set (list of primitives), by its value
//   "i:3"                         a list index (parsed and printed; never produced here, since
//                                 atomic lists are owned whole)
// A path is "in" the set when it is a member; its prefixes are not members unless inserted.
// In fieldsV1 a member that also has members below it carries a "." child.
//
// FieldSetOf() computes the fields an object sets, given how its lists and maps merge
// (FieldTypes): scalars, atomic lists and atomic maps are leaf members; empty maps are members;
// every map-list element and set value is a member; granular maps and lists are not members
// themselves, only their contents.
//
// Usage:
//   FieldSet owned = FieldSetOf(deployment, types);
//   nlohmann::json v1 = owned.ToFieldsV1();       // {"f:spec":{"f:replicas":{}}, ...}
//   Result<FieldSet> back = FieldSet::FromFieldsV1(v1);
//   FieldSet mine = owned.Difference(back.value());
//   for (const SetPath& p : mine.Paths()) std::cout << PathToString(p) << "\n";
#pragma once

#include <compare>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_error.h"
#include "field_types.h"

namespace kubesim {

// One step of a field path, kept in its fieldsV1 spelling (which is also its identity).
class PathElement {
 public:
  static PathElement Field(std::string_view name);
  // `key_fields` is an object of the element's key fields, e.g. {"name":"web"}.
  static PathElement Key(const nlohmann::json& key_fields);
  static PathElement Value(const nlohmann::json& value);
  static PathElement Index(int index);
  // Parses "f:..", "k:{..}", "v:..", "i:N"; nullopt for anything else (including ".").
  static std::optional<PathElement> Parse(std::string_view encoded);

  bool IsField() const { return encoded_.starts_with("f:"); }
  bool IsKey() const { return encoded_.starts_with("k:"); }
  bool IsValue() const { return encoded_.starts_with("v:"); }
  bool IsIndex() const { return encoded_.starts_with("i:"); }

  // The field name (IsField), key object (IsKey), value (IsValue) or index (IsIndex).
  std::string FieldName() const { return encoded_.substr(2); }
  nlohmann::json KeyFields() const;
  nlohmann::json Val() const;
  int IndexValue() const;

  const std::string& encoded() const { return encoded_; }
  // The apiserver's spelling inside a path: ".spec", "[name=\"web\"]", "[=\"foo\"]", "[3]".
  std::string ToString() const;

  auto operator<=>(const PathElement&) const = default;

 private:
  explicit PathElement(std::string encoded) : encoded_(std::move(encoded)) {}
  std::string encoded_;
};

using SetPath = std::vector<PathElement>;

// ".spec.template.spec.containers[name=\"web\"].image", as in apply conflict messages.
std::string PathToString(const SetPath& path);

class FieldSet {
 public:
  FieldSet() = default;

  void Insert(SetPath path);
  void Erase(const SetPath& path) { paths_.erase(path); }
  bool Has(const SetPath& path) const { return paths_.count(path) > 0; }
  // True when `path` or any path below it is a member.
  bool HasPrefix(const SetPath& path) const;
  bool Empty() const { return paths_.empty(); }
  std::size_t Size() const { return paths_.size(); }
  // Members in order; a path comes before the paths below it.
  const std::set<SetPath>& Paths() const { return paths_; }

  FieldSet Union(const FieldSet& other) const;
  FieldSet Difference(const FieldSet& other) const;
  FieldSet Intersection(const FieldSet& other) const;
  // Members with no other member below them.
  FieldSet Leaves() const;
  // Members plus every non-empty prefix of a member ("all fields touched").
  FieldSet WithAncestors() const;
  // Members that are neither in `roots` nor below a member of `roots`.
  FieldSet WithoutSubtrees(const FieldSet& roots) const;

  // The fieldsV1 JSON object; an empty set gives {}.
  nlohmann::json ToFieldsV1() const;
  // Parses a fieldsV1 object; BadRequest on anything malformed.
  static Result<FieldSet> FromFieldsV1(const nlohmann::json& fields_v1);

  bool operator==(const FieldSet&) const = default;

 private:
  std::set<SetPath> paths_;
};

// How the list `list` at type path `path` is treated: its declared type, except that a
// map-list with an element that is not an object is treated as atomic.
ListType EffectiveListType(const nlohmann::json& list, const FieldPath& path, const FieldTypes& types);

// The path element naming `item` inside a list of type `type` (kMap: its key fields present in
// the item; kSet: its value). nullopt for atomic lists and for a map-list item that is not an
// object.
std::optional<PathElement> ListItemElement(const nlohmann::json& item, const ListType& type);

// The fields `value` sets. `at` is where `value` sits in the object (a member path prefix) and
// `type_path` the same place as FieldTypes names it (list elements elided); both empty for a
// whole object.
FieldSet FieldSetOf(const nlohmann::json& value, const FieldTypes& types, const SetPath& at = {},
                    const FieldPath& type_path = {});

}  // namespace kubesim
