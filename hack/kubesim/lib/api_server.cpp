#include "api_server.h"

#include <algorithm>
#include <set>
#include <thread>
#include <unordered_map>

#include "builtin_semantics.h"
#include "discovery.h"
#include "field_types.h"
#include "openapi.h"
#include "patch.h"
#include "protobuf_decode.h"
#include "selector.h"
#include "server_side_apply.h"
#include "structural_schema.h"
#include "table.h"
#include "text_util.h"
#include "yaml_json.h"

namespace kubesim {

using nlohmann::json;

struct ApiServer::Ctx {
  RequestInfo ri;
  ResourceTypePtr rt;
  std::string user_agent;
  std::string manager;
  bool dry_run = false;
  std::string field_validation;  // Strict, Warn, Ignore or ""
  std::string now;
  mutable std::vector<std::string> warnings;

  bool is_status() const { return ri.subresource == "status"; }
  const ResourceType& type() const { return *rt; }
};

namespace {

constexpr const char* kTableContentType = "application/json;as=Table;v=v1;g=meta.k8s.io";

ApiResponse JsonResponse(int code, const json& body, const std::string& content_type = "application/json") {
  ApiResponse r;
  r.response.status = code;
  r.response.content_type = content_type;
  r.response.body = body.dump();
  return r;
}

ApiResponse ErrorResponse(const ApiError& e) {
  ApiResponse r = JsonResponse(e.code, e.ToStatus());
  if (e.retry_after_seconds > 0) r.response.headers.emplace_back("Retry-After", std::to_string(e.retry_after_seconds));
  return r;
}

ApiResponse TextResponse(int code, std::string body) {
  ApiResponse r;
  r.response.status = code;
  r.response.content_type = "text/plain; charset=utf-8";
  r.response.body = std::move(body);
  return r;
}

std::string MediaType(const std::string& content_type) {
  auto semi = content_type.find(';');
  std::string m = ToLower(content_type.substr(0, semi));
  m.erase(std::remove(m.begin(), m.end(), ' '), m.end());
  return m;
}

bool WantsTable(const HttpRequest& req) { return req.Header("accept").find("as=Table") != std::string::npos; }

// The aggregated discovery version the client asks for ("v2", "v2beta1") or "".
std::string WantsAggregated(const HttpRequest& req) {
  std::string accept = req.Header("accept");
  size_t pos = 0;
  while (pos <= accept.size()) {
    size_t comma = accept.find(',', pos);
    std::string clause = accept.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (clause.find("as=APIGroupDiscoveryList") != std::string::npos &&
        clause.find("g=apidiscovery.k8s.io") != std::string::npos) {
      if (clause.find("v=v2beta1") != std::string::npos) return "v2beta1";
      if (clause.find("v=v2") != std::string::npos) return "v2";
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return "";
}

std::string NotFoundMessage(const ResourceType& rt, const std::string& name) {
  return rt.GroupResource() + " \"" + name + "\" not found";
}

ApiError NotFound(const ResourceType& rt, const std::string& name) {
  ApiError e = ApiError::NotFound(NotFoundMessage(rt, name));
  e.details_name = name;
  e.details_group = rt.group;
  e.details_kind = rt.plural;
  return e;
}

ApiError ConflictModified(const ResourceType& rt, const std::string& name) {
  ApiError e = ApiError::Conflict("Operation cannot be fulfilled on " + rt.GroupResource() + " \"" + name +
                                  "\": the object has been modified; please apply your changes to the latest version "
                                  "and try again");
  e.details_name = name;
  e.details_group = rt.group;
  e.details_kind = rt.plural;
  return e;
}

ApiError ServerNotFound() { return ApiError::NotFound("the server could not find the requested resource"); }

const json& Meta(const json& obj) {
  static const json empty = json::object();
  auto it = obj.find("metadata");
  return it != obj.end() && it->is_object() ? *it : empty;
}

std::string MetaStr(const json& obj, const char* field) {
  const json& m = Meta(obj);
  auto it = m.find(field);
  return it != m.end() && it->is_string() ? it->get<std::string>() : "";
}

std::vector<std::string> Finalizers(const json& obj) {
  std::vector<std::string> out;
  for (const auto& f : Meta(obj).value("finalizers", json::array()))
    if (f.is_string()) out.push_back(f.get<std::string>());
  return out;
}

void SetFinalizers(json& obj, const std::vector<std::string>& fs) {
  if (fs.empty()) obj["metadata"].erase("finalizers");
  else obj["metadata"]["finalizers"] = fs;
}

bool Has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// What a generation counts: everything but metadata, and but status when status is a subresource
// (a custom resource without one bumps its generation on status changes too, as in the real server).
json SpecPart(const json& obj, bool status_is_subresource) {
  json o = obj;
  o.erase("metadata");
  if (status_is_subresource) o.erase("status");
  o.erase("apiVersion");
  o.erase("kind");
  return o;
}

// For no-op detection: the object without what every write changes anyway.
json Comparable(const json& obj) {
  json o = obj;
  if (o.contains("metadata") && o["metadata"].is_object()) {
    o["metadata"].erase("resourceVersion");
    if (o["metadata"].contains("managedFields") && o["metadata"]["managedFields"].is_array())
      for (auto& mf : o["metadata"]["managedFields"])
        if (mf.is_object()) mf.erase("time");
  }
  return o;
}

std::vector<std::string> SupportedFieldSelectors(const ResourceType& rt) {
  std::vector<std::string> f = {"metadata.name", "metadata.namespace"};
  if (rt.kind == "Pod") f.insert(f.end(), {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                                             "spec.serviceAccountName", "status.phase", "status.podIP"});
  if (rt.kind == "Event")
    f.insert(f.end(), {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                       "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
                       "reason", "reportingComponent", "source", "type", "regarding.kind", "regarding.name",
                       "regarding.namespace", "regarding.uid"});
  if (rt.kind == "Secret") f.push_back("type");
  if (rt.kind == "Namespace") f.push_back("status.phase");
  if (rt.kind == "Job") f.push_back("status.successful");
  if (rt.kind == "ReplicaSet") f.push_back("status.replicas");
  return f;
}

// core/v1 Event <-> events.k8s.io/v1 Event (one storage, two shapes): field pairs
// {core/v1 name, events.k8s.io/v1 name}.
constexpr std::pair<const char*, const char*> kEventFields[] = {
    {"involvedObject", "regarding"},        {"message", "note"},
    {"reason", "reason"},                   {"type", "type"},
    {"action", "action"},                   {"related", "related"},
    {"eventTime", "eventTime"},             {"series", "series"},
    {"reportingComponent", "reportingController"}, {"reportingInstance", "reportingInstance"},
    {"count", "deprecatedCount"},           {"firstTimestamp", "deprecatedFirstTimestamp"},
    {"lastTimestamp", "deprecatedLastTimestamp"},   {"source", "deprecatedSource"},
};

json ConvertEvent(const json& e, bool to_events_v1) {
  json out = {{"metadata", e.value("metadata", json::object())}};
  for (const auto& [core, v1] : kEventFields) {
    const char* from = to_events_v1 ? core : v1;
    const char* to = to_events_v1 ? v1 : core;
    if (e.contains(from) && !e[from].is_null()) out[to] = e[from];
  }
  if (to_events_v1 && !out.contains("reportingController") && e.contains("/source/component"_json_pointer))
    out["reportingController"] = e["/source/component"_json_pointer];
  if (!to_events_v1 && !out.contains("involvedObject")) out["involvedObject"] = json::object();
  return out;
}

std::string ManagerFromUserAgent(const std::string& ua) {
  std::string m = ua.substr(0, ua.find('/'));
  if (m.size() > 128) m.resize(128);
  return m.empty() ? "unknown" : m;
}

std::unique_ptr<FieldTypes> TypesFor(const ResourceType& rt) {
  if (rt.builtin) return nullptr;
  return SchemaFieldTypes(rt.schema.is_object() ? rt.schema : json::object());
}

struct ContinueToken {
  uint64_t rv = 0;
  std::string start;  // "ns/name" of the last item returned
};

std::string EncodeContinue(const ContinueToken& t) {
  return Base64Encode(json{{"v", "meta.k8s.io/v1"}, {"rv", t.rv}, {"start", t.start}}.dump());
}

std::optional<ContinueToken> DecodeContinue(const std::string& s) {
  auto raw = Base64Decode(s);
  if (!raw) return std::nullopt;
  try {
    json j = json::parse(*raw);
    return ContinueToken{j.at("rv").get<uint64_t>(), j.at("start").get<std::string>()};
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Watch streams

class ApiServer::WatchStream final : public ResponseStream {
 public:
  WatchStream(ApiServer* api, std::shared_ptr<Watcher> w, ResourceTypePtr rt, LabelSelector labels,
              FieldSelector fields, bool bookmarks, bool table, std::string include_object,
              std::chrono::steady_clock::time_point deadline, std::optional<json> error_event)
      : api_(api),
        watcher_(std::move(w)),
        rt_(std::move(rt)),
        labels_(std::move(labels)),
        fields_(std::move(fields)),
        bookmarks_(bookmarks),
        table_(table),
        include_object_(std::move(include_object)),
        deadline_(deadline),
        error_event_(std::move(error_event)),
        next_bookmark_(std::chrono::steady_clock::now() + api->opts_.bookmark_interval) {}

  ~WatchStream() override {
    if (watcher_) watcher_->Close();
  }

  std::optional<std::string> Next(std::chrono::milliseconds wait) override {
    if (done_) return std::nullopt;
    if (error_event_) {
      done_ = true;
      std::string line = json{{"type", "ERROR"}, {"object", *error_event_}}.dump() + "\n";
      error_event_.reset();
      return line;
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline_) {
      done_ = true;
      return std::nullopt;
    }
    auto until = std::min({now + wait, deadline_, bookmarks_ ? next_bookmark_ : deadline_});
    auto ev = watcher_->Next(std::chrono::duration_cast<std::chrono::milliseconds>(until - now) +
                             std::chrono::milliseconds(1));
    if (ev) {
      if (auto line = Render(*ev)) return line;
      return std::nullopt;
    }
    if (watcher_->Closed()) {
      done_ = true;
      return std::nullopt;
    }
    if (bookmarks_ && std::chrono::steady_clock::now() >= next_bookmark_) {
      next_bookmark_ = std::chrono::steady_clock::now() + api_->opts_.bookmark_interval;
      json obj = {{"kind", rt_->kind},
                  {"apiVersion", rt_->ApiVersion()},
                  {"metadata", {{"resourceVersion", std::to_string(last_rv_ ? last_rv_ : api_->CurrentResourceVersion())}}}};
      if (table_) obj = TableFor(obj);
      return json{{"type", "BOOKMARK"}, {"object", obj}}.dump() + "\n";
    }
    return std::nullopt;
  }

  bool Done() const override { return done_; }
  void Cancel() override {
    done_ = true;
    watcher_->Close();
  }

 private:
  bool Selected(const json& obj) const {
    if (obj.is_null()) return false;
    return labels_.Matches(Meta(obj).value("labels", json::object())) && fields_.Matches(obj);
  }

  json TableFor(const json& obj) {
    bool first = !sent_columns_;
    sent_columns_ = true;
    return ToTable(*rt_, {obj}, api_->clock_.Now(), include_object_, first, MetaStr(obj, "resourceVersion"));
  }

  std::optional<std::string> Render(const StoreEvent& ev) {
    last_rv_ = ev.rv;
    std::string type = ev.type;
    bool now_in = Selected(ev.object);
    if (type == "MODIFIED") {
      bool before_in = Selected(ev.prev);
      if (now_in && !before_in) type = "ADDED";
      else if (!now_in && before_in) type = "DELETED";
      else if (!now_in) return std::nullopt;
    } else if (!now_in) {
      return std::nullopt;
    }
    json obj = api_->ToVersion(ev.object, *rt_);
    if (table_) obj = TableFor(obj);
    return json{{"type", type}, {"object", obj}}.dump() + "\n";
  }

  ApiServer* api_;
  std::shared_ptr<Watcher> watcher_;
  ResourceTypePtr rt_;
  LabelSelector labels_;
  FieldSelector fields_;
  bool bookmarks_;
  bool table_;
  std::string include_object_;
  std::chrono::steady_clock::time_point deadline_;
  std::optional<json> error_event_;
  std::chrono::steady_clock::time_point next_bookmark_;
  bool sent_columns_ = false;
  uint64_t last_rv_ = 0;
  std::atomic<bool> done_{false};
};

// ---------------------------------------------------------------------------------------------
// Construction

ApiServer::ApiServer(const Clock& clock, ApiServerOptions opts)
    : clock_(clock), opts_(std::move(opts)), store_(opts_.watch_history_limit) {
  std::lock_guard lock(mu_);
  auto now = Rfc3339(clock_.Now());
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    json ns = {{"apiVersion", "v1"},
               {"kind", "Namespace"},
               {"metadata", {{"name", name}, {"uid", NewUid()}, {"creationTimestamp", now}}}};
    auto rt = registry_.Find("", "v1", "namespaces");
    DefaultBuiltin(*rt, ns);
    store_.Put("/namespaces", "", name, ns, "ADDED");
    OnNamespaceCreatedLocked(ns);
  }
  current_rv_ = store_.CurrentRv();
  gc_thread_ = std::thread([this] { GcLoop(); });
}

ApiServer::~ApiServer() { Shutdown(); }

void ApiServer::Shutdown() {
  {
    std::lock_guard lock(gc_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  gc_cv_.notify_all();
  if (gc_thread_.joinable()) gc_thread_.join();
  DropAllWatches();
}

void ApiServer::SetServerAddress(std::string address) {
  std::lock_guard lock(mu_);
  server_address_ = std::move(address);
}

void ApiServer::DropAllWatches() {
  std::lock_guard lock(mu_);
  store_.CloseAllWatchers();
}

std::optional<json> ApiServer::GetObject(const std::string& group, const std::string& plural, const std::string& ns,
                                         const std::string& name) {
  std::lock_guard lock(mu_);
  const json* o = store_.Get(group + "/" + plural, ns, name);
  if (!o) return std::nullopt;
  return *o;
}

std::vector<json> ApiServer::ListObjects(const std::string& group, const std::string& plural, const std::string& ns) {
  std::lock_guard lock(mu_);
  std::vector<json> out;
  for (const json* o : store_.List(group + "/" + plural, ns)) out.push_back(*o);
  return out;
}

json ApiServer::ToVersion(json obj, const ResourceType& rt) const {
  if (rt.builtin && rt.group == "events.k8s.io") obj = ConvertEvent(obj, /*to_events_v1=*/true);
  obj["apiVersion"] = rt.ApiVersion();
  obj["kind"] = rt.kind;
  return obj;
}

json ApiServer::FromVersion(json obj, const ResourceType& rt) const {
  if (rt.builtin && rt.group == "events.k8s.io") {
    obj = ConvertEvent(obj, /*to_events_v1=*/false);
    obj["apiVersion"] = "v1";
    obj["kind"] = "Event";
  }
  return obj;
}

// ---------------------------------------------------------------------------------------------
// Dispatch

ApiResponse ApiServer::Handle(const HttpRequest& req) {
  RequestInfo ri = ParseRequestInfo(req.method, req.path, req.query);
  int code = 0;
  ApiResponse res;
  try {
    res = HandleUnlocked(req, ri, code);
  } catch (const std::exception& e) {
    res = ErrorResponse(ApiError::Internal(std::string("kube-sim internal error: ") + e.what()));
  }
  if (!StartsWith(req.path, "/admin/")) {
    RequestRecord r;
    r.verb = ri.is_resource ? ri.verb : req.method;
    r.resource = ri.is_resource ? (ri.group.empty() ? ri.resource : ri.resource + "." + ri.group) +
                                      (ri.subresource.empty() ? "" : "/" + ri.subresource)
                                : req.path;
    r.ns = ri.ns;
    r.name = ri.name;
    r.code = res.response.status;
    r.user_agent = req.Header("user-agent");
    r.method = req.method;
    r.path = req.path;
    r.content_type = req.Header("content-type");
    r.time = Rfc3339Micro(clock_.Now());
    accounting_.Record(std::move(r));
  }
  return res;
}

ApiResponse ApiServer::HandleUnlocked(const HttpRequest& req, RequestInfo& ri, int& code) {
  const std::string& p = req.path;
  bool anonymous_ok = p == "/healthz" || p == "/livez" || p == "/readyz" || p == "/version";
  if (!anonymous_ok && !opts_.token.empty() && req.Header("authorization") != "Bearer " + opts_.token)
    return ErrorResponse(ApiError::Unauthorized());
  if (StartsWith(p, "/admin/")) return HandleAdmin(req, code);
  if (auto latency = faults_.Latency(); latency.count() > 0) std::this_thread::sleep_for(latency);
  if (!ri.is_resource) return HandleNonResource(req, code);
  // A rule names the resource as accounting does ("deployments.apps") or by plural alone.
  std::string resource = ri.group.empty() ? ri.resource : ri.resource + "." + ri.group;
  if (auto err = faults_.Injected(ri.verb, resource)) return ErrorResponse(*err);
  return HandleResource(req, ri, code);
}

ApiResponse ApiServer::HandleNonResource(const HttpRequest& req, int& /*code*/) {
  const std::string& p = req.path;
  if (req.method != "GET") return ErrorResponse(ApiError::MethodNotAllowed("the server does not allow this method on the requested resource"));
  if (p == "/healthz" || p == "/livez" || p == "/readyz") return TextResponse(200, "ok");
  if (p == "/version")
    return JsonResponse(200, {{"major", "1"},
                              {"minor", "32"},
                              {"gitVersion", opts_.git_version},
                              {"gitCommit", "kubesim"},
                              {"gitTreeState", "clean"},
                              {"buildDate", "2026-01-01T00:00:00Z"},
                              {"goVersion", "go1.23.0"},
                              {"compiler", "gc"},
                              {"platform", "linux/amd64"}});
  if (p == "/api" || p == "/api/" || p == "/apis" || p == "/apis/") {
    bool core = StartsWith(p, "/api") && !StartsWith(p, "/apis");
    std::string agg = WantsAggregated(req);
    if (!agg.empty())
      return JsonResponse(200, AggregatedDiscovery(registry_, core, "apidiscovery.k8s.io/" + agg),
                          "application/json;g=apidiscovery.k8s.io;v=" + agg + ";as=APIGroupDiscoveryList");
    if (core) {
      std::string addr;
      {
        std::lock_guard lock(mu_);
        addr = server_address_;
      }
      return JsonResponse(200, ApiVersions(addr));
    }
    return JsonResponse(200, ApiGroupList(registry_));
  }
  if (p == "/api/v1") return JsonResponse(200, ApiResourceList(registry_, "", "v1"));
  if (StartsWith(p, "/apis/")) {
    std::string rest = p.substr(6);
    auto slash = rest.find('/');
    if (slash == std::string::npos) {
      json g = ApiGroup(registry_, rest);
      return g.is_null() ? ErrorResponse(ServerNotFound()) : JsonResponse(200, g);
    }
    json l = ApiResourceList(registry_, rest.substr(0, slash), rest.substr(slash + 1));
    return l.is_null() ? ErrorResponse(ServerNotFound()) : JsonResponse(200, l);
  }
  if (p == "/openapi/v3" || p == "/openapi/v3/") return JsonResponse(200, OpenApiRoot(registry_));
  if (StartsWith(p, "/openapi/v3/")) {
    std::string rest = p.substr(12);
    json doc;
    if (rest == "api/v1") {
      doc = OpenApiGroupVersion(registry_, "", "v1");
    } else if (StartsWith(rest, "apis/")) {
      std::string gv = rest.substr(5);
      auto slash = gv.find('/');
      if (slash != std::string::npos) doc = OpenApiGroupVersion(registry_, gv.substr(0, slash), gv.substr(slash + 1));
    }
    return doc.is_null() ? ErrorResponse(ServerNotFound()) : JsonResponse(200, doc);
  }
  return ErrorResponse(ServerNotFound());
}

void ApiServer::RegisterAdminHandler(std::string path, std::function<ApiResponse(const HttpRequest&)> handler) {
  std::lock_guard lock(admin_mu_);
  admin_handlers_[std::move(path)] = std::move(handler);
}

ApiResponse ApiServer::HandleAdmin(const HttpRequest& req, int& /*code*/) {
  const std::string& p = req.path;
  if (p == "/admin/v1/faults") {
    if (req.method == "GET") return JsonResponse(200, faults_.Config());
    if (req.method == "PUT" || req.method == "POST") {
      auto body = ParseJsonOrYaml(req.body);
      if (!body.ok()) return ErrorResponse(body.error());
      if (auto err = faults_.Configure(body.value())) return ErrorResponse(*err);
      return JsonResponse(200, faults_.Config());
    }
    if (req.method == "DELETE") {
      faults_.Configure(json::object());
      return JsonResponse(200, faults_.Config());
    }
  }
  if (p == "/admin/v1/faults/drop-watches" && req.method == "POST") {
    size_t n;
    {
      std::lock_guard lock(mu_);
      n = store_.WatcherCount();
      store_.CloseAllWatchers();
    }
    return JsonResponse(200, {{"dropped", n}});
  }
  if (p == "/admin/v1/faults/refuse-connections" && req.method == "POST") {
    std::string s = req.Query("seconds");
    double secs = 0;
    try {
      secs = s.empty() ? 0 : std::stod(s);
    } catch (...) {
      secs = -1;
    }
    if (secs <= 0 || secs > 600)
      return ErrorResponse(ApiError::BadRequest("refuse-connections: query parameter seconds must be from 0 to 600, e.g. ?seconds=3"));
    faults_.RefuseConnectionsFor(std::chrono::milliseconds(static_cast<long long>(secs * 1000)));
    return JsonResponse(200, {{"refusingForSeconds", secs}});
  }
  if (p == "/admin/v1/accounting") {
    if (req.method == "GET") return JsonResponse(200, accounting_.Counts());
    if (req.method == "DELETE") {
      accounting_.Reset();
      return JsonResponse(200, accounting_.Counts());
    }
  }
  if (p == "/admin/v1/requests" && req.method == "GET") {
    uint64_t since = 0;
    try {
      since = req.Query("since").empty() ? 0 : std::stoull(req.Query("since"));
    } catch (...) {
      return ErrorResponse(ApiError::BadRequest("requests: since must be a whole number"));
    }
    return JsonResponse(200, accounting_.Log(since));
  }
  std::function<ApiResponse(const HttpRequest&)> extra;
  {
    std::lock_guard lock(admin_mu_);
    if (auto it = admin_handlers_.find(p); it != admin_handlers_.end()) extra = it->second;
  }
  if (extra) return extra(req);
  return ErrorResponse(ApiError::NotFound("kube-sim admin: no endpoint " + req.method + " " + p +
                                          " (see README: faults, faults/drop-watches, faults/refuse-connections, accounting, requests)"));
}

ApiResponse ApiServer::HandleResource(const HttpRequest& req, const RequestInfo& ri, int& code) {
  Ctx c;
  c.ri = ri;
  c.rt = registry_.Find(ri.group, ri.version, ri.resource);
  if (!c.rt) return ErrorResponse(ServerNotFound());
  const ResourceType& rt = *c.rt;
  bool item_verb = ri.verb == "get" || ri.verb == "update" || ri.verb == "patch" || ri.verb == "delete";
  if (rt.namespaced && ri.ns.empty() && (item_verb || ri.verb == "create" || ri.verb == "deletecollection"))
    return ErrorResponse(ServerNotFound());
  if (!rt.namespaced && !ri.ns.empty()) return ErrorResponse(ServerNotFound());
  if (!ri.subresource.empty()) {
    if (ri.subresource != "status" || !rt.has_status) return ErrorResponse(ServerNotFound());
    if (ri.verb != "get" && ri.verb != "update" && ri.verb != "patch")
      return ErrorResponse(ApiError::MethodNotAllowed("the server does not allow this method on the requested resource"));
  }
  c.user_agent = req.Header("user-agent");
  c.manager = req.Query("fieldManager").empty() ? ManagerFromUserAgent(c.user_agent) : req.Query("fieldManager");
  c.dry_run = req.Query("dryRun") == "All";
  if (req.HasQuery("dryRun") && !c.dry_run)
    return ErrorResponse(ApiError::BadRequest("dryRun: Unsupported value: \"" + req.Query("dryRun") + "\": supported values: \"All\""));
  c.field_validation = req.Query("fieldValidation");
  c.now = Rfc3339(clock_.Now());

  auto decode_body = [&]() -> Result<json> {
    std::string ct = MediaType(req.Header("content-type"));
    if (ct == "application/vnd.kubernetes.protobuf") return DecodeKubernetesProtobuf(req.body);
    if (req.body.empty()) return ApiError::BadRequest("the request body is empty: send the object as JSON or YAML");
    if (ct.empty() || ct == "application/json" || ct == "application/yaml" || ct == "*/*") {
      auto parsed = ParseJsonOrYaml(req.body);
      if (!parsed.ok()) return parsed.error();
      if (!parsed.value().is_object()) return ApiError::BadRequest("the request body must be a JSON object");
      return parsed;
    }
    return ApiError::UnsupportedMediaType("the body of the request was in an unknown format - accepted media types include: "
                                          "application/json, application/yaml, application/vnd.kubernetes.protobuf");
  };
  auto with_warnings = [&](ApiResponse r) {
    for (const auto& w : c.warnings) r.response.headers.emplace_back("Warning", "299 - " + json(w).dump());
    return r;
  };
  auto object_response = [&](int status, const json& obj) {
    if (WantsTable(req) && ri.verb == "get") {
      return JsonResponse(status, ToTable(rt, {obj}, clock_.Now(), req.Query("includeObject"), true, MetaStr(obj, "resourceVersion")),
                          kTableContentType);
    }
    return with_warnings(JsonResponse(status, obj));
  };

  if (ri.verb == "get") {
    auto r = Get(c);
    return r.ok() ? object_response(200, r.value()) : ErrorResponse(r.error());
  }
  if (ri.verb == "list") {
    auto r = List(c, req);
    if (!r.ok()) return ErrorResponse(r.error());
    if (WantsTable(req)) {
      std::vector<json> items(r.value()["items"].begin(), r.value()["items"].end());
      json t = ToTable(rt, items, clock_.Now(), req.Query("includeObject"), true, r.value()["metadata"].value("resourceVersion", ""));
      t["metadata"] = r.value()["metadata"];
      return JsonResponse(200, t, kTableContentType);
    }
    return JsonResponse(200, r.value());
  }
  if (ri.verb == "watch") return Watch(c, req, code);
  if (ri.verb == "create") {
    if (!ri.name.empty()) return ErrorResponse(ApiError::MethodNotAllowed("the server does not allow this method on the requested resource"));
    auto body = decode_body();
    if (!body.ok()) return ErrorResponse(body.error());
    auto r = Create(c, std::move(body).value());
    // Dry-run answers with the status code of the real request (201), only nothing is stored.
    return r.ok() ? with_warnings(JsonResponse(201, r.value())) : ErrorResponse(r.error());
  }
  if (ri.verb == "update") {
    auto body = decode_body();
    if (!body.ok()) return ErrorResponse(body.error());
    auto r = Update(c, std::move(body).value());
    return r.ok() ? with_warnings(JsonResponse(200, r.value())) : ErrorResponse(r.error());
  }
  if (ri.verb == "patch") {
    int status = 200;
    auto r = Patch(c, req, status);
    return r.ok() ? with_warnings(JsonResponse(status, r.value())) : ErrorResponse(r.error());
  }
  if (ri.verb == "delete") {
    auto r = Delete(c, req);
    return r.ok() ? JsonResponse(200, r.value()) : ErrorResponse(r.error());
  }
  if (ri.verb == "deletecollection") {
    auto r = DeleteCollection(c, req);
    return r.ok() ? JsonResponse(200, r.value()) : ErrorResponse(r.error());
  }
  return ErrorResponse(ApiError::MethodNotAllowed("the server does not allow this method on the requested resource"));
}

// ---------------------------------------------------------------------------------------------
// Reads

Result<json> ApiServer::Get(const Ctx& c) {
  std::lock_guard lock(mu_);
  const json* o = store_.Get(c.type().StorageKey(), c.ri.ns, c.ri.name);
  if (!o) return NotFound(c.type(), c.ri.name);
  return ToVersion(*o, c.type());
}

Result<json> ApiServer::List(const Ctx& c, const HttpRequest& req) {
  auto labels = ParseLabelSelector(req.Query("labelSelector"));
  if (!labels.ok()) return labels.error();
  auto fields = ParseFieldSelector(req.Query("fieldSelector"), SupportedFieldSelectors(c.type()));
  if (!fields.ok()) return fields.error();
  int64_t limit = 0;
  if (!req.Query("limit").empty()) {
    try {
      limit = std::stoll(req.Query("limit"));
    } catch (...) {
      return ApiError::BadRequest("limit: Invalid value: \"" + req.Query("limit") + "\": must be a whole number");
    }
  }
  std::optional<ContinueToken> cont;
  if (!req.Query("continue").empty()) {
    cont = DecodeContinue(req.Query("continue"));
    if (!cont) return ApiError::BadRequest("continue key is not valid: the token could not be decoded");
  }
  std::lock_guard lock(mu_);
  if (cont && cont->rv < store_.OldestWatchableRv()) {
    return ApiError::Gone("The provided continue parameter is too old to display a consistent list result. You can start a "
                          "new list without the continue parameter.");
  }
  uint64_t rv = cont ? cont->rv : store_.CurrentRv();
  json items = json::array();
  std::string last_slot;
  int64_t remaining = 0;
  for (const json* o : store_.List(c.type().StorageKey(), c.ri.ns)) {
    std::string slot = MetaStr(*o, "namespace") + "/" + MetaStr(*o, "name");
    if (cont && slot <= cont->start) continue;
    json obj = ToVersion(*o, c.type());
    if (!labels.value().Matches(Meta(obj).value("labels", json::object())) || !fields.value().Matches(obj)) continue;
    if (limit > 0 && static_cast<int64_t>(items.size()) >= limit) {
      ++remaining;
      continue;
    }
    items.push_back(std::move(obj));
    last_slot = slot;
  }
  json meta = {{"resourceVersion", std::to_string(rv)}};
  if (remaining > 0) {
    meta["continue"] = EncodeContinue({rv, last_slot});
    if (labels.value().MatchesEverything() && fields.value().MatchesEverything()) meta["remainingItemCount"] = remaining;
  }
  return json{{"kind", c.type().ListKind()}, {"apiVersion", c.type().ApiVersion()}, {"metadata", meta}, {"items", items}};
}

ApiResponse ApiServer::Watch(const Ctx& c, const HttpRequest& req, int& /*code*/) {
  auto labels = ParseLabelSelector(req.Query("labelSelector"));
  if (!labels.ok()) return ErrorResponse(labels.error());
  auto fields = ParseFieldSelector(req.Query("fieldSelector"), SupportedFieldSelectors(c.type()));
  if (!fields.ok()) return ErrorResponse(fields.error());
  uint64_t from = 0;
  std::string rv_text = req.Query("resourceVersion");
  if (!rv_text.empty()) {
    try {
      from = std::stoull(rv_text);
    } catch (...) {
      return ErrorResponse(ApiError::BadRequest("resourceVersion: Invalid value: \"" + rv_text + "\": must be a number"));
    }
  }
  auto timeout = opts_.default_watch_timeout;
  if (!req.Query("timeoutSeconds").empty()) {
    try {
      // 0 means "no client timeout" (the server's own limit applies), as in the real server.
      if (auto secs = std::stoll(req.Query("timeoutSeconds")); secs > 0) timeout = std::chrono::seconds(secs);
    } catch (...) {
      return ErrorResponse(ApiError::BadRequest("timeoutSeconds must be a whole number"));
    }
  }
  bool bookmarks = req.Query("allowWatchBookmarks") == "true";
  std::optional<json> error_event;
  std::shared_ptr<Watcher> watcher;
  if (faults_.TakeGoneWatch()) {
    error_event = ApiError::Gone("too old resource version: " + rv_text + " (kube-sim fault)").ToStatus();
    watcher = std::make_shared<Watcher>(c.type().StorageKey(), c.ri.ns, 1);
  } else {
    std::lock_guard lock(mu_);
    auto w = store_.Watch(c.type().StorageKey(), c.ri.ns, from, from == 0);
    if (!w.ok()) {
      error_event = w.error().ToStatus();
      watcher = std::make_shared<Watcher>(c.type().StorageKey(), c.ri.ns, 1);
    } else {
      watcher = w.value();
    }
  }
  ApiResponse r;
  r.response.status = 200;
  r.response.content_type = WantsTable(req) ? kTableContentType : "application/json";
  r.stream = std::make_unique<WatchStream>(this, watcher, c.rt, labels.value(), fields.value(), bookmarks, WantsTable(req),
                                           req.Query("includeObject"), std::chrono::steady_clock::now() + timeout,
                                           error_event);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Writes

Result<json> ApiServer::PrepareCustomResource(const Ctx& c, json obj, bool strict) {
  const ResourceType& rt = c.type();
  if (!rt.schema.is_object()) return obj;
  auto unknown = UnknownFieldPaths(rt.schema, obj);
  if (!unknown.empty()) {
    std::string msg;
    for (const auto& u : unknown) {
      std::string path = u.starts_with(".") ? u.substr(1) : u;
      msg += (msg.empty() ? "" : ", ") + std::string("unknown field \"") + path + "\"";
    }
    if (strict) return ApiError::BadRequest("strict decoding error: " + msg);
    if (c.field_validation == "Warn")
      for (const auto& u : unknown) c.warnings.push_back("unknown field \"" + (u.starts_with(".") ? u.substr(1) : u) + "\"");
  }
  PruneUnknownFields(rt.schema, obj);
  PruneNonNullableNulls(rt.schema, obj);
  ApplyDefaults(rt.schema, obj);
  auto causes = ValidateAgainstSchema(rt.schema, obj);
  auto meta_causes = ValidateObjectMeta(Meta(obj));
  causes.insert(causes.end(), meta_causes.begin(), meta_causes.end());
  if (!causes.empty()) return InvalidError(rt.kind, rt.group, MetaStr(obj, "name"), causes);
  return obj;
}

namespace {

std::vector<StatusCause> ValidateCrd(const json& crd) {
  std::vector<StatusCause> out;
  const json spec = crd.value("spec", json::object());
  std::string group = spec.value("group", "");
  const json names = spec.value("names", json::object());
  std::string plural = names.value("plural", "");
  if (group.empty()) out.push_back({"FieldValueRequired", "Required value", "spec.group"});
  if (plural.empty()) out.push_back({"FieldValueRequired", "Required value", "spec.names.plural"});
  if (names.value("kind", "").empty()) out.push_back({"FieldValueRequired", "Required value", "spec.names.kind"});
  std::string scope = spec.value("scope", "");
  if (scope != "Namespaced" && scope != "Cluster")
    out.push_back({"FieldValueNotSupported", "Unsupported value: \"" + scope + "\": supported values: \"Cluster\", \"Namespaced\"",
                   "spec.scope"});
  std::string name = MetaStr(crd, "name");
  if (!plural.empty() && !group.empty() && name != plural + "." + group)
    out.push_back({"FieldValueInvalid", "Invalid value: \"" + name + "\": must be spec.names.plural+\".\"+spec.group", "metadata.name"});
  const json versions = spec.value("versions", json::array());
  if (versions.empty()) out.push_back({"FieldValueInvalid", "Invalid value: \"\": must have exactly one version marked as storage version", "spec.versions"});
  int storage = 0;
  for (size_t i = 0; i < versions.size(); ++i) {
    const auto& v = versions[i];
    if (v.value("storage", false)) ++storage;
    std::string at = "spec.versions[" + std::to_string(i) + "]";
    if (v.contains("/schema/openAPIV3Schema"_json_pointer)) {
      auto causes = CheckStructural(v["schema"]["openAPIV3Schema"], at + ".schema.openAPIV3Schema");
      out.insert(out.end(), causes.begin(), causes.end());
    } else {
      out.push_back({"FieldValueRequired", "Required value: schemas are required", at + ".schema.openAPIV3Schema"});
    }
  }
  if (!versions.empty() && storage != 1)
    out.push_back({"FieldValueInvalid", "Invalid value: " + json(versions.size()).dump() + ": must have exactly one version marked as storage version",
                   "spec.versions"});
  return out;
}

}  // namespace

Result<json> ApiServer::Create(const Ctx& c, json obj) {
  const ResourceType& rt = c.type();
  std::string av = obj.value("apiVersion", "");
  std::string kind = obj.value("kind", "");
  if (!kind.empty() && kind != rt.kind)
    return ApiError::BadRequest("the kind in the data (" + kind + ") does not match the expected kind (" + rt.kind + ")");
  if (!av.empty() && av != rt.ApiVersion())
    return ApiError::BadRequest("the API version in the data (" + av + ") does not match the expected API version (" +
                                rt.ApiVersion() + ")");
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) obj["metadata"] = json::object();
  if (rt.namespaced) {
    std::string ns = MetaStr(obj, "namespace");
    if (!ns.empty() && ns != c.ri.ns)
      return ApiError::BadRequest("the namespace of the provided object does not match the namespace sent on the request");
    obj["metadata"]["namespace"] = c.ri.ns;
  } else {
    obj["metadata"].erase("namespace");
  }
  std::lock_guard lock(mu_);
  return CreateLocked(c, std::move(obj), false);
}

Result<json> ApiServer::CreateLocked(const Ctx& c, json obj, bool managed_fields_done) {
  const ResourceType& rt = c.type();
  obj["apiVersion"] = rt.ApiVersion();
  obj["kind"] = rt.kind;
  json& md = obj["metadata"];
  std::string name = md.value("name", "");
  if (name.empty() && !md.value("generateName", "").empty()) {
    for (int i = 0; i < 8; ++i) {
      std::string candidate = md.value("generateName", "") + RandomSuffix(5);
      if (!store_.Get(rt.StorageKey(), c.ri.ns, candidate)) {
        name = candidate;
        break;
      }
    }
    if (name.empty()) return ApiError::AlreadyExists("could not generate a unique name for " + md.value("generateName", ""));
    md["name"] = name;
  }
  if (!c.ri.name.empty() && name != c.ri.name)
    return ApiError::BadRequest("the name of the object (" + name + ") does not match the name on the URL (" + c.ri.name + ")");
  if (auto causes = ValidateObjectName(rt, name); !causes.empty()) return InvalidError(rt.kind, rt.group, name, causes);
  if (rt.namespaced) {
    const json* ns = store_.Get("/namespaces", "", c.ri.ns);
    if (!ns) {
      ApiError e = ApiError::NotFound("namespaces \"" + c.ri.ns + "\" not found");
      e.details_name = c.ri.ns;
      e.details_kind = "namespaces";
      return e;
    }
    if (Meta(*ns).contains("deletionTimestamp")) {
      return ApiError{403, "Forbidden",
                      rt.GroupResource() + " \"" + name + "\" is forbidden: unable to create new content in namespace " +
                          c.ri.ns + " because it is being terminated",
                      {}, "", "", "", 0};
    }
  }
  if (store_.Get(rt.StorageKey(), c.ri.ns, name)) {
    ApiError e = ApiError::AlreadyExists(rt.GroupResource() + " \"" + name + "\" already exists");
    e.details_name = name;
    e.details_group = rt.group;
    e.details_kind = rt.plural;
    return e;
  }
  if (const std::string rv = md.value("resourceVersion", ""); !rv.empty() && rv.find_first_not_of("0123456789") == std::string::npos &&
                                                              rv.find_first_not_of('0') != std::string::npos) {
    // The real storage layer refuses this with a bare error: a 500 without a reason.
    return ApiError{500, "", "resourceVersion should not be set on objects to be created", {}};
  }
  md["uid"] = NewUid();
  md["creationTimestamp"] = c.now;
  for (const char* f : {"resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"}) md.erase(f);
  // ObjectMeta's maps and lists are omitempty: an emptied one is not stored (kubectl label x-).
  for (const char* f : {"labels", "annotations", "finalizers", "ownerReferences"})
    if (md.contains(f) && (md[f].empty() || md[f].is_null())) md.erase(f);
  if (rt.tracks_generation) md["generation"] = 1;
  else md.erase("generation");
  if (rt.builtin) {
    if (rt.has_status && rt.kind != "Namespace" && rt.kind != "CustomResourceDefinition") obj.erase("status");
    if (rt.kind == "Pod") obj["status"] = {{"phase", "Pending"}, {"qosClass", "BestEffort"}};
    if (rt.kind == "Service") obj["status"] = {{"loadBalancer", json::object()}};
    DefaultBuiltin(rt, obj);
    if (rt.kind == "Service" && obj["spec"].value("clusterIP", "") != "None" && obj["spec"].value("clusterIP", "").empty()) {
      std::string ip = AllocateClusterIpLocked();
      obj["spec"]["clusterIP"] = ip;
      obj["spec"]["clusterIPs"] = {ip};
    }
    if (rt.kind == "Job" && !obj["spec"].value("manualSelector", false)) {
      // The Job controller's selector: the job's own uid.
      std::string uid = obj["metadata"]["uid"];
      obj["spec"]["selector"] = {{"matchLabels", {{"batch.kubernetes.io/controller-uid", uid}}}};
      json& labels = obj["spec"]["template"]["metadata"]["labels"];
      labels["batch.kubernetes.io/controller-uid"] = uid;
      labels["batch.kubernetes.io/job-name"] = name;
      labels["controller-uid"] = uid;
      labels["job-name"] = name;
    }
    auto causes = ValidateBuiltin(rt, obj, nullptr);
    auto meta_causes = ValidateObjectMeta(obj["metadata"]);
    causes.insert(causes.end(), meta_causes.begin(), meta_causes.end());
    if (rt.kind == "CustomResourceDefinition") {
      auto crd_causes = ValidateCrd(obj);
      causes.insert(causes.end(), crd_causes.begin(), crd_causes.end());
    }
    if (!causes.empty()) return InvalidError(rt.kind, rt.group, name, causes);
  } else {
    if (rt.has_status) obj.erase("status");
    auto prepared = PrepareCustomResource(c, std::move(obj), c.field_validation == "Strict");
    if (!prepared.ok()) return prepared.error();
    obj = std::move(prepared).value();
  }
  if (!managed_fields_done) {
    auto types = TypesFor(rt);
    obj = UpdateManagedFields(nullptr, std::move(obj), c.manager, "Update", c.now, rt.ApiVersion(),
                              types ? *types : BuiltinFieldTypes(rt.group, rt.kind));
  }
  if (c.dry_run) return obj;
  const json& stored = store_.Put(rt.StorageKey(), c.ri.ns, name, FromVersion(obj, rt), "ADDED");
  json result = ToVersion(stored, rt);
  if (rt.kind == "CustomResourceDefinition" && rt.builtin) {
    OnCrdChangedLocked(stored, false);
    result = ToVersion(*store_.Get(rt.StorageKey(), "", name), rt);
  }
  if (rt.kind == "Namespace" && rt.builtin) OnNamespaceCreatedLocked(stored);
  current_rv_ = store_.CurrentRv();
  return result;
}

Result<json> ApiServer::Update(const Ctx& c, json obj) {
  const ResourceType& rt = c.type();
  std::string kind = obj.value("kind", "");
  if (!kind.empty() && kind != rt.kind)
    return ApiError::BadRequest("the kind in the data (" + kind + ") does not match the expected kind (" + rt.kind + ")");
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) obj["metadata"] = json::object();
  std::string name = MetaStr(obj, "name");
  if (name.empty()) obj["metadata"]["name"] = c.ri.name;
  else if (name != c.ri.name)
    return ApiError::BadRequest("the name of the object (" + name + ") does not match the name on the URL (" + c.ri.name + ")");
  if (rt.namespaced) {
    std::string ns = MetaStr(obj, "namespace");
    if (!ns.empty() && ns != c.ri.ns)
      return ApiError::BadRequest("the namespace of the provided object does not match the namespace sent on the request");
    obj["metadata"]["namespace"] = c.ri.ns;
  }
  std::lock_guard lock(mu_);
  const json* old = store_.Get(rt.StorageKey(), c.ri.ns, c.ri.name);
  if (!old) return NotFound(rt, c.ri.name);
  return UpdateLocked(c, ToVersion(*old, rt), std::move(obj), false);
}

Result<json> ApiServer::UpdateLocked(const Ctx& c, const json& old, json obj, bool managed_fields_done) {
  const ResourceType& rt = c.type();
  const std::string name = MetaStr(old, "name");
  obj["apiVersion"] = rt.ApiVersion();
  obj["kind"] = rt.kind;
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) obj["metadata"] = json::object();
  std::string rv = MetaStr(obj, "resourceVersion");
  if (!rv.empty() && rv != MetaStr(old, "resourceVersion")) return ConflictModified(rt, name);
  std::string uid = MetaStr(obj, "uid");
  if (!uid.empty() && uid != MetaStr(old, "uid"))
    return ApiError::Conflict("Precondition failed: UID in precondition: " + uid + ", UID in object meta: " + MetaStr(old, "uid"));

  json next;
  if (c.is_status()) {
    // The status subresource changes status only.
    next = old;
    if (obj.contains("status")) next["status"] = obj["status"];
    else next.erase("status");
    if (obj["metadata"].contains("managedFields")) next["metadata"]["managedFields"] = obj["metadata"]["managedFields"];
  } else {
    next = obj;
    if (rt.has_status) {
      if (old.contains("status")) next["status"] = old["status"];
      else next.erase("status");
    }
  }
  json& md = next["metadata"];
  md["name"] = name;
  if (rt.namespaced) md["namespace"] = c.ri.ns;
  for (const char* f : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"}) {
    if (Meta(old).contains(f)) md[f] = Meta(old)[f];
    else md.erase(f);
  }
  md.erase("selfLink");
  // ObjectMeta's maps and lists are omitempty: an emptied one is not stored (kubectl label x-).
  for (const char* f : {"labels", "annotations", "finalizers", "ownerReferences"})
    if (md.contains(f) && (md[f].empty() || md[f].is_null())) md.erase(f);
  if (Meta(old).contains("deletionTimestamp")) {
    auto old_f = Finalizers(old);
    for (const auto& f : Finalizers(next))
      if (!Has(old_f, f))
        return InvalidError(rt.kind, rt.group, name,
                            {{"FieldValueForbidden", "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"" + f + "\"}",
                              "metadata.finalizers"}});
  }
  if (rt.builtin) {
    DefaultBuiltin(rt, next);
    if (rt.kind == "Service" && old.contains("/spec/clusterIP"_json_pointer) && !next["spec"].contains("clusterIP")) {
      next["spec"]["clusterIP"] = old["/spec/clusterIP"_json_pointer];
      if (old.contains("/spec/clusterIPs"_json_pointer)) next["spec"]["clusterIPs"] = old["/spec/clusterIPs"_json_pointer];
    }
    auto causes = ValidateBuiltin(rt, next, &old);
    auto meta_causes = ValidateObjectMeta(next["metadata"]);
    causes.insert(causes.end(), meta_causes.begin(), meta_causes.end());
    if (rt.kind == "CustomResourceDefinition") {
      auto crd_causes = ValidateCrd(next);
      causes.insert(causes.end(), crd_causes.begin(), crd_causes.end());
    }
    if (!causes.empty()) return InvalidError(rt.kind, rt.group, name, causes);
  } else {
    auto prepared = PrepareCustomResource(c, std::move(next), c.field_validation == "Strict");
    if (!prepared.ok()) return prepared.error();
    next = std::move(prepared).value();
  }
  if (rt.tracks_generation && !c.is_status() && SpecPart(next, rt.has_status) != SpecPart(old, rt.has_status))
    next["metadata"]["generation"] = Meta(old).value("generation", 0) + 1;
  if (!managed_fields_done) {
    auto types = TypesFor(rt);
    next = UpdateManagedFields(&old, std::move(next), c.manager, "Update", c.now, rt.ApiVersion(),
                               types ? *types : BuiltinFieldTypes(rt.group, rt.kind), c.is_status() ? "status" : "");
  }
  if (Comparable(next) == Comparable(old)) return old;  // no-op: no new resourceVersion, no event
  if (c.dry_run) return next;
  json stored = StoreUpdateLocked(rt.StorageKey(), c.ri.ns, name, FromVersion(next, rt));
  if (rt.kind == "CustomResourceDefinition" && rt.builtin && store_.Get(rt.StorageKey(), "", name)) {
    OnCrdChangedLocked(stored, false);
    stored = *store_.Get(rt.StorageKey(), "", name);
  }
  current_rv_ = store_.CurrentRv();
  return ToVersion(stored, rt);
}

json ApiServer::StoreUpdateLocked(const std::string& key, const std::string& ns, const std::string& name, json obj) {
  // A Pod still in its grace period stays until the kubelet's final delete (shouldDeleteDuringUpdate).
  if (Meta(obj).contains("deletionTimestamp") && Finalizers(obj).empty() &&
      Meta(obj).value("deletionGracePeriodSeconds", int64_t{0}) == 0) {
    // As the real store: the update that empties the finalizers becomes the delete, so watchers see
    // one DELETED event (carrying the last stored state) and no MODIFIED before it.
    json last = store_.Remove(key, ns, name);
    if (key == "apiextensions.k8s.io/customresourcedefinitions") OnCrdChangedLocked(last, true);
    WakeGc();
    return last;
  }
  return store_.Put(key, ns, name, std::move(obj), "MODIFIED");
}

Result<json> ApiServer::Patch(const Ctx& c, const HttpRequest& req, int& status) {
  const ResourceType& rt = c.type();
  std::string ct = MediaType(req.Header("content-type"));
  auto types_owner = TypesFor(rt);
  const FieldTypes& types = types_owner ? *types_owner : BuiltinFieldTypes(rt.group, rt.kind);

  if (ct == "application/apply-patch+yaml" || ct == "application/apply-patch+cbor") {
    if (req.Query("fieldManager").empty())
      return ApiError::BadRequest("PATCH with Content-Type application/apply-patch+yaml requires the fieldManager query parameter");
    auto applied = ParseJsonOrYaml(req.body);
    if (!applied.ok()) return applied.error();
    json a = std::move(applied).value();
    if (!a.is_object()) return ApiError::BadRequest("the apply configuration must be an object");
    if (a.value("kind", "") != rt.kind || a.value("apiVersion", "") != rt.ApiVersion())
      return ApiError::BadRequest("the apply configuration must set apiVersion " + rt.ApiVersion() + " and kind " + rt.kind);
    if (!a.contains("metadata") || !a["metadata"].is_object()) a["metadata"] = json::object();
    std::string name = a["metadata"].value("name", "");
    if (name.empty()) a["metadata"]["name"] = c.ri.name;
    else if (name != c.ri.name)
      return ApiError::BadRequest("the name of the object (" + name + ") does not match the name on the URL (" + c.ri.name + ")");
    if (rt.namespaced) a["metadata"]["namespace"] = c.ri.ns;
    DefaultApplyKeys(rt, a);
    ApplyOptions opts{c.manager, req.Query("force") == "true", c.now, rt.ApiVersion(), c.is_status() ? "status" : ""};
    std::lock_guard lock(mu_);
    const json* live = store_.Get(rt.StorageKey(), c.ri.ns, c.ri.name);
    if (!live) {
      if (c.is_status()) return NotFound(rt, c.ri.name);
      auto merged = ServerSideApply(nullptr, a, opts, types);
      if (!merged.ok()) return merged.error();
      status = 201;
      return CreateLocked(c, std::move(merged).value(), true);
    }
    json old = ToVersion(*live, rt);
    auto merged = ServerSideApply(&old, a, opts, types);
    if (!merged.ok()) return merged.error();
    return UpdateLocked(c, old, std::move(merged).value(), true);
  }

  json patch;
  try {
    patch = json::parse(req.body);
  } catch (const json::parse_error& e) {
    return ApiError::BadRequest(std::string("the patch is not valid JSON: ") + e.what());
  }
  std::lock_guard lock(mu_);
  const json* live = store_.Get(rt.StorageKey(), c.ri.ns, c.ri.name);
  if (!live) return NotFound(rt, c.ri.name);
  json old = ToVersion(*live, rt);
  Result<json> patched = ApiError::Internal("unset");
  if (ct == "application/json-patch+json") {
    patched = ApplyJsonPatch(old, patch);
  } else if (ct == "application/merge-patch+json") {
    patched = ApplyMergePatch(old, patch);
  } else if (ct == "application/strategic-merge-patch+json") {
    if (!rt.builtin)
      return ApiError::UnsupportedMediaType("the body of the request was in an unknown format - accepted media types include: "
                                            "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
    patched = ApplyStrategicMergePatch(old, patch, types);
  } else {
    return ApiError::UnsupportedMediaType(
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, "
        "application/merge-patch+json, application/apply-patch+yaml" +
        std::string(rt.builtin ? ", application/strategic-merge-patch+json" : ""));
  }
  if (!patched.ok()) return patched.error();
  json next = std::move(patched).value();
  if (!next.is_object()) return ApiError::BadRequest("the patch did not produce an object");
  if (!next.contains("metadata") || !next["metadata"].is_object()) next["metadata"] = json::object();
  if (MetaStr(next, "name") != c.ri.name)
    return ApiError::BadRequest("the name of the object (" + MetaStr(next, "name") + ") does not match the name on the URL (" + c.ri.name + ")");
  return UpdateLocked(c, old, std::move(next), false);
}

namespace {

struct DeleteOptions {
  std::string propagation;
  json preconditions;
  std::optional<int64_t> grace_period_seconds;  // DeleteOptions.gracePeriodSeconds (query wins)
};

// Whole seconds as the real apiserver writes times; sub-second only when the clock has it, so
// graceful deletion stays exact under kube-sim's scaled simulated time.
std::string PreciseTimestamp(TimePoint t) {
  return t == std::chrono::time_point_cast<std::chrono::seconds>(t) ? Rfc3339(t) : Rfc3339Micro(t);
}

// How long a Pod being deleted stays (rest.BeforeDelete with the pod strategy's
// CheckGracefulDelete, https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination):
// a pod no node runs and a terminal pod go at once; otherwise the request's gracePeriodSeconds,
// else spec.terminationGracePeriodSeconds (default 30); a negative request counts as 1.
int64_t PodGracePeriod(const json& pod, std::optional<int64_t> requested) {
  if (pod.value("/spec/nodeName"_json_pointer, "").empty()) return 0;
  std::string phase = pod.value("/status/phase"_json_pointer, "");
  if (phase == "Succeeded" || phase == "Failed") return 0;
  int64_t grace = requested ? *requested : pod.value("/spec/terminationGracePeriodSeconds"_json_pointer, int64_t{30});
  return grace < 0 ? 1 : grace;
}

Result<DeleteOptions> ParseDeleteOptions(const HttpRequest& req) {
  DeleteOptions o;
  json body;
  if (!req.body.empty()) {
    std::string ct = MediaType(req.Header("content-type"));
    if (ct == "application/vnd.kubernetes.protobuf") {
      auto decoded = DecodeKubernetesProtobuf(req.body);
      if (!decoded.ok()) return decoded.error();
      body = decoded.value();
    } else {
      auto parsed = ParseJsonOrYaml(req.body);
      if (!parsed.ok()) return parsed.error();
      body = parsed.value();
    }
  }
  if (body.is_object()) {
    o.propagation = body.value("propagationPolicy", "");
    if (o.propagation.empty() && body.contains("orphanDependents") && body["orphanDependents"].is_boolean())
      o.propagation = body["orphanDependents"].get<bool>() ? "Orphan" : "Background";
    o.preconditions = body.value("preconditions", json::object());
    if (body.contains("gracePeriodSeconds") && body["gracePeriodSeconds"].is_number_integer())
      o.grace_period_seconds = body["gracePeriodSeconds"].get<int64_t>();
  }
  if (!req.Query("gracePeriodSeconds").empty()) {
    try {
      size_t used = 0;
      o.grace_period_seconds = std::stoll(req.Query("gracePeriodSeconds"), &used);
      if (used != req.Query("gracePeriodSeconds").size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      return ApiError::BadRequest("gracePeriodSeconds: Invalid value: \"" + req.Query("gracePeriodSeconds") + "\": must be an integer");
    }
  }
  if (!req.Query("propagationPolicy").empty()) o.propagation = req.Query("propagationPolicy");
  if (o.propagation.empty() && !req.Query("orphanDependents").empty())
    o.propagation = req.Query("orphanDependents") == "true" ? "Orphan" : "Background";
  if (o.propagation.empty()) o.propagation = "Background";
  if (o.propagation != "Background" && o.propagation != "Foreground" && o.propagation != "Orphan")
    return ApiError::BadRequest("propagationPolicy: Unsupported value: \"" + o.propagation +
                                "\": supported values: \"Foreground\", \"Background\", \"Orphan\"");
  return o;
}

}  // namespace

Result<json> ApiServer::Delete(const Ctx& c, const HttpRequest& req) {
  auto opts = ParseDeleteOptions(req);
  if (!opts.ok()) return opts.error();
  const ResourceType& rt = c.type();
  std::lock_guard lock(mu_);
  auto out = DeleteLocked(rt.StorageKey(), c.ri.ns, c.ri.name, opts.value().propagation, c.dry_run, opts.value().preconditions,
                          opts.value().grace_period_seconds);
  if (!out.ok()) return out.error();
  current_rv_ = store_.CurrentRv();
  const auto& o = out.value();
  // Like the real registries: most answer a finished delete with a Success Status (custom
  // resources included); those with ReturnDeletedObject answer with the object's last state.
  bool returns_object = rt.builtin && (rt.kind == "Pod" || rt.kind == "Service" || rt.kind == "ServiceAccount" ||
                                       rt.kind == "Namespace" || rt.kind == "StorageClass");
  if (o.deleted && !returns_object) {
    json details = {{"name", c.ri.name}, {"kind", rt.plural}, {"uid", MetaStr(o.object, "uid")}};
    if (!rt.group.empty()) details["group"] = rt.group;  // StatusDetails.group is omitempty
    return json{{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()}, {"status", "Success"}, {"details", details}};
  }
  return ToVersion(o.object, rt);
}

Result<json> ApiServer::DeleteCollection(const Ctx& c, const HttpRequest& req) {
  auto opts = ParseDeleteOptions(req);
  if (!opts.ok()) return opts.error();
  auto labels = ParseLabelSelector(req.Query("labelSelector"));
  if (!labels.ok()) return labels.error();
  auto fields = ParseFieldSelector(req.Query("fieldSelector"), SupportedFieldSelectors(c.type()));
  if (!fields.ok()) return fields.error();
  const ResourceType& rt = c.type();
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::string>> victims;
  for (const json* o : store_.List(rt.StorageKey(), c.ri.ns)) {
    json obj = ToVersion(*o, rt);
    if (labels.value().Matches(Meta(obj).value("labels", json::object())) && fields.value().Matches(obj))
      victims.emplace_back(MetaStr(obj, "namespace"), MetaStr(obj, "name"));
  }
  json items = json::array();
  for (const auto& [ns, name] : victims) {
    auto out = DeleteLocked(rt.StorageKey(), ns, name, opts.value().propagation, c.dry_run, json::object(),
                            opts.value().grace_period_seconds);
    if (out.ok()) items.push_back(ToVersion(out.value().object, rt));
  }
  current_rv_ = store_.CurrentRv();
  return json{{"kind", rt.ListKind()},
              {"apiVersion", rt.ApiVersion()},
              {"metadata", {{"resourceVersion", std::to_string(store_.CurrentRv())}}},
              {"items", items}};
}

Result<ApiServer::DeleteOutcome> ApiServer::DeleteLocked(const std::string& key, const std::string& ns,
                                                         const std::string& name, const std::string& propagation,
                                                         bool dry_run, const json& preconditions,
                                                         std::optional<int64_t> grace_period_seconds) {
  const json* found = store_.Get(key, ns, name);
  auto rt = registry_.FindStorage(key);
  if (!found) {
    if (rt) return NotFound(*rt, name);
    return ApiError::NotFound("\"" + name + "\" not found");
  }
  json obj = *found;
  if (preconditions.is_object()) {
    std::string uid = preconditions.value("uid", "");
    if (!uid.empty() && uid != MetaStr(obj, "uid"))
      return ApiError::Conflict("Precondition failed: UID in precondition: " + uid + ", UID in object meta: " + MetaStr(obj, "uid"));
    std::string rv = preconditions.value("resourceVersion", "");
    if (!rv.empty() && rv != MetaStr(obj, "resourceVersion"))
      return ApiError::Conflict("Precondition failed: ResourceVersion in precondition: " + rv +
                                ", ResourceVersion in object meta: " + MetaStr(obj, "resourceVersion"));
  }
  if (dry_run) return DeleteOutcome{obj, true};
  bool is_namespace = key == "/namespaces";
  bool is_pod = key == "/pods";
  auto finalizers = Finalizers(obj);
  const TimePoint now = clock_.Now();
  if (Meta(obj).contains("deletionTimestamp")) {
    bool changed = false;
    // Already being deleted: a foreground request still turns the deletion foreground.
    if (propagation == "Foreground" && !Has(finalizers, "foregroundDeletion") && !is_namespace) {
      finalizers.push_back("foregroundDeletion");
      SetFinalizers(obj, finalizers);
      changed = true;
    }
    // A terminating Pod: a request with a shorter grace period moves the deadline earlier; 0 (the
    // kubelet's final delete, or kubectl delete --force --grace-period=0) removes it now.
    if (is_pod && grace_period_seconds) {
      int64_t grace = std::max<int64_t>(*grace_period_seconds, 0);
      auto deadline = ParseRfc3339(MetaStr(obj, "deletionTimestamp"));
      if (Meta(obj).value("deletionGracePeriodSeconds", int64_t{0}) > 0 &&
          (grace == 0 || !deadline || now + std::chrono::seconds(grace) < *deadline)) {
        obj["metadata"]["deletionTimestamp"] = PreciseTimestamp(now + std::chrono::seconds(grace));
        obj["metadata"]["deletionGracePeriodSeconds"] = grace;
        changed = true;
        if (grace == 0 && finalizers.empty()) {
          json last = store_.Remove(key, ns, name);
          WakeGc();
          return DeleteOutcome{last, true};
        }
      }
    }
    if (changed) {
      obj = store_.Put(key, ns, name, obj, "MODIFIED");
      WakeGc();
    }
    return DeleteOutcome{obj, false};
  }
  const int64_t pod_grace = is_pod ? PodGracePeriod(obj, grace_period_seconds) : 0;
  if (!is_namespace) {
    if (propagation == "Foreground" && !Has(finalizers, "foregroundDeletion")) finalizers.push_back("foregroundDeletion");
    if (propagation == "Orphan" && !Has(finalizers, "orphan")) finalizers.push_back("orphan");
  }
  if (is_namespace || !finalizers.empty() || pod_grace > 0) {
    SetFinalizers(obj, finalizers);
    obj["metadata"]["deletionTimestamp"] = pod_grace > 0 ? PreciseTimestamp(now + std::chrono::seconds(pod_grace)) : Rfc3339(now);
    obj["metadata"]["deletionGracePeriodSeconds"] = pod_grace;
    if (Meta(obj).contains("generation")) obj["metadata"]["generation"] = Meta(obj).value("generation", 0) + 1;
    if (is_namespace) obj["status"]["phase"] = "Terminating";
    json stored = store_.Put(key, ns, name, obj, "MODIFIED");
    WakeGc();
    return DeleteOutcome{stored, false};
  }
  json last = store_.Remove(key, ns, name);
  if (key == "apiextensions.k8s.io/customresourcedefinitions") OnCrdChangedLocked(last, true);
  WakeGc();
  return DeleteOutcome{last, true};
}

// ---------------------------------------------------------------------------------------------
// Built-in controllers kube-sim runs inside the API server

void ApiServer::OnCrdChangedLocked(const json& crd, bool deleted) {
  std::string name = MetaStr(crd, "name");
  if (deleted) {
    auto types = TypesFromCrd(crd);
    registry_.RemoveCrd(name);
    if (!types.empty()) {
      std::string key = types.front().StorageKey();
      std::vector<std::pair<std::string, std::string>> victims;
      for (const json* o : store_.List(key, "")) victims.emplace_back(MetaStr(*o, "namespace"), MetaStr(*o, "name"));
      for (const auto& [ns, n] : victims) store_.Remove(key, ns, n);
    }
    return;
  }
  registry_.SetCrd(name, TypesFromCrd(crd));
  json updated = crd;
  json names = crd.value("/spec/names"_json_pointer, json::object());
  if (!names.contains("singular")) names["singular"] = ToLower(names.value("kind", ""));
  if (!names.contains("listKind")) names["listKind"] = names.value("kind", "") + "List";
  std::string storage;
  for (const auto& v : crd.value("/spec/versions"_json_pointer, json::array()))
    if (v.value("storage", false)) storage = v.value("name", "");
  auto condition = [&](const char* type, const char* reason, const char* message) {
    std::string since = Rfc3339(clock_.Now());
    for (const auto& c : crd.value("/status/conditions"_json_pointer, json::array()))
      if (c.value("type", "") == type && c.value("status", "") == "True") since = c.value("lastTransitionTime", since);
    return json{{"type", type}, {"status", "True"}, {"lastTransitionTime", since}, {"reason", reason}, {"message", message}};
  };
  json stored_versions = crd.value("/status/storedVersions"_json_pointer, json::array());
  if (!storage.empty() && std::find(stored_versions.begin(), stored_versions.end(), storage) == stored_versions.end())
    stored_versions.push_back(storage);
  updated["status"] = {{"conditions",
                        {condition("NamesAccepted", "NoConflicts", "no conflicts found"),
                         condition("Established", "InitialNamesAccepted", "the initial names have been accepted")}},
                       {"acceptedNames", names},
                       {"storedVersions", stored_versions}};
  if (updated != crd) store_.Put("apiextensions.k8s.io/customresourcedefinitions", "", name, updated, "MODIFIED");
  current_rv_ = store_.CurrentRv();
}

void ApiServer::OnNamespaceCreatedLocked(const json& ns) {
  // The service-account controller gives every namespace a "default" ServiceAccount.
  std::string name = MetaStr(ns, "name");
  if (store_.Get("/serviceaccounts", name, "default")) return;
  json sa = {{"apiVersion", "v1"},
             {"kind", "ServiceAccount"},
             {"metadata", {{"name", "default"}, {"namespace", name}, {"uid", NewUid()}, {"creationTimestamp", Rfc3339(clock_.Now())}}}};
  store_.Put("/serviceaccounts", name, "default", sa, "ADDED");
}

std::string ApiServer::AllocateClusterIpLocked() {
  uint32_t n = next_cluster_ip_++;
  return "10.96." + std::to_string((n >> 8) & 0xff) + "." + std::to_string(n & 0xff);
}

void ApiServer::WakeGc() {
  {
    std::lock_guard lock(gc_mu_);
    gc_pending_ = true;
  }
  gc_cv_.notify_all();
}

void ApiServer::GcLoop() {
  std::unique_lock lock(gc_mu_);
  while (!stopping_) {
    gc_cv_.wait_for(lock, std::chrono::milliseconds(500), [&] { return gc_pending_ || stopping_; });
    if (stopping_) break;
    gc_pending_ = false;
    lock.unlock();
    {
      std::lock_guard api_lock(mu_);
      CollectGarbageLocked();
      current_rv_ = store_.CurrentRv();
    }
    lock.lock();
  }
}

// The garbage collector and namespace controller, as one pass repeated until nothing changes:
// https://kubernetes.io/docs/concepts/architecture/garbage-collection/
//  - a dependent all of whose owners are gone is deleted (background);
//  - an owner being deleted in the foreground waits until its dependents are gone;
//  - an owner being deleted with "orphan" has its ownerReferences removed from dependents;
//  - a namespace being deleted has its contents deleted, then goes away itself.
void ApiServer::CollectGarbageLocked() {
  for (int pass = 0; pass < 16; ++pass) {
    bool changed = false;
    struct Ref {
      std::string key, ns, name;
    };
    std::unordered_map<std::string, Ref> by_uid;
    std::vector<Ref> all;
    for (const auto& key : store_.Keys())
      for (const json* o : store_.List(key, "")) {
        Ref r{key, MetaStr(*o, "namespace"), MetaStr(*o, "name")};
        by_uid[MetaStr(*o, "uid")] = r;
        all.push_back(r);
      }
    auto dependents_of = [&](const std::string& uid) {
      std::vector<Ref> out;
      for (const auto& r : all) {
        const json* o = store_.Get(r.key, r.ns, r.name);
        if (!o) continue;
        for (const auto& ref : Meta(*o).value("ownerReferences", json::array()))
          if (ref.value("uid", "") == uid) {
            out.push_back(r);
            break;
          }
      }
      return out;
    };
    for (const auto& r : all) {
      const json* found = store_.Get(r.key, r.ns, r.name);
      if (!found) continue;
      json obj = *found;
      const json& md = Meta(obj);
      std::string uid = md.value("uid", "");
      auto finalizers = Finalizers(obj);
      if (r.key == "/namespaces" && md.contains("deletionTimestamp")) {
        bool empty = true;
        for (const auto& key : store_.Keys()) {
          if (key == "/namespaces") continue;
          std::vector<std::string> names;
          for (const json* o : store_.List(key, r.name)) {
            empty = false;
            if (!Meta(*o).contains("deletionTimestamp")) names.push_back(MetaStr(*o, "name"));
          }
          for (const auto& n : names) {
            (void)DeleteLocked(key, r.name, n, "Background", false, json::object());
            changed = true;
          }
        }
        if (empty && finalizers.empty()) {
          store_.Remove(r.key, "", r.name);
          changed = true;
        }
        continue;
      }
      if (md.contains("deletionTimestamp") && Has(finalizers, "orphan")) {
        for (const auto& d : dependents_of(uid)) {
          json dep = *store_.Get(d.key, d.ns, d.name);
          json refs = json::array();
          for (const auto& ref : Meta(dep).value("ownerReferences", json::array()))
            if (ref.value("uid", "") != uid) refs.push_back(ref);
          if (refs.empty()) dep["metadata"].erase("ownerReferences");
          else dep["metadata"]["ownerReferences"] = refs;
          StoreUpdateLocked(d.key, d.ns, d.name, dep);
        }
        finalizers.erase(std::remove(finalizers.begin(), finalizers.end(), "orphan"), finalizers.end());
        SetFinalizers(obj, finalizers);
        StoreUpdateLocked(r.key, r.ns, r.name, obj);
        changed = true;
        continue;
      }
      if (md.contains("deletionTimestamp") && Has(finalizers, "foregroundDeletion")) {
        auto deps = dependents_of(uid);
        if (deps.empty()) {
          finalizers.erase(std::remove(finalizers.begin(), finalizers.end(), "foregroundDeletion"), finalizers.end());
          SetFinalizers(obj, finalizers);
          StoreUpdateLocked(r.key, r.ns, r.name, obj);
          changed = true;
        } else {
          for (const auto& d : deps) {
            const json* dep = store_.Get(d.key, d.ns, d.name);
            if (dep && !Meta(*dep).contains("deletionTimestamp")) {
              (void)DeleteLocked(d.key, d.ns, d.name, "Foreground", false, json::object());
              changed = true;
            }
          }
        }
        continue;
      }
      const json refs = md.value("ownerReferences", json::array());
      if (refs.empty() || md.contains("deletionTimestamp")) continue;
      json alive = json::array();
      for (const auto& ref : refs) {
        auto it = by_uid.find(ref.value("uid", ""));
        if (it != by_uid.end() && store_.Get(it->second.key, it->second.ns, it->second.name)) alive.push_back(ref);
      }
      if (alive.empty()) {
        (void)DeleteLocked(r.key, r.ns, r.name, "Background", false, json::object());
        changed = true;
      } else if (alive.size() != refs.size()) {
        obj["metadata"]["ownerReferences"] = alive;
        StoreUpdateLocked(r.key, r.ns, r.name, obj);
        changed = true;
      }
    }
    if (!changed) break;
  }
}

}  // namespace kubesim
