// table.h — server-side printing: the meta.k8s.io/v1 Table that `kubectl get` asks for
// (Accept: application/json;as=Table;v=v1;g=meta.k8s.io), with the real columns for the
// built-ins and additionalPrinterColumns for CRDs.
//
// Usage:
//   nlohmann::json t = ToTable(rt, objects, clock.Now(), "Metadata", /*with_columns=*/true, rv);
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "clock.h"
#include "resource_type.h"

namespace kubesim {

// include_object: "None", "Metadata" (default: rows carry PartialObjectMetadata) or "Object".
nlohmann::json ToTable(const ResourceType& rt, const std::vector<nlohmann::json>& objects, TimePoint now,
                       const std::string& include_object, bool with_columns, const std::string& resource_version);

}  // namespace kubesim
