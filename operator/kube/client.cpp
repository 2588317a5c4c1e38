#include "kube/client.h"

#include <algorithm>
#include <thread>

#include "kube/rate_limiter.h"

namespace jd::kube {
namespace {

using nlohmann::json;

ApiError ClientSide(std::string message) {
  ApiError e;
  e.kind = ErrorKind::kBadRequest;
  e.message = std::move(message);
  return e;
}

const char* ContentType(PatchType t) {
  switch (t) {
    case PatchType::kMerge: return "application/merge-patch+json";
    case PatchType::kJson: return "application/json-patch+json";
    case PatchType::kStrategicMerge: return "application/strategic-merge-patch+json";
    case PatchType::kApply: return "application/apply-patch+yaml";
  }
  return "application/merge-patch+json";
}

std::string Metadata(const json& obj, const char* field) {
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return "";
  auto f = m->find(field);
  return f != m->end() && f->is_string() ? f->get<std::string>() : "";
}

ApiResult<json> ParseBody(const HttpResponse& r) {
  json doc = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return ApiError::Transport(TransportErrorKind::kProtocol,
                               "the server answered " + std::to_string(r.status) + " with a body that is not JSON");
  }
  return doc;
}

HttpRequest Req(std::string method, std::string path) {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

bool Retryable5xx(const HttpResponse& r) { return r.status >= 500 && !r.Header("retry-after").empty(); }

class RestWatchStream final : public WatchStream {
 public:
  explicit RestWatchStream(std::unique_ptr<LineStream> lines) : lines_(std::move(lines)) {}
  ~RestWatchStream() override { lines_->Cancel(); }

  ApiResult<WatchRead> Next(std::chrono::milliseconds timeout) override {
    auto r = lines_->Next(timeout);
    if (!r.ok()) return r.error();
    if (r.value().kind == StreamRead::Kind::kTimeout) return WatchRead{WatchRead::Kind::kTimeout, {}};
    if (r.value().kind == StreamRead::Kind::kEnd) return WatchRead{WatchRead::Kind::kEnd, {}};
    json doc = json::parse(r.value().line, nullptr, false);
    if (!doc.is_object() || !doc.contains("type") || !doc["type"].is_string()) {
      lines_->Cancel();
      return ApiError::Transport(TransportErrorKind::kProtocol,
                                 "watch: a line is not an event: " + r.value().line.substr(0, 200));
    }
    static const std::map<std::string, WatchEvent::Type> kTypes = {
        {"ADDED", WatchEvent::Type::kAdded},       {"MODIFIED", WatchEvent::Type::kModified},
        {"DELETED", WatchEvent::Type::kDeleted},   {"BOOKMARK", WatchEvent::Type::kBookmark},
        {"ERROR", WatchEvent::Type::kError}};
    auto t = kTypes.find(doc["type"].get<std::string>());
    if (t == kTypes.end()) {
      lines_->Cancel();
      return ApiError::Transport(TransportErrorKind::kProtocol, "watch: unknown event type " + doc["type"].dump());
    }
    WatchRead out{WatchRead::Kind::kEvent, {}};
    out.event.type = t->second;
    out.event.object = doc.value("object", json::object());
    if (t->second == WatchEvent::Type::kError) {
      int code = out.event.object.is_object() ? out.event.object.value("code", 500) : 500;
      out.event.error = ErrorFromResponse(code, out.event.object.dump(), {});
    }
    return out;
  }

  void Cancel() override { lines_->Cancel(); }

 private:
  std::unique_ptr<LineStream> lines_;
};

}  // namespace

const char* ToString(WatchEvent::Type t) {
  switch (t) {
    case WatchEvent::Type::kAdded: return "ADDED";
    case WatchEvent::Type::kModified: return "MODIFIED";
    case WatchEvent::Type::kDeleted: return "DELETED";
    case WatchEvent::Type::kBookmark: return "BOOKMARK";
    case WatchEvent::Type::kError: return "ERROR";
  }
  return "UNKNOWN";
}

void RealSleeper::SleepFor(Duration d) {
  if (d > Duration::zero()) std::this_thread::sleep_for(d);
}

ClientOptions ClientOptionsFrom(const RestConfig& config) {
  ClientOptions o;
  if (!config.default_namespace.empty()) o.default_namespace = config.default_namespace;
  o.qps = config.qps;
  o.burst = config.burst;
  return o;
}

std::string ResourcePath(const ResourceRef& ref, const std::string& ns, const std::string& name,
                         const std::string& subresource) {
  std::string p = ref.group.empty() ? "/api/" + ref.version : "/apis/" + ref.group + "/" + ref.version;
  if (ref.namespaced && !ns.empty()) p += "/namespaces/" + ns;
  p += "/" + ref.resource;
  if (!name.empty()) p += "/" + name;
  if (!name.empty() && !subresource.empty()) p += "/" + subresource;
  return p;
}

struct RestClient::Impl {
  Transport& transport;
  const Clock& clock;
  Sleeper& sleeper;
  ClientOptions opts;
  std::unique_ptr<BucketRateLimiter> bucket;  // null: unlimited

