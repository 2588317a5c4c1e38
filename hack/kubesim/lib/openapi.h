// openapi.h — the OpenAPI v3 documents kube-sim serves at /openapi/v3 (root) and
// /openapi/v3/<api/v1 | apis/<g>/<v>>.
//
// What clients read from them:
//  - kubectl/helm validation: a PATCH operation per kind tagged x-kubernetes-group-version-kind
//    that lists the `fieldValidation` query parameter means "the server validates fields", so the
//    client sends fieldValidation=Strict instead of validating itself (which would need v2).
//  - kubectl explain: component schemas tagged with x-kubernetes-group-version-kind; CRD schemas
//    are served whole (with their descriptions); built-ins get a short skeleton.
//  - kubectl apply (client-side): a CRD's PATCH does not accept strategic merge patch, so kubectl
//    sends a JSON merge patch.
//
// Usage:
//   nlohmann::json root = OpenApiRoot(reg);                  // {"paths": {"apis/apps/v1": ...}}
//   nlohmann::json doc = OpenApiGroupVersion(reg, "apps", "v1");   // null when not served
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "resource_registry.h"

namespace kubesim {

nlohmann::json OpenApiRoot(const ResourceRegistry& reg);
nlohmann::json OpenApiGroupVersion(const ResourceRegistry& reg, const std::string& group, const std::string& version);
// The component schema name kube-sim uses for a kind: "io.k8s.api.apps.v1.Deployment" for
// built-ins, reversed group for CRDs ("io.justdriving.v1alpha1.JustDrivingEnvironment").
std::string SchemaName(const ResourceType& rt);

}  // namespace kubesim
