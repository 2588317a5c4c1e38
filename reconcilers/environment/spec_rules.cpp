#include "reconcilers/environment/spec_rules.h"

#include <set>
#include <string>
#include <vector>

namespace jd::env {

namespace {

using nlohmann::json;

// The types of the spec as the reconciler reads them (a subset of the CRD's OpenAPI schema).
// A leaf is "string" | "integer" | "boolean", with a trailing "!" when required in its section;
// an array is [item]; an object lists its known fields. Keys ending in "!" (objects/arrays) are
// required too.
const json& ShapeSchema() {
  static const json kSchema = json::parse(R"({
    "tier": "string!",
    "region": "string",
    "templateRef": {"name": "string!", "namespace": "string"},
    "app": {"image": "string", "imagePullSecrets": ["string"]},
    "domains": [{"host": "string!", "tlsSecretName": "string!"}],
    "minTLSDays": "integer",
    "tlsCABundle": {"configMapName": "string!", "key": "string"},
    "locale": {"timezone": "string", "locale": "string", "currency": "string"},
    "config": {"configMapName": "string!"},
    "integrations": {
      "database": {"secretName": "string!"}, "cache": {"secretName": "string!"},
      "mail": {"secretName": "string!"}, "sms": {"secretName": "string!"},
      "payments": {"secretName": "string!", "mode": "string!"},
      "external": [{"name": "string!", "secretName": "string!"}]},
    "requiredIntegrations": ["string"],
    "components": {
      "web": {"replicas": "integer", "port": "integer"},
      "workers": [{"name": "string!", "queues!": ["string"], "replicas": "integer",
                   "horizon": "boolean", "gracePeriodSeconds": "integer"}],
      "scheduler": {"enabled": "boolean"},
      "websockets": {"enabled": "boolean", "replicas": "integer", "port": "integer"}},
    "migrations": {"command": ["string"], "rollbackCommand": ["string"], "timeoutSeconds": "integer",
                   "backup": {"image": "string", "command!": ["string"], "restoreCommand": ["string"]}},
    "healthChecks": {"intervalSeconds": "integer", "timeoutSeconds": "integer",
                     "failureThreshold": "integer", "successThreshold": "integer",
                     "http": [{"name": "string!", "path": "string!", "expectStatus": "integer",
                               "expectBodyContains": "string", "maxLatencyMs": "integer"}]},
    "smokeTests": [{"name": "string!", "command!": ["string"], "image": "string",
                    "timeoutSeconds": "integer"}],
    "deployWindows": [{"days!": ["string"], "start": "string!", "end": "string!"}],
    "rollback": {"automatic": "boolean", "database": "string"},
    "notifications": {"webhooks": [{"url": "string!", "secretName": "string!"}]},
    "openToUsers": "boolean",
    "historyLimit": "integer"
  })");
  return kSchema;
}

const char* TypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::object: return "an object";
    case json::value_t::array: return "a list";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    default: return "null";
  }
}

std::string WithoutBang(const std::string& s) {
  return !s.empty() && s.back() == '!' ? s.substr(0, s.size() - 1) : s;
}

bool LeafMatches(const std::string& type, const json& v) {
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "integer") return v.is_number_integer() || v.is_number_unsigned();
  return true;
}

CheckResult Malformed(const std::string& path, const std::string& what) {
  return CheckResult::Fail("MalformedSpec", path + " " + what + ": correct it in the manifest");
}

CheckResult CheckNode(const json& schema, const json& value, const std::string& path);

CheckResult CheckObject(const json& schema, const json& value, const std::string& path) {
  if (!value.is_object()) return Malformed(path, std::string("must be an object, not ") + TypeName(value));
  for (auto it = schema.begin(); it != schema.end(); ++it) {
    const bool key_required = !it.key().empty() && it.key().back() == '!';
    const std::string key = WithoutBang(it.key());
    const bool leaf_required = it->is_string() && it->get<std::string>().back() == '!';
    const std::string child = path + "." + key;
    auto found = value.find(key);
    if (found == value.end() || found->is_null()) {
      if (key_required || leaf_required) return Malformed(child, "is required");
      continue;
    }
    CheckResult r = CheckNode(*it, *found, child);
    if (!r.ok) return r;
  }
  return CheckResult::Pass("SpecWellFormed");
}

