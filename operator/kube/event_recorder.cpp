#include "kube/event_recorder.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace jd::kube {
namespace {

using nlohmann::json;

std::string Rfc3339(WallTime t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Meta(const json& obj, const char* field) {
  auto md = obj.find("metadata");
  if (md == obj.end() || !md->is_object()) return "";
  auto it = md->find(field);
  return it != md->end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

const char* ToString(EventType t) { return t == EventType::kWarning ? "Warning" : "Normal"; }

KubeEventRecorder::KubeEventRecorder(Client& client, const Clock& clock, std::string component)
    : client_(client), clock_(clock), component_(std::move(component)) {}

int KubeEventRecorder::Failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

void KubeEventRecorder::Event(const json& regarding, EventType type, const std::string& reason,
                              const std::string& message) {
  const std::string ns = Meta(regarding, "namespace").empty() ? "default" : Meta(regarding, "namespace");
  const std::string name = Meta(regarding, "name");
  const std::string uid = Meta(regarding, "uid");
  const WallTime now = clock_.WallNow();
  const std::string key = ns + "/" + name + "/" + uid + "/" + ToString(type) + "/" + reason + "/" + message;

  std::unique_lock lock(mu_);
  auto it = seen_.find(key);
  if (it != seen_.end() && now - it->second.last < std::chrono::minutes(10)) {
    Seen s = it->second;
    s.count++;
    s.last = now;
    it->second = s;
    lock.unlock();
    json patch = {{"count", s.count}, {"lastTimestamp", Rfc3339(now)}};
    auto r = client_.Patch(kEvents, ns, s.name, PatchType::kMerge, patch);
    if (r.ok()) return;
    lock.lock();  // the Event was deleted or expired: write a new one below
    seen_.erase(key);
  }
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, ".%x%04llx", static_cast<unsigned>(
                    std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()),
                static_cast<unsigned long long>(++seq_ & 0xffff));
  const std::string event_name = name + suffix;
  lock.unlock();
  json ev = {{"apiVersion", "v1"},
             {"kind", "Event"},
             {"metadata", {{"name", event_name}, {"namespace", ns}}},
             {"involvedObject",
              {{"apiVersion", regarding.value("apiVersion", "")},
               {"kind", regarding.value("kind", "")},
               {"name", name},
               {"namespace", ns},
               {"uid", uid},
               {"resourceVersion", Meta(regarding, "resourceVersion")}}},
             {"reason", reason},
             {"message", message},
             {"type", ToString(type)},
             {"count", 1},
             {"firstTimestamp", Rfc3339(now)},
             {"lastTimestamp", Rfc3339(now)},
             {"source", {{"component", component_}}},
             {"reportingComponent", component_}};
  auto r = client_.Create(kEvents, ev);
  lock.lock();
  if (!r.ok()) {
    ++failures_;
    return;
  }
  seen_[key] = Seen{event_name, 1, now};
  // Forget correlations older than the window so the map stays small.
  for (auto i = seen_.begin(); i != seen_.end();) {
    i = now - i->second.last >= std::chrono::minutes(10) ? seen_.erase(i) : std::next(i);
  }
}

void FakeEventRecorder::Event(const json&, EventType type, const std::string& reason, const std::string& message) {
  std::lock_guard lock(mu_);
  events_.emplace_back(reason, std::string(ToString(type)) + " " + reason + " " + message);
}

std::vector<std::string> FakeEventRecorder::Events() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& e : events_) out.push_back(e.second);
  return out;
}

std::vector<std::string> FakeEventRecorder::WithReason(const std::string& reason) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& e : events_) {
    if (e.first == reason) out.push_back(e.second);
  }
  return out;
}

void FakeEventRecorder::Clear() {
  std::lock_guard lock(mu_);
  events_.clear();
}

}  // namespace jd::kube
