// watcher.h — keeps a sink (usually a StoreWriter, through StoreSink) equal to the server's set of
// one resource (in one namespace or all, optionally label-selected), as kube-rs's watcher: list,
// then watch from the list's resourceVersion; re-watch after a disconnect; relist on 410 Gone.
//
// It is an explicit state machine. Step() performs one transition (at most one API call or one
// WatchStream::Next) and returns the new state and how long to wait before the next Step. Tests
// drive Step() directly with a fake Client and a FakeClock; production runs Run() on a thread,
// which waits between steps with the clock's timers and returns after Stop().
//
//   state      Step() does                      outcome                          next state
//   ---------  -------------------------------  -------------------------------  ----------------------
//   kEmpty     nothing (no valid rv)            -                                kListing
//   kListing   Client::List (paged, `limit`)    ok: sink.OnRelist(items, rv),    kWatching (no stream)
//                                                   rv := list rv, reset backoff
//                                               error (incl. 410)                kBackoff -> kListing
//   kWatching  no stream: Client::Watch(rv,     ok                               kWatching (stream)
//              allowWatchBookmarks)             410 Gone                         kEmpty (relist)
//                                               other error                      kBackoff -> kWatching
//              stream: Next(poll_timeout)       ADDED/MODIFIED/DELETED: sink.    kWatching
//                                                 OnEvent, rv := object's rv,
//                                                 reset backoff
//                                               BOOKMARK: rv := its rv, reset    kWatching
//                                               timeout                          kWatching
//                                               end, after >= 1 event            kWatching (no stream:
//                                                                                  re-watch from rv)
//                                               end before any event             kBackoff -> kWatching
//                                               ERROR event 410 Gone             kEmpty (relist)
//                                               ERROR event / read error         kBackoff -> kWatching
//   kBackoff   before the deadline: nothing     returns the remaining delay      kBackoff
//              at/after the deadline            -                                the resume state
//
// Backoff: the n-th consecutive failure waits min(backoff_base * 2^(n-1), backoff_max), measured on
// the injected Clock (deadline = Now() + delay). A successful list or any received watch event
// (bookmarks included) resets it. An end before any event counts as a failure, so a server that
// closes every watch at once is not hammered. On 410 the watcher relists without waiting.
//
// Step() returns delay 0 except in kBackoff. Step() and Run() are for one thread; Stop() may be
// called from any thread (it cancels an open stream and wakes Run()).
//
// Usage:
//   StoreWriter store;
//   StoreSink sink(store);
//   Watcher watcher(client, clock, kConfigMaps, sink, {.ns = "default", .label_selector = "app=web"});
//   std::thread t([&] { watcher.Run(); });
//   ... store.View().HasSynced() ...
//   watcher.Stop(); t.join();
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "kube/client.h"
#include "kube/store.h"

namespace jd::kube {

enum class WatcherState { kEmpty, kListing, kWatching, kBackoff };

const char* ToString(WatcherState s);

// Receives what the watcher learns. Called on the thread running Step()/Run().
class WatcherSink {
 public:
  virtual ~WatcherSink() = default;
  // The whole set after a (re)list: anything not in `objects` is gone.
  virtual void OnRelist(std::vector<nlohmann::json> objects, const std::string& resource_version) = 0;
  // kAdded, kModified or kDeleted (bookmarks and errors are handled by the watcher).
  virtual void OnEvent(WatchEvent event) = 0;
};

// Feeds a StoreWriter.
class StoreSink final : public WatcherSink {
 public:
  explicit StoreSink(StoreWriter& writer) : writer_(writer) {}
  void OnRelist(std::vector<nlohmann::json> objects, const std::string& resource_version) override {
    writer_.Replace(std::move(objects), resource_version);
  }
  void OnEvent(WatchEvent event) override { writer_.Apply(std::move(event)); }

 private:
  StoreWriter& writer_;
};

struct WatcherOptions {
  std::string ns;              // "" = all namespaces (and cluster-scoped resources)
  std::string label_selector;  // "" = everything
  int64_t page_size = 500;     // ListOptions::limit
  std::chrono::milliseconds poll_timeout{1000};  // one Step's wait in WatchStream::Next
  std::chrono::seconds watch_timeout{300};       // server-side timeoutSeconds of each watch
  Duration backoff_base = std::chrono::milliseconds(800);
  Duration backoff_max = std::chrono::seconds(30);
};

class Watcher {
 public:
  struct StepResult {
    WatcherState state;
    Duration delay;  // wait this long before the next Step (0: at once)
  };

  // `client`, `clock` and `sink` must outlive the watcher. Run() waits on clock.AfterFunc timers.
  Watcher(Client& client, Clock& clock, ResourceRef resource, WatcherSink& sink, WatcherOptions opts = {});
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // One transition (see the table above).
  StepResult Step();
  // Steps until Stop(), waiting each returned delay on the clock's timers.
  void Run();
  // Makes Run() return soon; cancels an open watch. Idempotent; any thread.
  void Stop();

  WatcherState state() const { return state_; }
  // The last resourceVersion seen (list, event or bookmark); "" before the first list.
  const std::string& resource_version() const { return rv_; }
  // Consecutive failures counted by the backoff.
  int failures() const { return failures_; }

 private:
  StepResult DoList();
  StepResult DoWatch();
  StepResult EnterBackoff(WatcherState resume);
  StepResult Relist();
  void CloseStream();
  void NoteResourceVersion(const nlohmann::json& obj);

  Client& client_;
  Clock& clock_;
  const ResourceRef resource_;
  WatcherSink& sink_;
  const WatcherOptions opts_;

  // Owned by the stepping thread.
  WatcherState state_ = WatcherState::kEmpty;
  WatcherState resume_ = WatcherState::kListing;
  std::string rv_;
  int failures_ = 0;
  MonoTime backoff_until_{};
  bool got_event_ = false;  // since the current stream opened

  // Shared with Stop().
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  std::unique_ptr<WatchStream> stream_;  // replaced/reset only under mu_ by the stepping thread
};

}  // namespace jd::kube
