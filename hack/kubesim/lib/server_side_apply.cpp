// server_side_apply.cpp — see server_side_apply.h.
#include "server_side_apply.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "field_set.h"

namespace kubesim {

using nlohmann::json;

namespace {

constexpr std::string_view kApply = "Apply";
constexpr std::string_view kBeforeFirstApply = "before-first-apply";
constexpr std::string_view kLastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

// Fields the server sets; nobody owns them (with everything below them).
constexpr std::array<std::string_view, 2> kServerOwnedTopLevel = {"apiVersion", "kind"};
constexpr std::array<std::string_view, 11> kServerOwnedMetadata = {
    "name",       "namespace",       "uid",          "resourceVersion",   "generation",
    "selfLink",   "creationTimestamp", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds",
    "clusterName"};

// --- Ownership bookkeeping ---------------------------------------------------------------------

FieldSet ServerOwnedFields() {
  FieldSet out;
  for (std::string_view f : kServerOwnedTopLevel) out.Insert({PathElement::Field(f)});
  for (std::string_view f : kServerOwnedMetadata) {
    out.Insert({PathElement::Field("metadata"), PathElement::Field(f)});
  }
  return out;
}

// `fields` without anything the server owns (and without "metadata" itself, set by `metadata: {}`).
FieldSet WithoutServerOwned(const FieldSet& fields) {
  FieldSet out = fields.WithoutSubtrees(ServerOwnedFields());
  out.Erase({PathElement::Field("metadata")});
  return out;
}

// The fields of `obj` a manager can own.
FieldSet OwnableFields(const json& obj, const FieldTypes& types) {
  return WithoutServerOwned(FieldSetOf(obj, types));
}

// `obj` without metadata.managedFields.
json WithoutManagedFields(json obj) {
  auto meta = obj.find("metadata");
  if (meta != obj.end() && meta->is_object()) meta->erase("managedFields");
  return obj;
}

// One metadata.managedFields entry, decoded.
struct Entry {
  std::string manager;
  std::string operation;
  std::string api_version;
  std::string time;
  std::string subresource;
  FieldSet fields;

  // Whether `other` is the same manager: appliers are one manager whatever version they use;
  // updaters are one per version (as the apiserver's manager identifier).
  bool SameManager(const Entry& other) const {
    return manager == other.manager && operation == other.operation && subresource == other.subresource &&
           (operation == kApply || api_version == other.api_version);
  }

