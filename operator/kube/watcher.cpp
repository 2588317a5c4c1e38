#include "kube/watcher.h"

#include <algorithm>
#include <utility>

namespace jd::kube {

const char* ToString(WatcherState s) {
  switch (s) {
    case WatcherState::kEmpty: return "Empty";
    case WatcherState::kListing: return "Listing";
    case WatcherState::kWatching: return "Watching";
    case WatcherState::kBackoff: return "Backoff";
  }
  return "Unknown";
}

Watcher::Watcher(Client& client, Clock& clock, ResourceRef resource, WatcherSink& sink, WatcherOptions opts)
    : client_(client), clock_(clock), resource_(std::move(resource)), sink_(sink), opts_(std::move(opts)) {}

Watcher::~Watcher() { CloseStream(); }

Watcher::StepResult Watcher::Step() {
  switch (state_) {
    case WatcherState::kEmpty:
      state_ = WatcherState::kListing;
      return {state_, Duration::zero()};
    case WatcherState::kListing:
      return DoList();
    case WatcherState::kWatching:
      return DoWatch();
    case WatcherState::kBackoff: {
      MonoTime now = clock_.Now();
      if (now < backoff_until_) return {state_, backoff_until_ - now};
      state_ = resume_;
      return {state_, Duration::zero()};
    }
  }
  return {state_, Duration::zero()};
}

Watcher::StepResult Watcher::DoList() {
  ListOptions lo;
  lo.label_selector = opts_.label_selector;
  lo.limit = opts_.page_size;
  auto list = client_.List(resource_, opts_.ns, lo);
  if (!list.ok()) return EnterBackoff(WatcherState::kListing);
  nlohmann::json& body = list.value();
  std::vector<nlohmann::json> items;
  if (auto it = body.find("items"); it != body.end() && it->is_array()) {
    items.reserve(it->size());
    for (auto& item : *it) items.push_back(std::move(item));
  }
  rv_.clear();
  if (body.contains("metadata")) NoteResourceVersion(body);
  failures_ = 0;
  sink_.OnRelist(std::move(items), rv_);
  state_ = WatcherState::kWatching;
  return {state_, Duration::zero()};
}

Watcher::StepResult Watcher::DoWatch() {
  if (!stream_) {
    WatchOptions wo;
    wo.resource_version = rv_;
    wo.label_selector = opts_.label_selector;
    wo.allow_bookmarks = true;
    wo.timeout = opts_.watch_timeout;
    auto opened = client_.Watch(resource_, opts_.ns, wo);
    if (!opened.ok()) {
      if (IsGone(opened.error())) return Relist();
      return EnterBackoff(WatcherState::kWatching);
    }
    std::lock_guard lock(mu_);
    stream_ = std::move(opened).value();
    got_event_ = false;
    if (stopped_) stream_->Cancel();
    return {state_, Duration::zero()};
  }

  auto read = stream_->Next(opts_.poll_timeout);  // only this thread resets stream_
  if (!read.ok()) {
    CloseStream();
    return EnterBackoff(WatcherState::kWatching);
  }
  WatchRead& r = read.value();
  switch (r.kind) {
    case WatchRead::Kind::kTimeout:
      return {state_, Duration::zero()};
    case WatchRead::Kind::kEnd:
      CloseStream();
      if (!got_event_) return EnterBackoff(WatcherState::kWatching);
      return {state_, Duration::zero()};  // re-watch from rv_ on the next Step
    case WatchRead::Kind::kEvent:
      break;
  }
  WatchEvent& ev = r.event;
  switch (ev.type) {
    case WatchEvent::Type::kError:
      CloseStream();
      if (ev.error && IsGone(*ev.error)) return Relist();
      return EnterBackoff(WatcherState::kWatching);
    case WatchEvent::Type::kBookmark:
      got_event_ = true;
      failures_ = 0;
      NoteResourceVersion(ev.object);
      return {state_, Duration::zero()};
    case WatchEvent::Type::kAdded:
    case WatchEvent::Type::kModified:
    case WatchEvent::Type::kDeleted:
      got_event_ = true;
      failures_ = 0;
      NoteResourceVersion(ev.object);
      sink_.OnEvent(std::move(ev));
      return {state_, Duration::zero()};
  }
  return {state_, Duration::zero()};
}

Watcher::StepResult Watcher::Relist() {
  CloseStream();
  rv_.clear();
  state_ = WatcherState::kEmpty;
  return {state_, Duration::zero()};
}

Watcher::StepResult Watcher::EnterBackoff(WatcherState resume) {
  ++failures_;
  Duration delay = opts_.backoff_base;
  for (int i = 1; i < failures_ && delay < opts_.backoff_max; ++i) delay *= 2;
  delay = std::min(delay, opts_.backoff_max);
  backoff_until_ = clock_.Now() + delay;
  resume_ = resume;
  state_ = WatcherState::kBackoff;
  return {state_, delay};
}

void Watcher::CloseStream() {
  std::unique_ptr<WatchStream> old;
  {
    std::lock_guard lock(mu_);
    old = std::move(stream_);
  }
  if (old) old->Cancel();
}

void Watcher::NoteResourceVersion(const nlohmann::json& obj) {
  auto meta = obj.find("metadata");
  if (meta == obj.end() || !meta->is_object()) return;
  auto rv = meta->find("resourceVersion");
  if (rv != meta->end() && rv->is_string() && !rv->get_ref<const std::string&>().empty()) rv_ = rv->get<std::string>();
}

void Watcher::Run() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
    }
    StepResult r = Step();
    if (r.delay <= Duration::zero()) continue;
    bool fired = false;
    std::unique_lock lock(mu_);
    auto timer = clock_.AfterFunc(r.delay, [this, &fired] {
      std::lock_guard l(mu_);
      fired = true;
      cv_.notify_all();
    });
    cv_.wait(lock, [&] { return fired || stopped_; });
    lock.unlock();
    timer.reset();  // after unlocking: the callback takes mu_
  }
}

void Watcher::Stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  if (stream_) stream_->Cancel();
  cv_.notify_all();
}

}  // namespace jd::kube
