#include "reconcilers/environment/config_rules.h"

#include <algorithm>
#include <array>
#include <map>
#include <string_view>
#include <vector>

namespace jd::env {
namespace {

constexpr std::array<const char*, 5> kNamedIntegrations = {"cache", "database", "mail", "payments", "sms"};
constexpr std::string_view kExternalPrefix = "external:";

struct Problem {
  std::string message;
  std::string reason;
  bool operator<(const Problem& o) const { return message < o.message; }
};

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

const nlohmann::json* Child(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string StringField(const nlohmann::json& j, const char* key) {
  const nlohmann::json* v = Child(j, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

}  // namespace

CheckResult CheckConfig(const nlohmann::json& spec, const ExistingObjects& existing) {
  std::vector<Problem> problems;
  auto add = [&](std::string reason, std::string message) {
    problems.push_back({std::move(message), std::move(reason)});
  };

  // spec.requiredIntegrations, deduplicated.
  std::set<std::string> required;
  if (const nlohmann::json* list = Child(spec, "requiredIntegrations"); list != nullptr && list->is_array()) {
    for (const auto& entry : *list) {
      if (entry.is_string()) {
        required.insert(entry.get<std::string>());
      } else {
        add("InvalidIntegration", "spec.requiredIntegrations holds a non-string entry " + entry.dump() +
                                      ": use database, cache, mail, sms, payments or external:<name>");
      }
    }
  }
  auto required_note = [&](const std::string& id) {
    return required.count(id) > 0 ? " (required by spec.requiredIntegrations)" : "";
  };
  auto check_secret = [&](const std::string& field, const std::string& secret_name, const std::string& id,
                          const std::string& what) {
    if (secret_name.empty()) {
      add("MissingSecret", field + ".secretName is not set" + required_note(id) + ": name the Secret that holds the " +
                               what + " settings");
    } else if (existing.secrets.count(secret_name) == 0) {
      add("MissingSecret", field + ".secretName: Secret " + Quote(secret_name) + required_note(id) +
                               " does not exist in the namespace: create it or fix the name");
    }
  };

  // spec.config.
  if (const nlohmann::json* config = Child(spec, "config"); config != nullptr) {
    const std::string name = StringField(*config, "configMapName");
    if (name.empty()) {
      add("MissingConfigMap",
          "spec.config.configMapName is not set: name the ConfigMap that holds the environment's settings");
    } else if (existing.config_maps.count(name) == 0) {
      add("MissingConfigMap", "spec.config.configMapName: ConfigMap " + Quote(name) +
                                  " does not exist in the namespace: create it or fix the name");
    }
  }

  // spec.integrations.
  const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json* integrations = Child(spec, "integrations");
  if (integrations == nullptr) integrations = &empty;
  std::set<std::string> configured;
  for (const char* kind : kNamedIntegrations) {
    const nlohmann::json* entry = Child(*integrations, kind);
    if (entry == nullptr) continue;
    configured.insert(kind);
    check_secret(std::string("spec.integrations.") + kind, StringField(*entry, "secretName"), kind, kind);
  }
  std::map<std::string, int> external_seen;  // name -> first index
  if (const nlohmann::json* external = Child(*integrations, "external"); external != nullptr && external->is_array()) {
    for (size_t i = 0; i < external->size(); ++i) {
      const nlohmann::json& entry = (*external)[i];
      const std::string field = "spec.integrations.external[" + std::to_string(i) + "]";
      const std::string name = StringField(entry, "name");
      if (name.empty()) {
        add("InvalidIntegration",
            field + ".name is not set: name the integration (requiredIntegrations refers to it as external:<name>)");
        continue;
      }
      auto [it, inserted] = external_seen.emplace(name, static_cast<int>(i));
      if (!inserted) {
        add("InvalidIntegration", field + ".name " + Quote(name) + " repeats spec.integrations.external[" +
                                      std::to_string(it->second) + "].name: give each external integration its own name");
        continue;
      }
      const std::string id = std::string(kExternalPrefix) + name;
      configured.insert(id);
      check_secret(field + " (" + Quote(name) + ")", StringField(entry, "secretName"), id, name);
    }
  }

  // Every required integration is configured.
  for (const std::string& id : required) {
    if (configured.count(id) > 0) continue;
    if (id.rfind(kExternalPrefix, 0) == 0 && id.size() > kExternalPrefix.size()) {
      const std::string name = id.substr(kExternalPrefix.size());
      add("RequiredIntegrationMissing", "spec.requiredIntegrations lists " + Quote(id) +
                                            " but spec.integrations.external has no entry named " + Quote(name) +
                                            ": add {name: " + name + ", secretName: <Secret>} to spec.integrations.external");
    } else if (std::find(kNamedIntegrations.begin(), kNamedIntegrations.end(), id) != kNamedIntegrations.end()) {
      add("RequiredIntegrationMissing", "spec.requiredIntegrations lists " + Quote(id) + " but spec.integrations." +
                                            id + " is not set: add spec.integrations." + id + ".secretName");
    } else {
      add("InvalidIntegration", "spec.requiredIntegrations lists unknown integration " + Quote(id) +
                                    ": use database, cache, mail, sms, payments or external:<name>");
    }
  }

  if (problems.empty()) {
    return CheckResult::Pass("ConfigValid", "the ConfigMap and every integration Secret exist; every required "
                                            "integration is configured");
  }
  std::sort(problems.begin(), problems.end());
  std::string message;
  for (const auto& p : problems) {
    if (!message.empty()) message += "; ";
    message += p.message;
  }
  return CheckResult::Fail(problems.front().reason, message);
}

}  // namespace jd::env
