#include "table.h"

#include <functional>

#include "jsonpath.h"
#include "text_util.h"

namespace kubesim {
namespace {

using nlohmann::json;

struct Column {
  std::string name, type, format, description;
  int priority = 0;
};

using CellsFn = std::function<json(const json& obj, TimePoint now)>;

struct Printer {
  std::vector<Column> columns;
  std::function<std::vector<json>(const json&, TimePoint)> cells;
};

std::string Str(const json& obj, const json::json_pointer& p, const std::string& dflt = "") {
  if (!obj.contains(p)) return dflt;
  const auto& v = obj.at(p);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return dflt;
  return v.dump();
}

int64_t Int(const json& obj, const json::json_pointer& p) {
  if (!obj.contains(p)) return 0;
  const auto& v = obj.at(p);
  return v.is_number() ? v.get<int64_t>() : 0;
}

std::string Age(const json& obj, TimePoint now, const std::string& field = "creationTimestamp") {
  auto ts = ParseRfc3339(Str(obj, json::json_pointer("/metadata/" + field)));
  if (!ts) return "<unknown>";
  return HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *ts));
}

std::string Join(const std::vector<std::string>& v, const std::string& sep = ",") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string SelectorString(const json& sel) {
  std::vector<std::string> parts;
  if (sel.is_object()) {
    const json match_labels = sel.value("matchLabels", json::object());
    for (const auto& [k, v] : match_labels.items()) parts.push_back(k + "=" + v.get<std::string>());
    for (const auto& e : sel.value("matchExpressions", json::array())) {
      std::string op = e.value("operator", "");
      std::string key = e.value("key", "");
      if (op == "Exists") parts.push_back(key);
      else if (op == "DoesNotExist") parts.push_back("!" + key);
      else parts.push_back(key + " " + ToLower(op) + " (" + Join(e.value("values", std::vector<std::string>{})) + ")");
    }
  }
  return parts.empty() ? "<none>" : Join(parts);
}

std::vector<std::string> ContainerField(const json& obj, const json::json_pointer& pod_spec, const char* field) {
  std::vector<std::string> out;
  if (!obj.contains(pod_spec)) return out;
  for (const auto& c : obj.at(pod_spec).value("containers", json::array())) out.push_back(c.value(field, ""));
  return out;
}

Column Name() { return {"Name", "string", "name", "Name must be unique within a namespace.", 0}; }
Column AgeCol() { return {"Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created.", 0}; }
Column Col(std::string n, std::string type = "string", int priority = 0) { return {std::move(n), std::move(type), "", "", priority}; }

Printer WorkloadPrinter(std::vector<Column> cols, json::json_pointer pod_spec,
                        std::function<std::vector<json>(const json&, TimePoint)> head) {
  cols.push_back(Col("Containers", "string", 1));
  cols.push_back(Col("Images", "string", 1));
  cols.push_back(Col("Selector", "string", 1));
  return {cols, [head, pod_spec](const json& o, TimePoint now) {
            auto cells = head(o, now);
            cells.push_back(Join(ContainerField(o, pod_spec, "name")));
            cells.push_back(Join(ContainerField(o, pod_spec, "image")));
            cells.push_back(SelectorString(o.contains("/spec/selector"_json_pointer) ? o.at("/spec/selector"_json_pointer) : json()));
            return cells;
          }};
}

std::string PodStatus(const json& o) {
  if (o.contains("/metadata/deletionTimestamp"_json_pointer)) return "Terminating";
  std::string reason = Str(o, "/status/reason"_json_pointer);
  std::string phase = Str(o, "/status/phase"_json_pointer, "Pending");
  std::string status = reason.empty() ? phase : reason;
  for (const auto& cs : o.value("/status/containerStatuses"_json_pointer, json::array())) {
    if (cs.contains("/state/waiting/reason"_json_pointer)) return Str(cs, "/state/waiting/reason"_json_pointer);
    if (cs.contains("/state/terminated/reason"_json_pointer) && phase != "Succeeded" && phase != "Failed")
      return Str(cs, "/state/terminated/reason"_json_pointer);
  }
  return status;
}

