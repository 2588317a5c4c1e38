// server_side_apply.h — server-side apply and metadata.managedFields.
//
// Every write records who set which fields in `metadata.managedFields`: one entry per manager
// and operation ("Apply" for server-side apply, "Update" for create/update/patch), each holding
// a FieldSet in fieldsV1 form. Server-side apply uses that record to
//   * merge the applied configuration into the live object (maps field by field, map-lists by
//     key, sets by value, atomic lists and maps replaced whole);
//   * remove the fields the applier applied last time but no longer does, unless another
//     manager also owns them;
//   * refuse (409 Conflict, one FieldManagerConflict cause per field) to change a field another
//     manager owns, unless `force`, in which case the applier takes it over.
// UpdateManagedFields gives the fields a non-apply write changed to that writer's Update entry,
// taking them from every other manager.
//
// Neither function touches fields the server owns: apiVersion, kind, metadata.name, namespace,
// uid, resourceVersion, generation, creationTimestamp, selfLink, deletionTimestamp,
// deletionGracePeriodSeconds and managedFields are never recorded as owned. Optimistic
// concurrency (a resourceVersion in the applied config), defaulting, validation, status/spec
// reset and the manager name derived from the user agent are the caller's job.
//
// Usage:
//   ApplyOptions opts{.manager = "kubectl", .force = false, .now_rfc3339 = clock.NowRfc3339(),
//                     .api_version = "apps/v1"};
//   Result<nlohmann::json> r = ServerSideApply(live_or_null, body, opts, types);
//   if (!r.ok()) return r.error();               // 409 Conflict, 400 BadRequest
//   store.Put(std::move(r).value());
//
//   nlohmann::json stored = UpdateManagedFields(&old_obj, new_obj, "kube-controller-manager",
//                                               "Update", now, "apps/v1", types);
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api_error.h"
#include "field_types.h"

namespace kubesim {

struct ApplyOptions {
  std::string manager;       // fieldManager; required
  bool force = false;        // ?force=true: take over conflicting fields
  std::string now_rfc3339;   // stamped on the applier's entry when the object changes
  std::string api_version;   // "apps/v1": the version the request was made in
  std::string subresource;   // "" or "status": recorded on the entry (optional)
};

// Applies `applied` (the request body, already decoded from YAML/JSON) to `live` (nullptr when
// the object does not exist yet) and returns the new object with metadata.managedFields set.
// When nothing changes, the result equals `live` exactly (timestamps included).
// Errors: 400 BadRequest (manager missing, body not an object, managedFields in the body,
// duplicate keys in a map-list), 409 Conflict (fields owned by other managers, without force).
Result<nlohmann::json> ServerSideApply(const nlohmann::json* live, const nlohmann::json& applied,
                                       const ApplyOptions& opts, const FieldTypes& types);

// Records a create (old_obj == nullptr), update or non-apply patch by `manager`: the fields that
// changed between old_obj and new_obj (every field on create) join the manager's `operation`
// entry (normally "Update"), stamped `now`, and leave every other manager's entry; fields that no
// longer exist leave every entry; empty entries are dropped.
// managedFields in new_obj, when non-empty and decodable, are taken as the starting record (a
// client rewriting them on purpose, e.g. kubectl migrating client-side apply); otherwise
// old_obj's are. new_obj managedFields of exactly [{}] strip the record entirely.
nlohmann::json UpdateManagedFields(const nlohmann::json* old_obj, nlohmann::json new_obj,
                                   const std::string& manager, const std::string& operation,
                                   const std::string& now, const std::string& api_version,
                                   const FieldTypes& types, const std::string& subresource = "");

}  // namespace kubesim