CheckResult CheckNode(const json& schema, const json& value, const std::string& path) {
  if (schema.is_object()) return CheckObject(schema, value, path);
  if (schema.is_array()) {
    if (!value.is_array()) return Malformed(path, std::string("must be a list, not ") + TypeName(value));
    for (std::size_t i = 0; i < value.size(); ++i) {
      CheckResult r = CheckNode(schema[0], value[i], path + "[" + std::to_string(i) + "]");
      if (!r.ok) return r;
    }
    return CheckResult::Pass("SpecWellFormed");
  }
  const std::string type = WithoutBang(schema.get<std::string>());
  if (!LeafMatches(type, value)) {
    const std::string article = type == "integer" ? "an " : "a ";
    return Malformed(path, "must be " + article + type + ", not " + TypeName(value));
  }
  return CheckResult::Pass("SpecWellFormed");
}

// ---- value rules (CEL and enums) --------------------------------------------------------------

const json& At(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

bool Has(const json& j, const char* key) { return !At(j, key).is_null(); }

std::string Str(const json& j) { return j.is_string() ? j.get<std::string>() : std::string(); }

// Whether the `field` of every object of `list` (or every string when field is "") is unique.
bool Unique(const json& list, const char* field) {
  if (!list.is_array()) return true;
  std::set<std::string> seen;
  for (const json& item : list) {
    const std::string v = field[0] == '\0' ? Str(item) : Str(At(item, field));
    if (!seen.insert(v).second) return false;
  }
  return true;
}

struct Violation {
  std::string reason;
  std::string message;
};

void CheckTierAndPayments(const json& spec, std::vector<Violation>& out) {
  const std::string tier = Str(At(spec, "tier"));
  if (tier != "local" && tier != "staging" && tier != "production") {
    out.push_back({"UnknownTier", "spec.tier \"" + tier + "\" is not local, staging or production: set one of them"});
    return;
  }
  const json& payments = At(At(spec, "integrations"), "payments");
  const std::string mode = Str(At(payments, "mode"));
  if (!payments.is_null() && mode != "live" && mode != "test") {
    out.push_back({"UnknownPaymentMode",
                   "spec.integrations.payments.mode \"" + mode + "\" is not live or test: set one of them"});
  } else if (!payments.is_null() && (tier == "production") != (mode == "live")) {
    out.push_back({"PaymentModeMismatch",
                   "spec.integrations.payments.mode must be live when spec.tier is production and test on every "
                   "other tier"});
  }
  if (tier != "production") return;
  if (payments.is_null()) {
    out.push_back({"ProductionNeedsPayments",
                   "a production environment needs spec.integrations.payments (with mode: live), or a "
                   "spec.templateRef that provides it"});
  }
  if (!Has(At(spec, "migrations"), "backup")) {
    out.push_back({"ProductionNeedsBackup",
                   "a production environment needs spec.migrations.backup (a command that backs the database up "
                   "before migrations), or a spec.templateRef that provides it"});
  }
}

void CheckRollbackAndHealth(const json& spec, std::vector<Violation>& out) {
  const std::string database = Str(At(At(spec, "rollback"), "database"));
  if (Has(spec, "rollback") && !database.empty() && database != "none" && database != "restoreBackup" &&
      database != "migrateRollback") {
    out.push_back({"UnknownRollbackDatabase", "spec.rollback.database \"" + database +
                                                  "\" is not none, restoreBackup or migrateRollback: set one of them"});
  }
  if (database == "restoreBackup" && !Has(At(At(spec, "migrations"), "backup"), "restoreCommand")) {
    out.push_back({"RestoreCommandMissing",
                   "spec.rollback.database restoreBackup needs spec.migrations.backup.restoreCommand"});
  }
  const json& hc = At(spec, "healthChecks");
  if (At(hc, "timeoutSeconds").is_number() && At(hc, "intervalSeconds").is_number() &&
      At(hc, "timeoutSeconds").get<double>() > At(hc, "intervalSeconds").get<double>()) {
    out.push_back({"HealthCheckTimeoutTooLong",
                   "spec.healthChecks.timeoutSeconds must not be larger than spec.healthChecks.intervalSeconds"});
  }
}

void CheckUniqueNames(const json& spec, std::vector<Violation>& out) {
  auto dup = [&](const json& list, const char* field, const std::string& message) {
    if (!Unique(list, field)) out.push_back({"DuplicateName", message});
  };
  dup(At(spec, "domains"), "host", "spec.domains: each host may appear only once");
  dup(At(At(spec, "integrations"), "external"), "name", "spec.integrations.external: each name may appear only once");
  const json& workers = At(At(spec, "components"), "workers");
  dup(workers, "name", "spec.components.workers: each worker name may appear only once");
  if (workers.is_array()) {
    for (std::size_t i = 0; i < workers.size(); ++i) {
      dup(At(workers[i], "queues"), "",
          "spec.components.workers[" + std::to_string(i) + "].queues: each queue may appear only once");
    }
  }
  dup(At(At(spec, "healthChecks"), "http"), "name", "spec.healthChecks.http: each check name may appear only once");
  dup(At(spec, "smokeTests"), "name", "spec.smokeTests: each name may appear only once");
}

void CheckWindowsAndLimits(const json& spec, std::vector<Violation>& out) {
  const json& windows = At(spec, "deployWindows");
  if (windows.is_array()) {
    for (std::size_t i = 0; i < windows.size(); ++i) {
      if (Str(At(windows[i], "start")) == Str(At(windows[i], "end"))) {
        out.push_back({"EmptyDeployWindow", "spec.deployWindows[" + std::to_string(i) +
                                                "]: start and end are equal, an empty window; leave "
                                                "spec.deployWindows out to allow any time"});
      }
    }
  }
  const json& days = At(spec, "minTLSDays");
  if (days.is_number() && (days.get<double>() < 0 || days.get<double>() > 365)) {
    out.push_back({"InvalidMinTLSDays", "spec.minTLSDays must be between 0 and 365"});
  }
  if (Str(At(At(spec, "app"), "image")).empty()) {
    out.push_back({"AppImageMissing",
                   "spec.app.image is not set: set the app's image repository (without tag), e.g. "
                   "registry.example.com/justdriving/app"});
  }
}

}  // namespace

