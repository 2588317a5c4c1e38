// patch.h — the three PATCH body formats the API server accepts, as pure functions on JSON.
//
//   application/merge-patch+json            ApplyMergePatch          (RFC 7386)
//   application/json-patch+json             ApplyJsonPatch           (RFC 6902)
//   application/strategic-merge-patch+json  ApplyStrategicMergePatch (Kubernetes SMP)
//
// None of them looks at apiVersion/kind/metadata semantics (resourceVersion checks, immutable
// fields, defaulting): the caller patches the stored object, then validates and stores the result.
//
// Errors (as the API server reports them):
//   - a malformed patch document (JSON patch not an array, unknown op, missing "path"/"value",
//     bad pointer syntax; SMP body not an object, malformed directive) is 400 BadRequest;
//   - a well-formed patch that cannot be applied (JSON patch path missing, index out of range,
//     failed "test"; SMP list element without its merge key) is 422 Invalid.
//
// Strategic merge patch, in short (see ApplyStrategicMergePatch for the directives):
//   - maps merge recursively; a null value deletes the key;
//   - a list merges according to `types.ListAt(path)`: atomic lists are replaced, map lists are
//     merged element by element on the merge key (keys[0]), primitive sets are unioned;
//   - element order follows Kubernetes: `$setElementOrder/<list>` (or, failing that, the order
//     of the patch list) orders the patched elements; live-only elements keep their relative
//     place against them.
//
// Usage:
//   Result<nlohmann::json> r = ApplyStrategicMergePatch(
//       live, nlohmann::json::parse(body), BuiltinFieldTypes("apps", "Deployment"));
//   if (!r.ok()) return r.error();
//   nlohmann::json patched = std::move(r).value();
#pragma once

#include <nlohmann/json.hpp>

#include "api_error.h"
#include "field_types.h"

namespace kubesim {

// RFC 7386 JSON merge patch: an object patch merges into the target (null deletes a member,
// a non-object target is treated as {}); any other patch value replaces the target. Never fails.
Result<nlohmann::json> ApplyMergePatch(const nlohmann::json& target, const nlohmann::json& patch);

// RFC 6902 JSON patch: `patch` is an array of operations (add, remove, replace, move, copy,
// test) applied in order to a copy of `target`; JSON pointers use ~0 / ~1 escapes and "-" for
// the end of an array. All or nothing: on any error the target is unchanged.
Result<nlohmann::json> ApplyJsonPatch(const nlohmann::json& target, const nlohmann::json& patch);

// Kubernetes strategic merge patch of `target` (an object) by `patch` (an object).
// Directives (never copied to the result):
//   {"$patch": "replace"}                in a map: the map becomes the rest of the patch map;
//                                        as a list element: the list becomes the other elements
//   {"$patch": "delete"}                 in a map: the map is removed (the whole object at the
//                                        root gives {}); as a map-list element
//                                        {"$patch": "delete", "<key>": v}: removes that element
//   {"$patch": "merge"}                  the default; accepted and ignored
//   "$deleteFromPrimitiveList/<f>": [..] removes those values from the primitive list f
//   "$setElementOrder/<f>": [..]         the desired order of list f (maps carry only the key)
//   "$retainKeys": [..]                  keys of this map not listed are cleared
Result<nlohmann::json> ApplyStrategicMergePatch(const nlohmann::json& target, const nlohmann::json& patch,
                                                const FieldTypes& types);

}  // namespace kubesim