  // How conflict messages name the manager: "\"kubectl\"", "\"kcm\" using apps/v1".
  std::string Label() const {
    std::string out = json(manager).dump();
    if (!subresource.empty()) out += " with subresource " + json(subresource).dump();
    if (operation != kApply) out += " using " + api_version;
    return out;
  }
};

std::string StringField(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Decodes a managedFields list; nullopt when it is malformed. Entries naming the same manager
// are merged.
std::optional<std::vector<Entry>> DecodeEntries(const json& managed_fields) {
  if (!managed_fields.is_array()) return std::nullopt;
  std::vector<Entry> out;
  for (const json& item : managed_fields) {
    if (!item.is_object()) return std::nullopt;
    Entry e{StringField(item, "manager"), StringField(item, "operation"), StringField(item, "apiVersion"),
            StringField(item, "time"),    StringField(item, "subresource"), FieldSet()};
    std::string fields_type = StringField(item, "fieldsType");
    if (!fields_type.empty() && fields_type != "FieldsV1") return std::nullopt;
    if (auto v1 = item.find("fieldsV1"); v1 != item.end() && !v1->is_null()) {
      Result<FieldSet> fields = FieldSet::FromFieldsV1(*v1);
      if (!fields.ok()) return std::nullopt;
      e.fields = std::move(fields).value();
    }
    auto same = std::find_if(out.begin(), out.end(), [&](const Entry& o) { return o.SameManager(e); });
    if (same == out.end()) {
      out.push_back(std::move(e));
    } else {
      same->fields = same->fields.Union(e.fields);
      same->time = std::max(same->time, e.time);
    }
  }
  return out;
}

std::vector<Entry> DecodeEntriesOf(const json& obj) {
  auto meta = obj.find("metadata");
  if (meta == obj.end() || !meta->is_object()) return {};
  auto mf = meta->find("managedFields");
  if (mf == meta->end()) return {};
  return DecodeEntries(*mf).value_or(std::vector<Entry>{});
}

// Drops entries owning nothing or only fields `obj` no longer has, and writes the rest to
// obj.metadata.managedFields in the apiserver's order (operation, time, manager, version).
void StoreEntries(json& obj, const FieldTypes& types, std::vector<Entry> entries) {
  FieldSet existing = FieldSetOf(obj, types).WithAncestors();
  std::vector<Entry> kept;
  for (Entry& e : entries) {
    e.fields = e.fields.Intersection(existing);
    if (!e.fields.Empty()) kept.push_back(std::move(e));
  }
  std::stable_sort(kept.begin(), kept.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.operation, a.time, a.manager, a.api_version, a.subresource) <
           std::tie(b.operation, b.time, b.manager, b.api_version, b.subresource);
  });
  if (kept.empty()) {
    auto meta = obj.find("metadata");
    if (meta != obj.end() && meta->is_object()) meta->erase("managedFields");
    return;
  }
  json list = json::array();
  for (const Entry& e : kept) {
    json item = {{"manager", e.manager},
                 {"operation", e.operation},
                 {"apiVersion", e.api_version},
                 {"fieldsType", "FieldsV1"},
                 {"fieldsV1", e.fields.ToFieldsV1()}};
    if (!e.time.empty()) item["time"] = e.time;
    if (!e.subresource.empty()) item["subresource"] = e.subresource;
    list.push_back(std::move(item));
  }
  obj["metadata"]["managedFields"] = std::move(list);
}

// --- Merging the applied configuration ---------------------------------------------------------

json MergeValues(const json* live, const json& applied, FieldPath& type_path, const FieldTypes& types);

// Merges two granular lists of the same kind. Elements both sides have are merged and appear in
// the applied order; elements only live has stay where they were; elements only the applied
// config has come just before the next shared element that follows them in the applied list.
json MergeLists(const json& live, const json& applied, const ListType& type, FieldPath& type_path,
                const FieldTypes& types) {
  const std::size_t n = applied.size();
  std::vector<PathElement> names;
  std::map<PathElement, std::size_t> first_applied;
  for (std::size_t i = 0; i < n; ++i) {
    names.push_back(*ListItemElement(applied[i], type));
    first_applied.emplace(names.back(), i);
  }
  std::vector<const json*> live_match(n, nullptr);
  for (const json& item : live) {
    auto it = first_applied.find(*ListItemElement(item, type));
    if (it != first_applied.end() && live_match[it->second] == nullptr) live_match[it->second] = &item;
  }

  json out = json::array();
  std::vector<bool> emitted(n, false);
  auto emit = [&](std::size_t i) {
    emitted[i] = true;
    if (first_applied.at(names[i]) != i) return;  // a repeated set value
    out.push_back(type.kind == ListKind::kMap ? MergeValues(live_match[i], applied[i], type_path, types)
                                              : applied[i]);
  };
  std::size_t next = 0;
  for (const json& item : live) {
    auto it = first_applied.find(*ListItemElement(item, type));
    if (it == first_applied.end()) {
      out.push_back(item);
      continue;
    }
    if (emitted[it->second]) continue;
    while (next < n) {
      std::size_t i = next++;
      if (emitted[i]) continue;
      emit(i);
      if (live_match[i] != nullptr) break;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!emitted[i]) emit(i);
  }
  return out;
}

// `applied` merged into `live` (nullptr: absent). A null in the applied config removes the field.
json MergeValues(const json* live, const json& applied, FieldPath& type_path, const FieldTypes& types) {
  if (applied.is_object()) {
    if (!type_path.empty() && types.MapIsAtomic(type_path)) return applied;
    json out = live != nullptr && live->is_object() ? *live : json::object();
    for (const auto& [key, value] : applied.items()) {
      if (value.is_null()) {
        out.erase(key);
        continue;
      }
      auto existing = out.find(key);
      type_path.push_back(key);
      json merged = MergeValues(existing != out.end() ? &*existing : nullptr, value, type_path, types);
      type_path.pop_back();
      out[key] = std::move(merged);
    }
    return out;
  }
  if (applied.is_array()) {
    ListType type = EffectiveListType(applied, type_path, types);
    if (type.kind == ListKind::kAtomic) return applied;
    if (live != nullptr && live->is_array()) {
      if (EffectiveListType(*live, type_path, types).kind != type.kind) return applied;
      return MergeLists(*live, applied, type, type_path, types);
    }
    return MergeLists(json::array(), applied, type, type_path, types);
  }
  return applied;
}

// The first map-list in `value` holding two elements with the same key, as
// ".spec.containers: duplicate entries for key [name=\"web\"]".
std::optional<std::string> FindDuplicateKey(const json& value, SetPath& at, FieldPath& type_path,
                                            const FieldTypes& types) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      at.push_back(PathElement::Field(key));
      type_path.push_back(key);
      std::optional<std::string> found = FindDuplicateKey(child, at, type_path, types);
      type_path.pop_back();
      at.pop_back();
      if (found) return found;
    }
    return std::nullopt;
  }
  if (!value.is_array()) return std::nullopt;
  ListType type = EffectiveListType(value, type_path, types);
  if (type.kind != ListKind::kMap) return std::nullopt;
  std::map<PathElement, int> seen;
  for (const json& item : value) {
    PathElement name = *ListItemElement(item, type);
    if (++seen[name] > 1) return PathToString(at) + ": duplicate entries for key " + name.ToString();
    at.push_back(name);
    std::optional<std::string> found = FindDuplicateKey(item, at, type_path, types);
    at.pop_back();
    if (found) return found;
  }
  return std::nullopt;
}

