// Ownership: the ownerReferences and labels every object the operator creates carries.
//
// Owned objects (Deployments, Jobs, ConfigMap snapshots, Ingresses, ...) get a controller owner
// reference to the JustDrivingEnvironment or JustDrivingRelease that made them, so the garbage
// collector deletes them with it and the controller's watches map them back, and the standard
// labels of /tmp/prompts/api-extra.md (app.kubernetes.io/* and justdriving.io/*).
//
// Usage:
//   auto ref = jd::rec::OwnerReference(environment);            // StatusOr<json>
//   nlohmann::json job = ...;
//   auto set = jd::rec::SetControllerOwner(job, release);       // adds/refreshes the ref
//   if (!set.ok()) return jd::TerminalError(set.error().message);
//   job["metadata"]["labels"] = jd::rec::StandardLabels("production", "migration", "2.14.0",
//                                                       "production-2-14-0");
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status_or.h"

namespace jd::rec {

// {apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true} of `owner` (a full
// object as read from the API server). Error when apiVersion, kind, metadata.name or metadata.uid
// is missing (an object that was never stored has no uid).
StatusOr<nlohmann::json> OwnerReference(const nlohmann::json& owner);

// The labels of an owned object, as a JSON object of strings:
//   app.kubernetes.io/name: justdriving          app.kubernetes.io/instance: <env>
//   app.kubernetes.io/component: <component>     app.kubernetes.io/version: <version>
//   app.kubernetes.io/managed-by: justdriving-operator
//   justdriving.io/environment: <env>            justdriving.io/release: <release>
// `component` is one of web|worker|scheduler|websockets|migration|backup|smoke-test (not checked
// here). An empty `component`, `version` or `release` leaves that label out (objects of the
// environment itself have no release). Values are made valid label values: characters outside
// [A-Za-z0-9._-] become '_' ("1.0.0+build.5" -> "1.0.0_build.5"), at most 63 characters, starting
// and ending alphanumeric.
nlohmann::json StandardLabels(std::string_view environment, std::string_view component,
                              std::string_view version, std::string_view release);

// A string made into a valid label value (see StandardLabels); "" stays "".
std::string LabelValue(std::string_view s);

// Makes `owner` the controller of `obj` (metadata.ownerReferences, created if missing). A
// reference with the owner's uid is replaced in place; other non-controller references are kept.
// Returns whether `obj` changed. Error when the owner reference cannot be built or `obj` already
// has a controller with another uid (Kubernetes allows one controller; taking over is not ours to
// do).
StatusOr<bool> SetControllerOwner(nlohmann::json& obj, const nlohmann::json& owner);

}  // namespace jd::rec
