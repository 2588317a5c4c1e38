#include "yaml_json.h"

#include <regex>

#include <yaml-cpp/yaml.h>

namespace kubesim {
namespace {

using nlohmann::json;

json Scalar(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str") return s;  // quoted
  static const std::regex int_re(R"([-+]?(0|[1-9][0-9]*))");
  static const std::regex float_re(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s == "null" || s == "Null" || s == "NULL" || s == "~" || s.empty()) return nullptr;
  if (std::regex_match(s, int_re)) {
    try {
      return std::stoll(s);
    } catch (...) {
      return s;
    }
  }
  if (std::regex_match(s, float_re)) {
    try {
      return std::stod(s);
    } catch (...) {
      return s;
    }
  }
  return s;
}

json Convert(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return Scalar(n);
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& e : n) a.push_back(Convert(e));
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.Scalar()] = Convert(kv.second);
      return o;
    }
  }
  return nullptr;
}

}  // namespace

Result<std::vector<json>> YamlDocumentsToJson(std::string_view text) {
  try {
    std::vector<json> out;
    for (const auto& doc : YAML::LoadAll(std::string(text))) {
      if (doc.IsNull()) continue;
      out.push_back(Convert(doc));
    }
    return out;
  } catch (const YAML::Exception& e) {
    return ApiError::BadRequest(std::string("error converting YAML to JSON: ") + e.what());
  }
}

Result<json> YamlToJson(std::string_view text) {
  auto docs = YamlDocumentsToJson(text);
  if (!docs.ok()) return docs.error();
  if (docs.value().empty()) return json(nullptr);
  return docs.value().front();
}

Result<json> ParseJsonOrYaml(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    try {
      return json::parse(text);
    } catch (const json::parse_error& e) {
      return ApiError::BadRequest(std::string("couldn't get version/kind; json parse error: ") + e.what());
    }
  }
  return YamlToJson(text);
}

}  // namespace kubesim