// --- Removing and comparing fields -------------------------------------------------------------

// Removes the field or list element at `path` from `obj`; a path that is not there is ignored.
void RemovePath(json& obj, const SetPath& path, const FieldTypes& types) {
  json* node = &obj;
  FieldPath type_path;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const PathElement& step = path[i];
    const bool last = i + 1 == path.size();
    if (step.IsField()) {
      if (!node->is_object()) return;
      auto it = node->find(step.FieldName());
      if (it == node->end()) return;
      if (last) {
        node->erase(it);
        return;
      }
      node = &*it;
      type_path.push_back(step.FieldName());
      continue;
    }
    if (!node->is_array()) return;
    ListType type = EffectiveListType(*node, type_path, types);
    std::optional<std::size_t> index;
    for (std::size_t j = 0; j < node->size() && !index; ++j) {
      if (step.IsIndex() ? static_cast<int>(j) == step.IndexValue()
                         : ListItemElement((*node)[j], type) == step) {
        index = j;
      }
    }
    if (!index) return;
    if (last) {
      node->erase(*index);
      return;
    }
    node = &(*node)[*index];
  }
}

// True when `path` names a key field of a map-list element ("name" under k:{"name":..}); such a
// field goes only with its element.
bool IsListKeyField(const SetPath& path) {
  if (path.size() < 2 || !path.back().IsField() || !path[path.size() - 2].IsKey()) return false;
  return path[path.size() - 2].KeyFields().contains(path.back().FieldName());
}

void Diff(const json* before, const json& after, SetPath& at, FieldPath& type_path, const FieldTypes& types,
          FieldSet& changed);

void AddAll(FieldSet& into, const FieldSet& more) {
  for (const SetPath& p : more.Paths()) into.Insert(p);
}

void DiffMapFields(const json& before, const json& after, SetPath& at, FieldPath& type_path,
                   const FieldTypes& types, FieldSet& changed) {
  for (const auto& [key, value] : after.items()) {
    auto it = before.find(key);
    at.push_back(PathElement::Field(key));
    type_path.push_back(key);
    Diff(it != before.end() ? &*it : nullptr, value, at, type_path, types, changed);
    type_path.pop_back();
    at.pop_back();
  }
}

// Adds to `changed` the fields of `after` that `before` (nullptr: absent) lacks or holds with a
// different value: leaves as FieldSetOf sees them, plus `at` itself when a value changed shape.
// Fields only `before` has are not reported.
void Diff(const json* before, const json& after, SetPath& at, FieldPath& type_path, const FieldTypes& types,
          FieldSet& changed) {
  if (before == nullptr) {
    AddAll(changed, FieldSetOf(after, types, at, type_path));
    return;
  }
  if (before->is_object() && after.is_object() && (at.empty() || !types.MapIsAtomic(type_path))) {
    DiffMapFields(*before, after, at, type_path, types, changed);
    return;
  }
  if (before->is_array() && after.is_array()) {
    ListType type = EffectiveListType(after, type_path, types);
    if (type.kind != ListKind::kAtomic && EffectiveListType(*before, type_path, types).kind == type.kind) {
      for (const json& item : after) {
        PathElement name = *ListItemElement(item, type);
        auto match = std::find_if(before->begin(), before->end(),
                                  [&](const json& b) { return ListItemElement(b, type) == name; });
        if (match == before->end()) {
          AddAll(changed, FieldSetOf(json::array({item}), types, at, type_path));
        } else if (type.kind == ListKind::kMap) {
          at.push_back(name);
          DiffMapFields(*match, item, at, type_path, types, changed);
          at.pop_back();
        }
      }
      return;
    }
  }
  if (*before != after) {
    changed.Insert(at);
    AddAll(changed, FieldSetOf(after, types, at, type_path));
  }
}