Printer BuiltinPrinter(const ResourceType& rt) {
  const std::string& k = rt.kind;
  if (k == "Namespace")
    return {{Name(), Col("Status"), AgeCol()}, [](const json& o, TimePoint now) {
              return std::vector<json>{Str(o, "/metadata/name"_json_pointer), Str(o, "/status/phase"_json_pointer, "Active"), Age(o, now)};
            }};
  if (k == "ConfigMap")
    return {{Name(), Col("Data", "integer"), AgeCol()}, [](const json& o, TimePoint now) {
              size_t n = o.value("data", json::object()).size() + o.value("binaryData", json::object()).size();
              return std::vector<json>{Str(o, "/metadata/name"_json_pointer), n, Age(o, now)};
            }};
  if (k == "Secret")
    return {{Name(), Col("Type"), Col("Data", "integer"), AgeCol()}, [](const json& o, TimePoint now) {
              return std::vector<json>{Str(o, "/metadata/name"_json_pointer), o.value("type", "Opaque"),
                                       o.value("data", json::object()).size(), Age(o, now)};
            }};
  if (k == "ServiceAccount")
    return {{Name(), Col("Secrets", "integer"), AgeCol()}, [](const json& o, TimePoint now) {
              return std::vector<json>{Str(o, "/metadata/name"_json_pointer), o.value("secrets", json::array()).size(), Age(o, now)};
            }};
  if (k == "Service")
    return {{Name(), Col("Type"), Col("Cluster-IP"), Col("External-IP"), Col("Port(s)"), AgeCol(), Col("Selector", "string", 1)},
            [](const json& o, TimePoint now) {
              std::vector<std::string> ports;
              for (const auto& p : o.value("/spec/ports"_json_pointer, json::array())) {
                std::string s = std::to_string(p.value("port", 0));
                if (p.contains("nodePort")) s += ":" + std::to_string(p.value("nodePort", 0));
                ports.push_back(s + "/" + p.value("protocol", "TCP"));
              }
              std::vector<std::string> sel;
              const json selector = o.value("/spec/selector"_json_pointer, json::object());
              for (const auto& [key, v] : selector.items())
                sel.push_back(key + "=" + v.get<std::string>());
              return std::vector<json>{Str(o, "/metadata/name"_json_pointer), Str(o, "/spec/type"_json_pointer, "ClusterIP"),
                                       Str(o, "/spec/clusterIP"_json_pointer, "None"), "<none>",
                                       ports.empty() ? "<none>" : Join(ports), Age(o, now),
                                       sel.empty() ? "<none>" : Join(sel)};
            }};
  if (k == "Pod")
    return {{Name(), Col("Ready"), Col("Status"), Col("Restarts", "string"), AgeCol(), Col("IP", "string", 1), Col("Node", "string", 1)},
            [](const json& o, TimePoint now) {
              int total = static_cast<int>(o.value("/spec/containers"_json_pointer, json::array()).size());
              int ready = 0, restarts = 0;
              for (const auto& cs : o.value("/status/containerStatuses"_json_pointer, json::array())) {
                if (cs.value("ready", false)) ++ready;
                restarts += cs.value("restartCount", 0);
              }
              return std::vector<json>{Str(o, "/metadata/name"_json_pointer), std::to_string(ready) + "/" + std::to_string(total),
                                       PodStatus(o), std::to_string(restarts), Age(o, now),
                                       Str(o, "/status/podIP"_json_pointer, "<none>"), Str(o, "/spec/nodeName"_json_pointer, "<none>")};
            }};
  if (k == "Deployment")
    return WorkloadPrinter({Name(), Col("Ready"), Col("Up-to-date", "integer"), Col("Available", "integer"), AgeCol()},
                           "/spec/template/spec"_json_pointer, [](const json& o, TimePoint now) {
                             int64_t want = o.contains("/spec/replicas"_json_pointer) ? Int(o, "/spec/replicas"_json_pointer) : 1;
                             return std::vector<json>{Str(o, "/metadata/name"_json_pointer),
                                                      std::to_string(Int(o, "/status/readyReplicas"_json_pointer)) + "/" + std::to_string(want),
                                                      Int(o, "/status/updatedReplicas"_json_pointer),
                                                      Int(o, "/status/availableReplicas"_json_pointer), Age(o, now)};
                           });
  if (k == "ReplicaSet")
    return WorkloadPrinter({Name(), Col("Desired", "integer"), Col("Current", "integer"), Col("Ready", "integer"), AgeCol()},
                           "/spec/template/spec"_json_pointer, [](const json& o, TimePoint now) {
                             return std::vector<json>{Str(o, "/metadata/name"_json_pointer), Int(o, "/spec/replicas"_json_pointer),
                                                      Int(o, "/status/replicas"_json_pointer),
                                                      Int(o, "/status/readyReplicas"_json_pointer), Age(o, now)};
                           });
  if (k == "Job")
    return WorkloadPrinter({Name(), Col("Status"), Col("Completions"), Col("Duration"), AgeCol()}, "/spec/template/spec"_json_pointer,
                           [](const json& o, TimePoint now) {
                             std::string status = "Running";
                             for (const auto& c : o.value("/status/conditions"_json_pointer, json::array())) {
                               if (c.value("status", "") != "True") continue;
                               std::string t = c.value("type", "");
                               if (t == "Complete") status = "Complete";
                               else if (t == "Failed") status = "Failed";
                               else if (t == "Suspended") status = "Suspended";
                               else if (t == "FailureTarget" && status == "Running") status = "FailureTarget";
                               else if (t == "SuccessCriteriaMet" && status == "Running") status = "SuccessCriteriaMet";
                             }
                             int64_t completions = o.contains("/spec/completions"_json_pointer) ? Int(o, "/spec/completions"_json_pointer) : 1;
                             std::string duration;
                             auto start = ParseRfc3339(Str(o, "/status/startTime"_json_pointer));
                             auto end = ParseRfc3339(Str(o, "/status/completionTime"_json_pointer));
                             if (start) duration = HumanDuration(std::chrono::duration_cast<std::chrono::seconds>((end ? *end : now) - *start));
                             return std::vector<json>{Str(o, "/metadata/name"_json_pointer), status,
                                                      std::to_string(Int(o, "/status/succeeded"_json_pointer)) + "/" + std::to_string(completions),
                                                      duration, Age(o, now)};
                           });
  if (k == "CronJob")
    return {{Name(), Col("Schedule"), Col("Timezone"), Col("Suspend", "boolean"), Col("Active", "integer"), Col("Last Schedule"), AgeCol()},
            [](const json& o, TimePoint now) {
              auto last = ParseRfc3339(Str(o, "/status/lastScheduleTime"_json_pointer));
              return std::vector<json>{Str(o, "/metadata/name"_json_pointer), Str(o, "/spec/schedule"_json_pointer),
                                       Str(o, "/spec/timeZone"_json_pointer, "<none>"),
                                       o.value("/spec/suspend"_json_pointer, false),
                                       o.value("/status/active"_json_pointer, json::array()).size(),
                                       last ? HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *last)) : "<none>",
                                       Age(o, now)};
            }};
  if (k == "Lease")
    return {{Name(), Col("Holder"), AgeCol()}, [](const json& o, TimePoint now) {
              return std::vector<json>{Str(o, "/metadata/name"_json_pointer), Str(o, "/spec/holderIdentity"_json_pointer), Age(o, now)};
            }};
  if (k == "Ingress")
    return {{Name(), Col("Class"), Col("Hosts"), Col("Address"), Col("Ports"), AgeCol()}, [](const json& o, TimePoint now) {
              std::vector<std::string> hosts;
              for (const auto& r : o.value("/spec/rules"_json_pointer, json::array())) hosts.push_back(r.value("host", "*"));
              bool tls = !o.value("/spec/tls"_json_pointer, json::array()).empty();
              return std::vector<json>{Str(o, "/metadata/name"_json_pointer), Str(o, "/spec/ingressClassName"_json_pointer, "<none>"),
                                       hosts.empty() ? "*" : Join(hosts), "", tls ? "80, 443" : "80", Age(o, now)};
            }};
  if (k == "PodDisruptionBudget")
    return {{Name(), Col("Min Available"), Col("Max Unavailable"), Col("Allowed Disruptions", "integer"), AgeCol()},
            [](const json& o, TimePoint now) {
              return std::vector<json>{Str(o, "/metadata/name"_json_pointer), Str(o, "/spec/minAvailable"_json_pointer, "N/A"),
                                       Str(o, "/spec/maxUnavailable"_json_pointer, "N/A"),
                                       Int(o, "/status/disruptionsAllowed"_json_pointer), Age(o, now)};
            }};
  if (k == "Role" || k == "ClusterRole" || k == "CustomResourceDefinition")
    return {{Name(), Col("Created At", "date")}, [](const json& o, TimePoint) {
              return std::vector<json>{Str(o, "/metadata/name"_json_pointer), Str(o, "/metadata/creationTimestamp"_json_pointer)};
            }};
  if (k == "RoleBinding" || k == "ClusterRoleBinding")
    return {{Name(), Col("Role"), AgeCol(), Col("Users", "string", 1), Col("Groups", "string", 1), Col("ServiceAccounts", "string", 1)},
            [](const json& o, TimePoint now) {
              std::vector<std::string> users, groups, sas;
              for (const auto& s : o.value("subjects", json::array())) {
                std::string kind = s.value("kind", "");
                if (kind == "User") users.push_back(s.value("name", ""));
                else if (kind == "Group") groups.push_back(s.value("name", ""));
                else sas.push_back(s.value("namespace", "") + "/" + s.value("name", ""));
              }
              return std::vector<json>{Str(o, "/metadata/name"_json_pointer),
                                       Str(o, "/roleRef/kind"_json_pointer) + "/" + Str(o, "/roleRef/name"_json_pointer),
                                       Age(o, now), Join(users), Join(groups), Join(sas)};
            }};
  if (k == "Event") {
    // As the apiserver's printer (it prints wide; kubectl hides priority-1 columns): times fall
    // back firstTimestamp -> eventTime, lastTimestamp -> first; a series overrides both; reads
    // the core/v1 and the events.k8s.io/v1 shape alike.
    return {{Col("Last Seen"), Col("Type"), Col("Reason"), Col("Object"), Col("Subobject", "string", 1),
             Col("Source", "string", 1), Col("Message"), Col("First Seen", "string", 1), Col("Count", "string", 1),
             {"Name", "string", "name", "Name must be unique within a namespace.", 1}},
            [](const json& o, TimePoint now) {
              auto field = [&o](const char* core, const char* v1) {
                std::string s = Str(o, json::json_pointer(core));
                return s.empty() ? Str(o, json::json_pointer(v1)) : s;
              };
              auto since = [now](const std::string& ts) -> std::string {
                auto t = ParseRfc3339(ts);
                return t ? HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *t)) : "<unknown>";
              };
              std::string first_ts = field("/firstTimestamp", "/deprecatedFirstTimestamp");
              std::string first = since(first_ts.empty() ? Str(o, "/eventTime"_json_pointer) : first_ts);
              std::string last_ts = field("/lastTimestamp", "/deprecatedLastTimestamp");
              std::string last = last_ts.empty() ? first : since(last_ts);
              int64_t count = Int(o, "/count"_json_pointer);
              if (count == 0) count = Int(o, "/deprecatedCount"_json_pointer);
              if (o.contains("/series"_json_pointer) && o.at("/series"_json_pointer).is_object()) {
                last = since(Str(o, "/series/lastObservedTime"_json_pointer));
                count = Int(o, "/series/count"_json_pointer);
              } else if (count == 0) {
                count = 1;
              }
              std::string kind = ToLower(field("/involvedObject/kind", "/regarding/kind"));
              std::string name = field("/involvedObject/name", "/regarding/name");
              std::string component = field("/source/component", "/deprecatedSource/component");
              if (component.empty()) component = field("/reportingComponent", "/reportingController");
              std::string host = field("/source/host", "/deprecatedSource/host");
              if (host.empty()) host = Str(o, "/reportingInstance"_json_pointer);
              std::string message = field("/message", "/note");
              auto b = message.find_first_not_of(" \t\r\n"), e = message.find_last_not_of(" \t\r\n");
              message = b == std::string::npos ? "" : message.substr(b, e - b + 1);
              return std::vector<json>{last, Str(o, "/type"_json_pointer), Str(o, "/reason"_json_pointer),
                                       name.empty() ? kind : kind + "/" + name,
                                       field("/involvedObject/fieldPath", "/regarding/fieldPath"),
                                       host.empty() ? component : component + ", " + host, message, first, count,
                                       Str(o, "/metadata/name"_json_pointer)};
            }};
  }
  return {{Name(), AgeCol()}, [](const json& o, TimePoint now) {
            return std::vector<json>{Str(o, "/metadata/name"_json_pointer), Age(o, now)};
          }};
}

