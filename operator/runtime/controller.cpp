#include "runtime/controller.h"

#include <exception>
#include <stdexcept>
#include <utility>

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
  Informer(Controller& ctl, kube::Client& client, const kube::ResourceRef& ref, kube::WatcherOptions opts)
      : ctl_(ctl), client_(&client), key_(KeyOf(ref, opts)), view_(store_.View()),
        watcher_(client, ctl.clock_, ref, *this, std::move(opts)) {}

  // Same client, resource, namespace and selector: one watch and one cache serve every source.
  static std::string KeyOf(const kube::ResourceRef& ref, const kube::WatcherOptions& opts) {
    return ref.group + "/" + ref.version + "/" + ref.resource + "|" + opts.ns + "|" + opts.label_selector;
  }
  bool Serves(const kube::Client& client, const std::string& key) const { return client_ == &client && key_ == key; }
  void AddMap(MapFunc map) { maps_.push_back(std::move(map)); }  // before Start only

  void OnRelist(std::vector<json> objects, const std::string& resource_version) override {
    std::vector<kube::ObjectPtr> before = view_.List();
    std::vector<json> after = objects;  // the store takes the originals
    store_.Replace(std::move(objects), resource_version);
    for (const auto& o : before) Enqueue(*o);
    for (const auto& o : after) Enqueue(o);
    ctl_.NotifySynced();
  }

  void OnEvent(kube::WatchEvent event) override {
    kube::ObjectPtr old = view_.Get(MetaString(event.object, "namespace"), MetaString(event.object, "name"));
    json obj = event.object;
    store_.Apply(std::move(event));  // the cache first: a reconcile triggered below sees the change
    if (old) Enqueue(*old);
    Enqueue(obj);
  }

  kube::StoreView view() const { return view_; }
  kube::Watcher& watcher() { return watcher_; }

 private:
  void Enqueue(const json& obj) {
    for (const MapFunc& map : maps_) ctl_.AddMapped(obj, map);
  }

  Controller& ctl_;
  const kube::Client* const client_;
  const std::string key_;
  std::vector<MapFunc> maps_;
  kube::StoreWriter store_;
  const kube::StoreView view_;
  kube::Watcher watcher_;  // last: constructed after the store it feeds
};

Controller::Controller(std::string name, Reconciler& reconciler, Clock& clock, ControllerOptions opts)
    : name_(std::move(name)),
      reconciler_(reconciler),
      clock_(clock),
      opts_(opts),
      queue_(clock, kube::DefaultControllerRateLimiter(clock)) {}

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
  informers_.push_back(std::make_unique<Informer>(*this, client, ref, std::move(opts)));
  informers_.back()->AddMap(std::move(map));
  return informers_.back()->view();
}

void Controller::Start() {
  std::lock_guard lock(lifecycle_mu_);
  if (started_) throw std::logic_error("Controller " + name_ + ": Start called twice");
  started_ = true;
  if (stopped_) return;
  for (auto& inf : informers_) {
    kube::Watcher* w = &inf->watcher();
    watcher_threads_.emplace_back([w] { w->Run(); });
  }
  const int n = opts_.max_concurrent_reconciles < 1 ? 1 : opts_.max_concurrent_reconciles;
  for (int i = 0; i < n; ++i) workers_.emplace_back([this] { Worker(); });
}

void Controller::Stop() {
  std::lock_guard lock(lifecycle_mu_);
  if (stopped_) return;
  stopped_ = true;
  // 1. Intake: no more events.
  for (auto& inf : informers_) inf->watcher().Stop();
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

void Controller::AddMapped(const json& obj, const MapFunc& map) {
  for (const Request& r : map(obj)) queue_.Add(r.Key());
}

void Controller::Worker() {
  while (std::optional<std::string> key = queue_.Get()) ProcessNext(*key);
}

void Controller::ProcessNext(const std::string& key) {
  DoneGuard done(queue_, key);
  std::optional<Request> request = Request::FromKey(key);
  if (!request) {  // cannot be reconciled; retrying will not help
    queue_.Forget(key);
    return;
  }
  const QueueDisposition d = ActionFor(ReconcileSafely(*request));
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