FieldSet ChangedFields(const json* before, const json& after, const FieldTypes& types) {
  FieldSet changed;
  SetPath at;
  FieldPath type_path;
  Diff(before, after, at, type_path, types, changed);
  return WithoutServerOwned(changed);
}

// --- Conflicts ---------------------------------------------------------------------------------

struct Conflict {
  std::string manager_label;
  SetPath path;
};

ApiError ConflictError(std::vector<Conflict> conflicts) {
  std::sort(conflicts.begin(), conflicts.end(), [](const Conflict& a, const Conflict& b) {
    return std::tie(a.manager_label, a.path) < std::tie(b.manager_label, b.path);
  });
  std::vector<StatusCause> causes;
  for (const Conflict& c : conflicts) {
    causes.push_back({"FieldManagerConflict", "conflict with " + c.manager_label, PathToString(c.path)});
  }
  std::string message;
  if (conflicts.size() == 1) {
    message = "Apply failed with 1 conflict: conflict with " + conflicts[0].manager_label + ": " +
              PathToString(conflicts[0].path);
  } else {
    message = "Apply failed with " + std::to_string(conflicts.size()) + " conflicts: ";
    std::string current;
    bool first = true;
    for (const Conflict& c : conflicts) {
      if (first || c.manager_label != current) {
        if (!first) message += "\n";
        message += "conflicts with " + c.manager_label + ":";
        current = c.manager_label;
        first = false;
      }
      message += "\n- " + PathToString(c.path);
    }
  }
  ApiError err = ApiError::Conflict(std::move(message));
  err.causes = std::move(causes);
  return err;
}

// kubectl's server-side apply keeps a client-side-apply annotation, when the object has one, in
// step with what was applied (as the apiserver does for the manager "kubectl").
void SyncLastApplied(json& obj, const json& applied) {
  auto meta = obj.find("metadata");
  if (meta == obj.end() || !meta->is_object()) return;
  auto annotations = meta->find("annotations");
  if (annotations == meta->end() || !annotations->is_object() ||
      !annotations->contains(kLastAppliedAnnotation)) {
    return;
  }
  json config = applied;
  if (auto m = config.find("metadata"); m != config.end() && m->is_object()) {
    if (auto a = m->find("annotations"); a != m->end() && a->is_object()) a->erase(std::string(kLastAppliedAnnotation));
  }
  (*annotations)[std::string(kLastAppliedAnnotation)] = config.dump() + "\n";
}

}  // namespace

// --- Server-side apply -------------------------------------------------------------------------

