// yaml_json.h — YAML documents to JSON, typed as Kubernetes clients type them (sigs.k8s.io/yaml:
// unquoted true/false are booleans, unquoted numbers are numbers, ~/null are null, quoted scalars
// stay strings).
//
// Usage:
//   Result<nlohmann::json> obj = YamlToJson("a: 1\nb: [x, 'y']\n");
//   Result<std::vector<nlohmann::json>> docs = YamlDocumentsToJson(multi_doc_text);
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_error.h"

namespace kubesim {

Result<nlohmann::json> YamlToJson(std::string_view text);
// Every non-empty document of a multi-document stream.
Result<std::vector<nlohmann::json>> YamlDocumentsToJson(std::string_view text);
// Parses JSON when the text is JSON, YAML otherwise.
Result<nlohmann::json> ParseJsonOrYaml(std::string_view text);

}  // namespace kubesim