CheckResult CheckSpecShape(const nlohmann::json& spec) {
  if (!spec.is_object()) return Malformed("spec", std::string("must be an object, not ") + TypeName(spec));
  return CheckObject(ShapeSchema(), spec, "spec");
}

CheckResult CheckSpecRules(const nlohmann::json& spec) {
  std::vector<Violation> found;
  CheckTierAndPayments(spec, found);
  CheckRollbackAndHealth(spec, found);
  CheckUniqueNames(spec, found);
  CheckWindowsAndLimits(spec, found);
  if (found.empty()) return CheckResult::Pass("SpecRulesHold");
  std::string message;
  for (const Violation& v : found) message += (message.empty() ? "" : "; ") + v.message;
  return CheckResult::Fail(found.front().reason, message);
}

CheckResult CheckEnvironmentName(const nlohmann::json& environment) {
  const std::string name = Str(At(At(environment, "metadata"), "name"));
  constexpr std::size_t kMax = 52;  // 63 - strlen("-websockets")
  if (name.size() > kMax) {
    return CheckResult::Fail("NameTooLong", "metadata.name \"" + name + "\" has " + std::to_string(name.size()) +
                                                " characters; at most 52 (owned objects are named <name>-websockets, a "
                                                "63-character DNS label): recreate the environment with a shorter name");
  }
  if (name.empty() || name.front() < 'a' || name.front() > 'z') {
    return CheckResult::Fail("NameNotDNS1035", "metadata.name \"" + name +
                                                   "\" must start with a lower-case letter (owned Services are DNS-1035 "
                                                   "labels): recreate the environment with a name such as staging");
  }
  return CheckResult::Pass("NameValid");
}

CheckResult CheckTemplateSelfRef(const nlohmann::json& environment) {
  const json& ref = At(At(environment, "spec"), "templateRef");
  if (ref.is_object() && !Has(ref, "namespace") &&
      Str(At(ref, "name")) == Str(At(At(environment, "metadata"), "name"))) {
    return CheckResult::Fail("TemplateSelfReference",
                             "spec.templateRef.name names this environment itself: point it at another "
                             "environment (for example staging)");
  }
  return CheckResult::Pass("TemplateRefValid");
}

}  // namespace jd::env