Result<json> ServerSideApply(const json* live, const json& applied, const ApplyOptions& opts,
                             const FieldTypes& types) {
  if (opts.manager.empty()) return ApiError::BadRequest("fieldManager is required for apply requests");
  if (!applied.is_object()) return ApiError::BadRequest("apply configuration must be an object");
  if (auto meta = applied.find("metadata"); meta != applied.end() && meta->is_object()) {
    if (auto mf = meta->find("managedFields"); mf != meta->end() && !mf->is_null()) {
      return ApiError::BadRequest("metadata.managedFields must be nil");
    }
  }
  {
    SetPath at;
    FieldPath type_path;
    if (std::optional<std::string> dup = FindDuplicateKey(applied, at, type_path, types)) {
      return ApiError::BadRequest("failed to create typed patch object: " + *dup);
    }
  }

  const json base = live != nullptr ? WithoutManagedFields(*live) : json::object();
  std::vector<Entry> entries;
  if (live != nullptr) {
    entries = DecodeEntriesOf(*live);
    // An object nobody tracked yet: whoever wrote it owns what is there.
    if (entries.empty()) {
      entries.push_back(Entry{std::string(kBeforeFirstApply), "Update", opts.api_version, opts.now_rfc3339,
                              "", OwnableFields(base, types)});
    }
  }

  FieldPath root_path;
  json merged = MergeValues(&base, applied, root_path, types);
  const FieldSet applied_fields = OwnableFields(applied, types);
  const Entry me{opts.manager, std::string(kApply), opts.api_version, opts.now_rfc3339, opts.subresource, {}};
  auto self = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.SameManager(me); });
  const bool first_apply = self == entries.end();
  const FieldSet previously_applied = first_apply ? FieldSet() : self->fields;

  // Fields applied last time and not now go, unless someone (the applier included) still owns
  // them or something below them.
  FieldSet still_owned = applied_fields;
  for (const Entry& e : entries) {
    if (!e.SameManager(me)) still_owned = still_owned.Union(e.fields);
  }
  const FieldSet dropped = previously_applied.Difference(applied_fields);
  for (auto it = dropped.Paths().rbegin(); it != dropped.Paths().rend(); ++it) {
    if (still_owned.HasPrefix(*it) || IsListKeyField(*it)) continue;
    RemovePath(merged, *it, types);
  }

  // Changing a field someone else owns is a conflict; with force the applier takes it over.
  const FieldSet changed = ChangedFields(&base, merged, types);
  std::vector<Conflict> conflicts;
  for (Entry& e : entries) {
    if (e.SameManager(me)) continue;
    FieldSet theirs = e.fields.Intersection(changed);
    for (const SetPath& p : theirs.Paths()) conflicts.push_back({e.Label(), p});
    e.fields = e.fields.Difference(theirs);
  }
  if (!conflicts.empty() && !opts.force) return ConflictError(std::move(conflicts));

  const bool object_changed = merged != base;
  if (first_apply) {
    entries.push_back(me);
    self = std::prev(entries.end());
  }
  self->fields = applied_fields;
  self->api_version = opts.api_version;
  if (object_changed || first_apply) self->time = opts.now_rfc3339;
  StoreEntries(merged, types, std::move(entries));
  if (opts.manager == "kubectl") SyncLastApplied(merged, applied);
  return merged;
}

// --- Non-apply writes --------------------------------------------------------------------------

json UpdateManagedFields(const json* old_obj, json new_obj, const std::string& manager,
                         const std::string& operation, const std::string& now, const std::string& api_version,
                         const FieldTypes& types, const std::string& subresource) {
  if (!new_obj.is_object()) return new_obj;

  // Where the record starts: what the client sent, if it sent one on purpose, else the old one.
  std::optional<std::vector<Entry>> entries;
  if (auto meta = new_obj.find("metadata"); meta != new_obj.end() && meta->is_object()) {
    if (auto mf = meta->find("managedFields"); mf != meta->end() && mf->is_array() && !mf->empty()) {
      if (mf->size() == 1 && mf->front().is_object() && mf->front().empty()) {
        meta->erase(mf);  // [{}]: the documented way to strip managedFields
        return new_obj;
      }
      entries = DecodeEntries(*mf);
      if (entries && entries->empty()) entries.reset();
    }
  }
  if (!entries) entries = old_obj != nullptr ? DecodeEntriesOf(*old_obj) : std::vector<Entry>{};

  json content = WithoutManagedFields(new_obj);
  std::optional<json> old_content;
  if (old_obj != nullptr) old_content = WithoutManagedFields(*old_obj);
  const FieldSet changed = ChangedFields(old_content ? &*old_content : nullptr, content, types);
  const FieldSet taken = changed.Intersection(OwnableFields(content, types));

  const Entry me{manager, operation, api_version, now, subresource, {}};
  for (Entry& e : *entries) {
    if (!e.SameManager(me)) e.fields = e.fields.Difference(changed);
  }
  if (!taken.Empty()) {
    auto self = std::find_if(entries->begin(), entries->end(), [&](const Entry& e) { return e.SameManager(me); });
    if (self == entries->end()) {
      entries->push_back(me);
      self = std::prev(entries->end());
    }
    self->fields = self->fields.Union(taken);
    self->time = now;
    self->api_version = api_version;
  }
  StoreEntries(content, types, std::move(*entries));
  return content;
}

}  // namespace kubesim
