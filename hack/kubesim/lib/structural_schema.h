// structural_schema.h — what the API server does with a CRD version's `openAPIV3Schema`.
//
// A custom resource goes through the same steps as in apiextensions-apiserver:
//
//   1. ApplyDefaults            `default` of absent (or null, non-nullable) fields, recursively.
//   2. PruneUnknownFields       drop fields the schema does not specify (UnknownFieldPaths lists
//                               them first, for fieldValidation=Strict / Warn).
//   3. PruneNonNullableNulls    drop `null` of non-nullable fields that have no default.
//   4. ValidateAgainstSchema    one StatusCause per violation, with the real field paths and
//                               messages (kube-openapi wording, k8s 1.32 field.Error rendering).
//
// CheckStructural refuses a CRD whose schema is not structural, with the real causes.
//
// Usage:
//   ApplyDefaults(schema, obj);
//   std::vector<std::string> unknown = UnknownFieldPaths(schema, obj);   // "spec.foo"
//   if (strict && !unknown.empty()) ... "strict decoding error: unknown field \"spec.foo\""
//   PruneUnknownFields(schema, obj);
//   PruneNonNullableNulls(schema, obj);
//   std::vector<StatusCause> causes = ValidateAgainstSchema(schema, obj);
//   if (!causes.empty())
//     return InvalidError("JustDrivingEnvironment", "justdriving.io", "prod", causes);
//
// Faithful to the real server: message texts; field paths (`spec.domains[0].host`, `<nil>` for the
// root); which checks still run after a type error; first-error-only for string checks; early
// return on min/maxProperties; null handling; int-or-string typed as "integer,string";
// integer bounds truncated to int64 as kube-openapi does; Go rendering of values (%q strings,
// %v floats such as 1e+06, JSON for objects/arrays).
// Approximate (see the .cpp for details):
//   - properties are visited in key order (the real server visits them in Go map order, random);
//   - `pattern` uses std::regex ECMAScript, not Go RE2 (unanchored search in both);
//   - formats: date-time, date, byte, uuid, ipv4 are checked; int32/int64/float/double are
//     accepted without a range check (as kube-openapi does); other formats are not checked;
//   - allOf/anyOf/oneOf/not, x-kubernetes-validations (CEL), list-type uniqueness and validation
//     ratcheting are not evaluated; metadata of embedded resources is not validated.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

// api_error.h (shared) trips -Wmissing-field-initializers under -Wextra; keep our builds clean.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "api_error.h"
#pragma GCC diagnostic pop

namespace kubesim {

// Validates `obj` (the whole custom resource) against `schema` (openAPIV3Schema). Returns no
// causes when valid. Also checks embedded resources (x-kubernetes-embedded-resource) for
// apiVersion/kind, as schemaobjectmeta.Validate does.
std::vector<StatusCause> ValidateAgainstSchema(const nlohmann::json& schema, const nlohmann::json& obj);

// The top-level message of a 422 Invalid:
//   `Kind.group "name" is invalid: field: body` (one distinct cause), or
//   `Kind.group "name" is invalid: [field: body, field: body]` (several; duplicates dropped).
// An empty group gives just `Kind`; no causes gives `Kind.group "name" is invalid`.
std::string InvalidMessage(std::string_view kind, std::string_view group, std::string_view name,
                           const std::vector<StatusCause>& causes);

// ApiError::Invalid with InvalidMessage and Status.details {name, group, kind} filled in.
ApiError InvalidError(std::string_view kind, std::string_view group, std::string_view name,
                      std::vector<StatusCause> causes);

// Removes fields that `schema` does not specify. Kept: everything under
// x-kubernetes-preserve-unknown-fields (known properties below it are still pruned), map entries
// under additionalProperties, and apiVersion/kind/metadata at the root and in embedded resources
// (metadata is never pruned here).
void PruneUnknownFields(const nlohmann::json& schema, nlohmann::json& obj);

// The fields PruneUnknownFields would remove, sorted, in the real server's spelling:
// "spec.foo", "spec.domains[0].extra" (no leading dot), ready for
// `unknown field "spec.foo"`. Does not modify `obj`.
std::vector<std::string> UnknownFieldPaths(const nlohmann::json& schema, const nlohmann::json& obj);

// Removes properties whose value is null when the property's schema is not nullable and has no
// default (the real server does this while decoding, right after pruning).
void PruneNonNullableNulls(const nlohmann::json& schema, nlohmann::json& obj);

// Fills `default`s: for absent properties and for null values of non-nullable properties, array
// items and additionalProperties values. Recursive: defaults inside an inserted default apply too.
void ApplyDefaults(const nlohmann::json& schema, nlohmann::json& obj);

// Checks that a CRD schema is acceptable and structural. `field_prefix` is where the schema sits
// in the CRD: "spec.validation.openAPIV3Schema" when all versions share one schema (the real
// server reports single-version CRDs that way), else "spec.versions[i].schema.openAPIV3Schema".
// Causes look like
//   spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for
//   specified object fields
std::vector<StatusCause> CheckStructural(const nlohmann::json& schema,
                                         std::string_view field_prefix = "spec.validation.openAPIV3Schema");

}  // namespace kubesim