json CrdCell(const PrinterColumn& c, const json& obj, TimePoint now) {
  auto values = EvaluateJsonPath(c.json_path, obj);
  if (values.empty()) return nullptr;
  if (c.type == "date") {
    auto ts = values[0].is_string() ? ParseRfc3339(values[0].get<std::string>()) : std::nullopt;
    if (!ts) return nullptr;
    return HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *ts));
  }
  if (values.size() == 1) {
    const auto& v = values[0];
    if (c.type == "string" && !v.is_string()) return v.is_null() ? json() : json(v.dump());
    return v;
  }
  std::vector<std::string> parts;
  for (const auto& v : values) parts.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return Join(parts);
}

Printer CrdPrinter(const ResourceType& rt) {
  if (rt.columns.empty()) return BuiltinPrinter(ResourceType{});
  Printer p;
  p.columns.push_back(Name());
  for (const auto& c : rt.columns)
    p.columns.push_back({c.name, c.type == "date" ? "string" : c.type, c.format, c.description, c.priority});
  auto columns = rt.columns;
  p.cells = [columns](const json& o, TimePoint now) {
    std::vector<json> cells{Str(o, "/metadata/name"_json_pointer)};
    for (const auto& c : columns) cells.push_back(CrdCell(c, o, now));
    return cells;
  };
  return p;
}

json PartialMetadata(const json& obj) {
  return {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", obj.value("metadata", json::object())}};
}

}  // namespace

json ToTable(const ResourceType& rt, const std::vector<json>& objects, TimePoint now, const std::string& include_object,
             bool with_columns, const std::string& resource_version) {
  Printer p = rt.builtin ? BuiltinPrinter(rt) : CrdPrinter(rt);
  json table = {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", {{"resourceVersion", resource_version}}}};
  json cols = json::array();
  for (const auto& c : p.columns)
    cols.push_back({{"name", c.name}, {"type", c.type}, {"format", c.format}, {"description", c.description}, {"priority", c.priority}});
  table["columnDefinitions"] = with_columns ? cols : json::array();
  json rows = json::array();
  for (const auto& o : objects) {
    json row = {{"cells", p.cells(o, now)}};
    if (include_object == "Object") row["object"] = o;
    else if (include_object != "None") row["object"] = PartialMetadata(o);
    rows.push_back(row);
  }
  table["rows"] = rows;
  return table;
}

}  // namespace kubesim
