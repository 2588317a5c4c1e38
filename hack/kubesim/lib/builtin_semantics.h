// builtin_semantics.h — what the real apiserver does to built-in objects beyond storing them:
// defaulting (Deployment strategy, container pull policy, Service ports, Secret stringData...),
// validation of the fields clients most often get wrong, and immutable fields on update.
// Deliberately partial: kube-sim is not a full reimplementation of every built-in's validation;
// README's "what kube-sim does not model" says so.
//
// Usage:
//   DefaultBuiltin(*rt, obj);
//   auto causes = ValidateBuiltin(*rt, obj, old_or_null);
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_error.h"
#include "resource_type.h"

namespace kubesim {

void DefaultBuiltin(const ResourceType& rt, nlohmann::json& obj);
// `old` is null on create.
std::vector<StatusCause> ValidateBuiltin(const ResourceType& rt, const nlohmann::json& obj, const nlohmann::json* old);
// Server-side apply: fills the defaulted parts of list-element keys in an apply configuration
// (ports' protocol: TCP) so an applied port and the stored, defaulted one are the same element.
void DefaultApplyKeys(const ResourceType& rt, nlohmann::json& applied);
// metadata.name / generateName rules (DNS-1123 subdomain or label, as the kind requires).
std::vector<StatusCause> ValidateObjectName(const ResourceType& rt, const std::string& name);
// Labels and annotations: qualified keys, label values of at most 63 characters.
std::vector<StatusCause> ValidateObjectMeta(const nlohmann::json& metadata);

}  // namespace kubesim