  void Throttle() {
    if (!bucket) return;
    Duration wait = bucket->When("");
    if (wait > Duration::zero()) sleeper.SleepFor(wait);
  }

  // One call with the retry policy of the file comment. Returns the last answer, whatever its
  // status, or the last transport error.
  ApiResult<HttpResponse> Execute(HttpRequest req) {
    if (req.timeout.count() == 0) req.timeout = opts.request_timeout;
    const bool idempotent = req.method == "GET";
    int throttled = 0;
    int lost = 0;
    for (;;) {
      Throttle();
      ApiResult<HttpResponse> r = transport.Do(req);
      if (opts.on_response) opts.on_response(req.method, r.ok() ? r.value().status : 0);
      if (!r.ok()) {
        if (idempotent && lost < opts.max_transport_retries &&
            r.error().transport != TransportErrorKind::kCancelled) {
          Duration wait = opts.transport_backoff_base * (int64_t{1} << std::min(lost, 20));
          sleeper.SleepFor(std::min(wait, opts.transport_backoff_max));
          ++lost;
          continue;
        }
        return r;
      }
      const HttpResponse& resp = r.value();
      if ((resp.status == 429 || Retryable5xx(resp)) && throttled < opts.max_throttle_retries) {
        ApiError e = ErrorFromResponse(resp.status, resp.body, resp.headers);
        std::chrono::seconds wait = e.retry_after.value_or(opts.default_retry_after);
        sleeper.SleepFor(std::clamp(wait, std::chrono::seconds(0), opts.max_retry_after));
        ++throttled;
        continue;
      }
      return r;
    }
  }

  // Execute, then: 2xx -> the body as JSON; otherwise the typed error.
  ApiResult<json> Call(HttpRequest req) {
    auto r = Execute(std::move(req));
    if (!r.ok()) return r.error();
    const HttpResponse& resp = r.value();
    if (resp.status < 200 || resp.status >= 300) return ErrorFromResponse(resp.status, resp.body, resp.headers);
    if (resp.body.empty()) return json::object();
    return ParseBody(resp);
  }

  ApiResult<std::string> NamespaceOf(const ResourceRef& ref, const json& obj) const {
    if (!ref.namespaced) return std::string();
    std::string ns = Metadata(obj, "namespace");
    if (ns.empty()) ns = opts.default_namespace;
    if (ns.empty()) return ClientSide(ref.resource + " is namespaced: set metadata.namespace");
    return ns;
  }

  ApiResult<json> Put(const ResourceRef& ref, const json& obj, const WriteOptions& o, const std::string& sub) {
    std::string name = Metadata(obj, "name");
    if (name.empty()) return ClientSide("update of " + ref.resource + ": metadata.name is empty");
    auto ns = NamespaceOf(ref, obj);
    if (!ns.ok()) return ns.error();
    HttpRequest req = Req("PUT", ResourcePath(ref, ns.value(), name, sub));
    AddWriteQuery(req, o.field_manager, o.dry_run);
    req.body = obj.dump();
    req.content_type = "application/json";
    return Call(std::move(req));
  }

