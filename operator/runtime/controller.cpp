#include "runtime/controller.h"

#include <cstdio>
#include <exception>
#include <random>
#include <stdexcept>
#include <set>
#include <unordered_set>
#include <utility>

#include <spdlog/sinks/null_sink.h>

#include "common/logging.h"
#include "kube/rate_limiter.h"

namespace jd {

using nlohmann::json;

namespace {

std::string MetaString(const json& obj, const char* field) {
  auto md = obj.find("metadata");
  if (md == obj.end() || !md->is_object()) return "";
  auto it = md->find(field);
  if (it == md->end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// Calls queue.Done(key) on scope exit, whatever happens in between.
class DoneGuard {
 public:
  DoneGuard(kube::WorkQueue& queue, const std::string& key) : queue_(queue), key_(key) {}
  ~DoneGuard() { queue_.Done(key_); }
  DoneGuard(const DoneGuard&) = delete;
  DoneGuard& operator=(const DoneGuard&) = delete;

 private:
  kube::WorkQueue& queue_;
  const std::string& key_;
};

}  // namespace

std::vector<Request> MapToSelf(const json& obj) {
  std::string name = MetaString(obj, "name");
  if (name.empty()) return {};
  return {Request{MetaString(obj, "namespace"), std::move(name)}};
}

std::vector<Request> MapToControllerOwner(const json& obj, const std::string& owner_kind) {
  auto md = obj.find("metadata");
  if (md == obj.end() || !md->is_object()) return {};
  auto refs = md->find("ownerReferences");
  if (refs == md->end() || !refs->is_array()) return {};
  for (const auto& ref : *refs) {
    if (!ref.is_object() || !ref.value("controller", false)) continue;
    if (ref.value("kind", "") != owner_kind) return {};
    std::string name = ref.value("name", "");
    if (name.empty()) return {};
    return {Request{MetaString(obj, "namespace"), std::move(name)}};
  }
  return {};
}

// A Watcher feeding a store; every change is also mapped to Requests and enqueued.
class Controller::Informer final : public kube::WatcherSink {
 public:
  // `namespaces` empty: one watcher for opts.ns. Otherwise one watcher per namespace, all feeding
  // this store (each relist replaces only its own namespace; synced once every one has listed):
  // controller-runtime's multi-namespace cache, so --namespace needs no cluster-wide permission.
  Informer(Controller& ctl, kube::Client& client, const kube::ResourceRef& ref, kube::WatcherOptions opts,
           const std::vector<std::string>& namespaces)
      : ctl_(ctl), client_(&client), key_(KeyOf(ref, opts)), view_(store_.View()) {
    if (namespaces.empty()) {
      watchers_.push_back(std::make_unique<kube::Watcher>(client, ctl.clock_, ref, *this, std::move(opts)));
      return;
    }
    for (const std::string& ns : namespaces) {
      sinks_.push_back(std::make_unique<NamespaceSink>(*this, ns));
      kube::WatcherOptions o = opts;
      o.ns = ns;
      watchers_.push_back(std::make_unique<kube::Watcher>(client, ctl.clock_, ref, *sinks_.back(), std::move(o)));
    }
  }

  // Same client, resource, namespace and selector: one watch and one cache serve every source.
  static std::string KeyOf(const kube::ResourceRef& ref, const kube::WatcherOptions& opts) {
    return ref.group + "/" + ref.version + "/" + ref.resource + "|" + opts.ns + "|" + opts.label_selector;
  }
  bool Serves(const kube::Client& client, const std::string& key) const { return client_ == &client && key_ == key; }
  void AddMap(MapFunc map) { maps_.push_back(std::move(map)); }  // before Start only

  // One namespace's watcher of a multi-namespace informer.
  class NamespaceSink final : public kube::WatcherSink {
   public:
    NamespaceSink(Informer& inf, std::string ns) : inf_(inf), ns_(std::move(ns)) {}
    void OnRelist(std::vector<json> objects, const std::string& resource_version) override {
      inf_.OnRelistIn(ns_, std::move(objects), resource_version);
    }
    void OnEvent(kube::WatchEvent event) override { inf_.OnEvent(std::move(event)); }

   private:
    Informer& inf_;
    const std::string ns_;
  };

  void OnRelistIn(const std::string& ns, std::vector<json> objects, const std::string& resource_version) {
    std::vector<kube::ObjectPtr> before = view_.List(ns);
    std::vector<json> after = objects;
    bool all_synced;
    {
      std::lock_guard lock(synced_mu_);
      synced_namespaces_.insert(ns);
      all_synced = synced_namespaces_.size() == sinks_.size();
    }
    store_.ReplaceNamespace(ns, std::move(objects), resource_version, all_synced);
    std::vector<const json*> all;
    for (const auto& o : before) all.push_back(o.get());
    for (const auto& o : after) all.push_back(&o);
    Enqueue(all);
    if (all_synced) ctl_.NotifySynced();
  }

  void OnRelist(std::vector<json> objects, const std::string& resource_version) override {
    std::vector<kube::ObjectPtr> before = view_.List();
    std::vector<json> after = objects;  // the store takes the originals
    store_.Replace(std::move(objects), resource_version);
    std::vector<const json*> all;
    for (const auto& o : before) all.push_back(o.get());
    for (const auto& o : after) all.push_back(&o);
    Enqueue(all);
    ctl_.NotifySynced();
  }

  void OnEvent(kube::WatchEvent event) override {
    kube::ObjectPtr old = view_.Get(MetaString(event.object, "namespace"), MetaString(event.object, "name"));
    json obj = event.object;
    store_.Apply(std::move(event));  // the cache first: a reconcile triggered below sees the change
    if (old) {
      Enqueue({old.get(), &obj});
    } else {
      Enqueue({&obj});
    }
  }

  kube::StoreView view() const { return view_; }
  std::vector<std::unique_ptr<kube::Watcher>>& watchers() { return watchers_; }

 private:
  // Maps every object and adds each distinct key once: the old and new versions of a modified
  // object usually map to the same key, and adding it twice could reconcile it twice when a
  // worker takes it between the two Adds.
  void Enqueue(const std::vector<const json*>& objs) {
    std::unordered_set<std::string> seen;
    std::vector<std::string> keys;
    for (const json* o : objs) {
      for (const MapFunc& map : maps_) {
        std::vector<Request> mapped;
        try {
          mapped = map(*o);
        } catch (const std::exception& e) {  // a mapping bug must not kill the watcher thread
          ctl_.log_->error("map function threw controller={} object={} error={}", ctl_.name_,
                           LogQuote(MetaString(*o, "namespace") + "/" + MetaString(*o, "name")), LogQuote(e.what()));
        } catch (...) {
          ctl_.log_->error("map function threw controller={}", ctl_.name_);
        }
        for (const Request& r : mapped) {
          std::string k = r.Key();
          if (seen.insert(k).second) keys.push_back(std::move(k));
        }
      }
    }
    for (const std::string& k : keys) ctl_.queue_.Add(k);
  }

  Controller& ctl_;
  const kube::Client* const client_;
  const std::string key_;
  std::vector<MapFunc> maps_;
  kube::StoreWriter store_;
  const kube::StoreView view_;
  std::mutex synced_mu_;
  std::set<std::string> synced_namespaces_;
  std::vector<std::unique_ptr<NamespaceSink>> sinks_;
  std::vector<std::unique_ptr<kube::Watcher>> watchers_;  // last: constructed after the store they feed
};

Controller::Controller(std::string name, Reconciler& reconciler, Clock& clock, ControllerOptions opts)
    : name_(std::move(name)),
      reconciler_(reconciler),
      clock_(clock),
      opts_(opts),
      queue_(clock, kube::DefaultControllerRateLimiter(clock),
             opts_.metrics ? opts_.metrics->ForWorkQueue(name_) : nullptr),
      log_(opts_.logger ? opts_.logger : std::make_shared<spdlog::logger>("null", std::make_shared<spdlog::sinks::null_sink_mt>())),
      metrics_(opts_.metrics ? opts_.metrics->ForController(name_) : std::make_unique<NoopControllerMetrics>()),
      id_salt_(std::random_device{}()) {}

Controller::~Controller() { Stop(); }

kube::StoreView Controller::For(kube::Client& client, const kube::ResourceRef& ref, kube::WatcherOptions opts) {
  return Watches(client, ref, MapToSelf, std::move(opts));
}

kube::StoreView Controller::Owns(kube::Client& client, const kube::ResourceRef& ref, std::string owner_kind,
                                 kube::WatcherOptions opts) {
  return Watches(
      client, ref, [kind = std::move(owner_kind)](const json& obj) { return MapToControllerOwner(obj, kind); },
      std::move(opts));
}

kube::StoreView Controller::Watches(kube::Client& client, const kube::ResourceRef& ref, MapFunc map,
                                    kube::WatcherOptions opts) {
  std::lock_guard lock(lifecycle_mu_);
  if (started_) throw std::logic_error("Controller " + name_ + ": Watches after Start");
  const std::string key = Informer::KeyOf(ref, opts);
  for (auto& inf : informers_) {
    if (inf->Serves(client, key)) {
      inf->AddMap(std::move(map));
      return inf->view();
    }
  }
  // Controller-wide namespaces apply to namespaced resources a source did not scope itself.
  std::vector<std::string> namespaces;
  if (ref.namespaced && opts.ns.empty()) namespaces = opts_.namespaces;
  if (namespaces.size() == 1) {
    opts.ns = namespaces[0];
    namespaces.clear();
  }
  informers_.push_back(std::make_unique<Informer>(*this, client, ref, std::move(opts), namespaces));
  informers_.back()->AddMap(std::move(map));
  return informers_.back()->view();
}

void Controller::Start() {
  StartCaches();
  StartWorkers();
}

void Controller::StartCaches() {
  std::lock_guard lock(lifecycle_mu_);
  if (caches_started_) throw std::logic_error("Controller " + name_ + ": caches started twice");
  caches_started_ = started_ = true;
  if (stopped_) return;
  for (auto& inf : informers_) {
    for (auto& w : inf->watchers()) {
      kube::Watcher* raw = w.get();
      watcher_threads_.emplace_back([raw] { raw->Run(); });
    }
  }
}

void Controller::StartWorkers() {
  std::lock_guard lock(lifecycle_mu_);
  if (workers_started_) throw std::logic_error("Controller " + name_ + ": workers started twice");
  workers_started_ = started_ = true;
  if (stopped_) return;
  const int n = opts_.max_concurrent_reconciles < 1 ? 1 : opts_.max_concurrent_reconciles;
  for (int i = 0; i < n; ++i) workers_.emplace_back([this] { Worker(); });
  log_->info("workers started controller={} workers={}", name_, n);
}

void Controller::Stop() {
  std::lock_guard lock(lifecycle_mu_);
  if (stopped_) return;
  stopped_ = true;
  // 1. Intake: no more events.
  for (auto& inf : informers_) {
    for (auto& w : inf->watchers()) w->Stop();
  }
  for (auto& t : watcher_threads_) t.join();
  watcher_threads_.clear();
  // 2. Drain: Get returns nullopt from now on; wait for handed-out keys to be Done.
  queue_.ShutDownWithDrain();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

bool Controller::Ready() const {
  for (const auto& inf : informers_)
    if (!inf->view().HasSynced()) return false;
  return true;
}

bool Controller::WaitForCacheSync(Duration timeout) {
  bool timed_out = false;
  std::unique_ptr<Timer> timer = clock_.AfterFunc(timeout, [&] {
    std::lock_guard lock(sync_mu_);
    timed_out = true;
    sync_cv_.notify_all();
  });
  bool ready;
  {
    std::unique_lock lock(sync_mu_);
    sync_cv_.wait(lock, [&] { return timed_out || Ready(); });
    ready = Ready();
  }
  timer.reset();  // outside sync_mu_: the callback takes it
  return ready;
}

void Controller::NotifySynced() {
  std::lock_guard lock(sync_mu_);
  sync_cv_.notify_all();
}

void Controller::Enqueue(const Request& request) { queue_.Add(request.Key()); }

void Controller::Worker() {
  while (std::optional<std::string> key = queue_.Get()) ProcessNext(*key);
}

void Controller::ProcessNext(const std::string& key) {
  DoneGuard done(queue_, key);
  std::optional<Request> request = Request::FromKey(key);
  if (!request) {  // cannot be reconciled; retrying will not help
    log_->error("dropping malformed key controller={} key={}", name_, LogQuote(key));
    queue_.Forget(key);
    return;
  }
  char id[17];
  std::snprintf(id, sizeof id, "%016llx",
                static_cast<unsigned long long>((reconcile_seq_.fetch_add(1) + 1) * 0x9E3779B97F4A7C15ULL ^ id_salt_));
  request->reconcile_id = id;
  const MonoTime started = clock_.Now();
  const ReconcileOutcome outcome = ReconcileSafely(*request);
  const Duration took = clock_.Now() - started;
  const double ms = std::chrono::duration<double, std::milli>(took).count();
  const QueueDisposition d = ActionFor(outcome);
  if (const auto* err = std::get_if<ReconcileError>(&outcome)) {
    metrics_->ReconcileFinished(ReconcileResultLabel::kError, took);
    log_->error("reconcile failed controller={} key={} reconcile_id={} terminal={} duration_ms={:.1f} error={}", name_,
                LogQuote(key), id, err->terminal(), ms, LogQuote(err->message()));
  } else {
    const Result& r = std::get<Result>(outcome);
    const ReconcileResultLabel label = d.action == QueueAction::kForgetAndRequeueAfter ? ReconcileResultLabel::kRequeueAfter
                                       : r.requeue                                     ? ReconcileResultLabel::kRequeue
                                                                                       : ReconcileResultLabel::kSuccess;
    metrics_->ReconcileFinished(label, took);
    log_->debug("reconcile done controller={} key={} reconcile_id={} result={} duration_ms={:.1f}", name_, key, id,
                ToString(label), ms);
  }
  switch (d.action) {
    case QueueAction::kForget:
      queue_.Forget(key);
      break;
    case QueueAction::kForgetAndRequeueAfter:
      queue_.Forget(key);
      queue_.AddAfter(key, d.delay);
      break;
    case QueueAction::kRetryWithBackoff:
      queue_.AddRateLimited(key);
      break;
  }
}

ReconcileOutcome Controller::ReconcileSafely(const Request& request) {
  try {
    return reconciler_.Reconcile(request);
  } catch (const std::exception& e) {
    return ReconcileError(std::string("reconcile threw: ") + e.what());
  } catch (...) {
    return ReconcileError("reconcile threw a non-std exception");
  }
}

}  // namespace jd
