#include "builtin_semantics.h"

#include <functional>
#include <regex>

#include "text_util.h"

namespace kubesim {
namespace {

using nlohmann::json;

const std::regex& Dns1123Subdomain() {
  static const std::regex re(R"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)");
  return re;
}
const std::regex& Dns1123Label() {
  static const std::regex re(R"([a-z0-9]([-a-z0-9]*[a-z0-9])?)");
  return re;
}

std::string Quote(const std::string& s) { return json(s).dump(); }

void SetIfMissing(json& obj, const std::string& key, const json& value) {
  if (!obj.contains(key) || obj[key].is_null()) obj[key] = value;
}

void DefaultProbe(json& probe) {
  if (!probe.is_object()) return;
  SetIfMissing(probe, "timeoutSeconds", 1);
  SetIfMissing(probe, "periodSeconds", 10);
  SetIfMissing(probe, "successThreshold", 1);
  SetIfMissing(probe, "failureThreshold", 3);
  if (probe.contains("httpGet")) SetIfMissing(probe["httpGet"], "scheme", "HTTP");
}

void DefaultContainer(json& c) {
  std::string image = c.value("image", "");
  auto slash = image.rfind('/');
  std::string last = slash == std::string::npos ? image : image.substr(slash + 1);
  bool has_digest = image.find('@') != std::string::npos;
  bool latest = !has_digest && (last.find(':') == std::string::npos || last.ends_with(":latest"));
  SetIfMissing(c, "imagePullPolicy", latest ? "Always" : "IfNotPresent");
  SetIfMissing(c, "terminationMessagePath", "/dev/termination-log");
  SetIfMissing(c, "terminationMessagePolicy", "File");
  SetIfMissing(c, "resources", json::object());
  if (c.contains("ports"))
    for (auto& p : c["ports"]) SetIfMissing(p, "protocol", "TCP");
  for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"})
    if (c.contains(probe)) DefaultProbe(c[probe]);
}

void DefaultPodSpec(json& spec, bool job) {
  if (!spec.is_object()) return;
  if (!job) SetIfMissing(spec, "restartPolicy", "Always");
  SetIfMissing(spec, "terminationGracePeriodSeconds", 30);
  SetIfMissing(spec, "dnsPolicy", "ClusterFirst");
  SetIfMissing(spec, "schedulerName", "default-scheduler");
  SetIfMissing(spec, "securityContext", json::object());
  for (const char* list : {"containers", "initContainers"})
    if (spec.contains(list) && spec[list].is_array())
      for (auto& c : spec[list]) DefaultContainer(c);
}

bool SelectorMatches(const json& selector, const json& labels) {
  if (!selector.is_object()) return false;
  const json match_labels = selector.value("matchLabels", json::object());
  for (const auto& [k, v] : match_labels.items())
    if (!labels.is_object() || !labels.contains(k) || labels[k] != v) return false;
  for (const auto& e : selector.value("matchExpressions", json::array())) {
    std::string key = e.value("key", ""), op = e.value("operator", "");
    bool has = labels.is_object() && labels.contains(key);
    auto values = e.value("values", json::array());
    bool in = has && std::find(values.begin(), values.end(), labels[key]) != values.end();
    if ((op == "In" && !in) || (op == "NotIn" && in) || (op == "Exists" && !has) || (op == "DoesNotExist" && has))
      return false;
  }
  return true;
}

void ValidateContainers(const json& spec, const std::string& path, std::vector<StatusCause>& out) {
  const json containers = spec.value("containers", json::array());
  if (containers.empty()) {
    out.push_back({"FieldValueRequired", "Required value", path + ".containers"});
    return;
  }
  for (size_t i = 0; i < containers.size(); ++i) {
    std::string p = path + ".containers[" + std::to_string(i) + "]";
    if (containers[i].value("name", "").empty()) out.push_back({"FieldValueRequired", "Required value", p + ".name"});
    if (containers[i].value("image", "").empty()) out.push_back({"FieldValueRequired", "Required value", p + ".image"});
  }
}

void ValidateKeys(const json& data, const std::string& field, std::vector<StatusCause>& out) {
  static const std::regex key_re(R"([-._a-zA-Z0-9]+)");
  if (!data.is_object()) return;
  for (const auto& [k, v] : data.items())
    if (!std::regex_match(k, key_re) || k.size() > 253)
      out.push_back({"FieldValueInvalid",
                     "Invalid value: " + Quote(k) +
                         ": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
                         "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
                     field + "[" + k + "]"});
}

void Immutable(const json& obj, const json* old, const json::json_pointer& p, const std::string& field,
               std::vector<StatusCause>& out) {
  if (!old) return;
  json a = obj.contains(p) ? obj.at(p) : json();
  json b = old->contains(p) ? old->at(p) : json();
  if (a != b) out.push_back({"FieldValueInvalid", "Invalid value: " + a.dump() + ": field is immutable", field});
}

}  // namespace

void DefaultBuiltin(const ResourceType& rt, json& obj) {
  const std::string& k = rt.kind;
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) obj["metadata"] = json::object();
  if (k == "Namespace") {
    std::string name = obj["metadata"].value("name", "");
    obj["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
    if (!obj.contains("spec") || !obj["spec"].contains("finalizers")) obj["spec"]["finalizers"] = {"kubernetes"};
    if (!obj.contains("status") || !obj["status"].contains("phase")) obj["status"]["phase"] = "Active";
  } else if (k == "Secret") {
    SetIfMissing(obj, "type", "Opaque");
    if (obj.contains("stringData") && obj["stringData"].is_object()) {
      for (const auto& [key, v] : obj["stringData"].items())
        obj["data"][key] = Base64Encode(v.is_string() ? v.get<std::string>() : v.dump());
      obj.erase("stringData");
    }
  } else if (k == "Service") {
    json& spec = obj["spec"];
    SetIfMissing(spec, "type", "ClusterIP");
    SetIfMissing(spec, "sessionAffinity", "None");
    SetIfMissing(spec, "ipFamilies", json::array({"IPv4"}));
    SetIfMissing(spec, "ipFamilyPolicy", "SingleStack");
    SetIfMissing(spec, "internalTrafficPolicy", "Cluster");
    if (spec.contains("ports"))
      for (auto& p : spec["ports"]) {
        SetIfMissing(p, "protocol", "TCP");
        SetIfMissing(p, "targetPort", p.value("port", 0));
      }
  } else if (k == "Pod") {
    DefaultPodSpec(obj["spec"], false);
  } else if (k == "Deployment" || k == "ReplicaSet") {
    json& spec = obj["spec"];
    SetIfMissing(spec, "replicas", 1);
    if (k == "Deployment") {
      SetIfMissing(spec, "revisionHistoryLimit", 10);
      SetIfMissing(spec, "progressDeadlineSeconds", 600);
      SetIfMissing(spec, "strategy", json::object());
      SetIfMissing(spec["strategy"], "type", "RollingUpdate");
      if (spec["strategy"]["type"] == "RollingUpdate") {
        SetIfMissing(spec["strategy"], "rollingUpdate", json::object());
        SetIfMissing(spec["strategy"]["rollingUpdate"], "maxSurge", "25%");
        SetIfMissing(spec["strategy"]["rollingUpdate"], "maxUnavailable", "25%");
      }
    }
    if (spec.contains("template")) DefaultPodSpec(spec["template"]["spec"], false);
  } else if (k == "Job") {
    json& spec = obj["spec"];
    if (!spec.contains("completions") && !spec.contains("parallelism")) spec["completions"] = 1;
    SetIfMissing(spec, "parallelism", 1);
    SetIfMissing(spec, "backoffLimit", 6);
    SetIfMissing(spec, "completionMode", "NonIndexed");
    SetIfMissing(spec, "suspend", false);
    SetIfMissing(spec, "podReplacementPolicy", "TerminatingOrFailed");
    if (spec.contains("template")) DefaultPodSpec(spec["template"]["spec"], true);
  } else if (k == "CronJob") {
    json& spec = obj["spec"];
    SetIfMissing(spec, "concurrencyPolicy", "Allow");
    SetIfMissing(spec, "suspend", false);
    SetIfMissing(spec, "successfulJobsHistoryLimit", 3);
    SetIfMissing(spec, "failedJobsHistoryLimit", 1);
    if (spec.contains("/jobTemplate/spec/template/spec"_json_pointer))
      DefaultPodSpec(spec["jobTemplate"]["spec"]["template"]["spec"], true);
  }
}

void DefaultApplyKeys(const ResourceType& rt, json& applied) {
  if (!rt.builtin) return;
  // Recursive: container ports sit at different depths in Pods, Deployments, Jobs, CronJobs.
  std::function<void(json&, const std::string&)> walk = [&](json& node, const std::string& key) {
    if (node.is_object()) {
      for (auto& [k, v] : node.items()) walk(v, k);
    } else if (node.is_array()) {
      for (auto& e : node) {
        if (key == "ports" && e.is_object() && (e.contains("containerPort") || e.contains("port")) && !e.contains("protocol"))
          e["protocol"] = "TCP";
        walk(e, "");
      }
    }
  };
  walk(applied, "");
}

std::vector<StatusCause> ValidateObjectName(const ResourceType& rt, const std::string& name) {
  std::vector<StatusCause> out;
  bool label = rt.kind == "Namespace" || rt.kind == "Service";
  if (name.empty()) {
    out.push_back({"FieldValueRequired", "Required value: name or generateName is required", "metadata.name"});
  } else if (label) {
    if (name.size() > 63 || !std::regex_match(name, Dns1123Label()))
      out.push_back({"FieldValueInvalid",
                     "Invalid value: " + Quote(name) +
                         ": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
                         "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
                         "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                     "metadata.name"});
  } else if (name.size() > 253 || !std::regex_match(name, Dns1123Subdomain())) {
    out.push_back({"FieldValueInvalid",
                   "Invalid value: " + Quote(name) +
                       ": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                       "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                       "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                   "metadata.name"});
  }
  return out;
}

std::vector<StatusCause> ValidateObjectMeta(const json& metadata) {
  std::vector<StatusCause> out;
  static const std::regex name_part(R"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])");
  static const std::regex value_re(R"((([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?)");
  auto check_key = [&](const std::string& key, const std::string& field) {
    std::string name = key;
    auto slash = key.find('/');
    if (slash != std::string::npos) {
      std::string prefix = key.substr(0, slash);
      name = key.substr(slash + 1);
      if (prefix.empty() || prefix.size() > 253 || !std::regex_match(prefix, Dns1123Subdomain()))
        out.push_back({"FieldValueInvalid", "Invalid value: " + Quote(key) + ": prefix part must be a DNS-1123 subdomain", field});
    }
    if (name.empty() || name.size() > 63 || !std::regex_match(name, name_part))
      out.push_back({"FieldValueInvalid",
                     "Invalid value: " + Quote(key) +
                         ": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                         "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                         "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                     field});
  };
  if (metadata.contains("labels") && metadata["labels"].is_object()) {
    for (const auto& [k, v] : metadata["labels"].items()) {
      check_key(k, "metadata.labels");
      std::string val = v.is_string() ? v.get<std::string>() : v.dump();
      if (!v.is_string() || val.size() > 63 || !std::regex_match(val, value_re))
        out.push_back({"FieldValueInvalid",
                       "Invalid value: " + Quote(val) +
                           ": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
                           "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  "
                           "or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                       "metadata.labels"});
    }
  }
  if (metadata.contains("annotations") && metadata["annotations"].is_object())
    for (const auto& [k, v] : metadata["annotations"].items()) check_key(k, "metadata.annotations");
  return out;
}

std::vector<StatusCause> ValidateBuiltin(const ResourceType& rt, const json& obj, const json* old) {
  std::vector<StatusCause> out;
  const std::string& k = rt.kind;
  if (k == "Deployment" || k == "ReplicaSet") {
    const json spec = obj.value("spec", json::object());
    if (!spec.contains("selector")) {
      out.push_back({"FieldValueRequired", "Required value", "spec.selector"});
    } else {
      json labels = obj.value("/spec/template/metadata/labels"_json_pointer, json::object());
      if (!SelectorMatches(spec["selector"], labels))
        out.push_back({"FieldValueInvalid",
                       "Invalid value: " + labels.dump() + ": `selector` does not match template `labels`",
                       "spec.template.metadata.labels"});
    }
    if (spec.value("replicas", 1) < 0)
      out.push_back({"FieldValueInvalid", "Invalid value: " + spec["replicas"].dump() + ": must be greater than or equal to 0",
                     "spec.replicas"});
    ValidateContainers(obj.value("/spec/template/spec"_json_pointer, json::object()), "spec.template.spec", out);
    Immutable(obj, old, "/spec/selector"_json_pointer, "spec.selector", out);
  } else if (k == "Job") {
    std::string rp = obj.value("/spec/template/spec/restartPolicy"_json_pointer, "");
    if (rp.empty())
      out.push_back({"FieldValueRequired", "Required value: valid values: \"OnFailure\", \"Never\"",
                     "spec.template.spec.restartPolicy"});
    else if (rp != "OnFailure" && rp != "Never")
      out.push_back({"FieldValueNotSupported", "Unsupported value: " + Quote(rp) + ": supported values: \"OnFailure\", \"Never\"",
                     "spec.template.spec.restartPolicy"});
    ValidateContainers(obj.value("/spec/template/spec"_json_pointer, json::object()), "spec.template.spec", out);
    Immutable(obj, old, "/spec/template"_json_pointer, "spec.template", out);
    Immutable(obj, old, "/spec/completions"_json_pointer, "spec.completions", out);
  } else if (k == "Pod") {
    ValidateContainers(obj.value("spec", json::object()), "spec", out);
  } else if (k == "Service") {
    // Headless and ExternalName Services may have no ports.
    if (obj.value("/spec/ports"_json_pointer, json::array()).empty() && obj.value("/spec/clusterIP"_json_pointer, "") != "None" &&
        obj.value("/spec/type"_json_pointer, "") != "ExternalName")
      out.push_back({"FieldValueRequired", "Required value", "spec.ports"});
    if (old && old->contains("/spec/clusterIP"_json_pointer) && obj.contains("/spec/clusterIP"_json_pointer))
      Immutable(obj, old, "/spec/clusterIP"_json_pointer, "spec.clusterIP", out);
  } else if (k == "ConfigMap" || k == "Secret") {
    ValidateKeys(obj.value("data", json::object()), "data", out);
    if (k == "Secret") {
      const json data = obj.value("data", json::object());
      for (const auto& [key, v] : data.items())
        if (!v.is_string() || !Base64Decode(v.get<std::string>()))
          out.push_back({"FieldValueInvalid", "Invalid value: " + v.dump() + ": illegal base64 data", "data[" + key + "]"});
    }
    if (old && old->value("immutable", false)) {
      Immutable(obj, old, "/data"_json_pointer, "data", out);
      Immutable(obj, old, "/binaryData"_json_pointer, "binaryData", out);
      Immutable(obj, old, "/immutable"_json_pointer, "immutable", out);
    }
  } else if (k == "CronJob") {
    if (obj.value("/spec/schedule"_json_pointer, "").empty())
      out.push_back({"FieldValueRequired", "Required value", "spec.schedule"});
  }
  return out;
}

}  // namespace kubesim