  ApiResult<json> DoPatch(const ResourceRef& ref, const std::string& ns, const std::string& name, PatchType type,
                          const json& patch, const PatchOptions& o, const std::string& sub) {
    if (name.empty()) return ClientSide("patch of " + ref.resource + ": name is empty");
    if (ref.namespaced && ns.empty()) return ClientSide("patch of " + ref.resource + ": namespace is empty");
    if (type == PatchType::kApply && o.field_manager.empty()) {
      return ClientSide("server-side apply of " + ref.resource + " needs a field manager");
    }
    if (type == PatchType::kJson && !patch.is_array()) return ClientSide("a JSON patch is an array of operations");
    HttpRequest req = Req("PATCH", ResourcePath(ref, ns, name, sub));
    AddWriteQuery(req, o.field_manager, o.dry_run);
    if (type == PatchType::kApply && o.force) req.query.emplace_back("force", "true");
    req.body = patch.dump();
    req.content_type = ContentType(type);
    return Call(std::move(req));
  }

  static void AddWriteQuery(HttpRequest& req, const std::string& field_manager, bool dry_run) {
    if (dry_run) req.query.emplace_back("dryRun", "All");
    if (!field_manager.empty()) req.query.emplace_back("fieldManager", field_manager);
  }
};

RestClient::RestClient(Transport& transport, const Clock& clock, Sleeper& sleeper, ClientOptions opts)
    : impl_(std::make_unique<Impl>(Impl{transport, clock, sleeper, std::move(opts), nullptr})) {
  if (impl_->opts.qps > 0) {
    impl_->bucket = std::make_unique<BucketRateLimiter>(clock, impl_->opts.qps, std::max(1, impl_->opts.burst));
  }
}

RestClient::~RestClient() = default;

ApiResult<json> RestClient::Get(const ResourceRef& ref, const std::string& ns, const std::string& name) {
  if (name.empty()) return ClientSide("get of " + ref.resource + ": name is empty");
  if (ref.namespaced && ns.empty()) return ClientSide("get of " + ref.resource + ": namespace is empty");
  return impl_->Call(Req("GET", ResourcePath(ref, ns, name)));
}

ApiResult<json> RestClient::List(const ResourceRef& ref, const std::string& ns, const ListOptions& opts) {
  json result;
  std::string cont;
  for (int page = 0;; ++page) {
    HttpRequest req = Req("GET", ResourcePath(ref, ns));
    if (!opts.label_selector.empty()) req.query.emplace_back("labelSelector", opts.label_selector);
    if (!opts.field_selector.empty()) req.query.emplace_back("fieldSelector", opts.field_selector);
    if (opts.limit > 0) req.query.emplace_back("limit", std::to_string(opts.limit));
    if (!cont.empty()) {
      req.query.emplace_back("continue", cont);
    } else if (!opts.resource_version.empty()) {
      req.query.emplace_back("resourceVersion", opts.resource_version);
    }
    auto r = impl_->Call(std::move(req));
    if (!r.ok()) return r.error();
    json& doc = r.value();
    if (!doc.is_object()) return ApiError::Transport(TransportErrorKind::kProtocol, "list: the answer is not an object");
    json items = doc.value("items", json::array());
    if (!items.is_array()) items = json::array();
    if (page == 0) {
      result = std::move(doc);
      result["items"] = std::move(items);
    } else {
      for (auto& item : items) result["items"].push_back(std::move(item));
      result["metadata"]["resourceVersion"] = doc["metadata"].value("resourceVersion", "");
    }
    const json& md = page == 0 ? result["metadata"] : doc["metadata"];
    cont = md.is_object() ? md.value("continue", "") : "";
    if (cont.empty()) break;
  }
  if (result.contains("metadata") && result["metadata"].is_object()) result["metadata"].erase("continue");
  return result;
}

ApiResult<json> RestClient::Create(const ResourceRef& ref, const json& obj, const WriteOptions& opts) {
  auto ns = impl_->NamespaceOf(ref, obj);
  if (!ns.ok()) return ns.error();
  HttpRequest req = Req("POST", ResourcePath(ref, ns.value()));
  Impl::AddWriteQuery(req, opts.field_manager, opts.dry_run);
  req.body = obj.dump();
  req.content_type = "application/json";
  return impl_->Call(std::move(req));
}

ApiResult<json> RestClient::Update(const ResourceRef& ref, const json& obj, const WriteOptions& opts) {
  return impl_->Put(ref, obj, opts, "");
}

ApiResult<json> RestClient::Patch(const ResourceRef& ref, const std::string& ns, const std::string& name,
                                  PatchType type, const json& patch, const PatchOptions& opts) {
  return impl_->DoPatch(ref, ns, name, type, patch, opts, "");
}

ApiStatus RestClient::Delete(const ResourceRef& ref, const std::string& ns, const std::string& name,
                             const DeleteOptions& opts) {
  if (name.empty()) return ClientSide("delete of " + ref.resource + ": name is empty");
  if (ref.namespaced && ns.empty()) return ClientSide("delete of " + ref.resource + ": namespace is empty");
  HttpRequest req = Req("DELETE", ResourcePath(ref, ns, name));
  if (opts.dry_run) req.query.emplace_back("dryRun", "All");
  json body = json::object();
  switch (opts.propagation) {
    case Propagation::kUnset: break;
    case Propagation::kForeground: body["propagationPolicy"] = "Foreground"; break;
    case Propagation::kBackground: body["propagationPolicy"] = "Background"; break;
    case Propagation::kOrphan: body["propagationPolicy"] = "Orphan"; break;
  }
  if (opts.precondition_uid) body["preconditions"]["uid"] = *opts.precondition_uid;
  if (opts.precondition_resource_version) body["preconditions"]["resourceVersion"] = *opts.precondition_resource_version;
  if (opts.grace_period_seconds) body["gracePeriodSeconds"] = *opts.grace_period_seconds;
  if (!body.empty()) {
    body["kind"] = "DeleteOptions";
    body["apiVersion"] = "v1";
    req.body = body.dump();
    req.content_type = "application/json";
  }
  auto r = impl_->Call(std::move(req));
  if (!r.ok()) return r.error();
  return Done{};
}

ApiResult<json> RestClient::UpdateStatus(const ResourceRef& ref, const json& obj, const WriteOptions& opts) {
  return impl_->Put(ref, obj, opts, "status");
}

ApiResult<json> RestClient::PatchStatus(const ResourceRef& ref, const std::string& ns, const std::string& name,
                                        PatchType type, const json& patch, const PatchOptions& opts) {
  return impl_->DoPatch(ref, ns, name, type, patch, opts, "status");
}

ApiResult<std::unique_ptr<WatchStream>> RestClient::Watch(const ResourceRef& ref, const std::string& ns,
                                                          const WatchOptions& opts) {
  HttpRequest req = Req("GET", ResourcePath(ref, ns));
  req.query.emplace_back("watch", "true");
  if (!opts.resource_version.empty()) req.query.emplace_back("resourceVersion", opts.resource_version);
  if (opts.allow_bookmarks) req.query.emplace_back("allowWatchBookmarks", "true");
  if (!opts.label_selector.empty()) req.query.emplace_back("labelSelector", opts.label_selector);
  if (!opts.field_selector.empty()) req.query.emplace_back("fieldSelector", opts.field_selector);
  if (opts.timeout.count() > 0) req.query.emplace_back("timeoutSeconds", std::to_string(opts.timeout.count()));
  // The longest silence tolerated on the connection: past the server's own end of the watch.
  std::chrono::seconds server_end = opts.timeout.count() > 0 ? opts.timeout : std::chrono::seconds(1800);
  req.timeout = server_end + std::chrono::seconds(30);
  impl_->Throttle();
  auto s = impl_->transport.Stream(req);
  if (impl_->opts.on_response) impl_->opts.on_response("WATCH", s.ok() ? 200 : s.error().code);
  if (!s.ok()) return s.error();
  return std::unique_ptr<WatchStream>(std::make_unique<RestWatchStream>(std::move(s).value()));
}

}  // namespace jd::kube
