// Watcher: the state machine against a scripted fake Client (only List and Watch are modelled;
// every other call fails) with a FakeClock, then against an in-process kube-sim that drops watches.
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "kubesim_harness.h"

#include "api_server.h"
#include "certs.h"
#include "clock.h"
#include "common/fake_clock.h"
#include "common/system_clock.h"
#include "https_server.h"
#include "kube/http_transport.h"
#include "kube/watcher.h"

namespace jd::kube {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using T = WatchEvent::Type;

json Cm(const std::string& name, const std::string& rv) {
  return {{"metadata", {{"name", name}, {"namespace", "default"}, {"resourceVersion", rv}}}};
}
json ListOf(std::vector<json> items, const std::string& rv) {
  return {{"items", items}, {"metadata", {{"resourceVersion", rv}}}};
}
ApiResult<WatchRead> Event(T type, json obj, std::optional<ApiError> err = std::nullopt) {
  WatchRead r;
  r.kind = WatchRead::Kind::kEvent;
  r.event = WatchEvent{type, std::move(obj), std::move(err)};
  return r;
}
ApiResult<WatchRead> Bookmark(const std::string& rv) {
  return Event(T::kBookmark, {{"metadata", {{"resourceVersion", rv}}}});
}
ApiError Err(ErrorKind k, int code) {
  ApiError e;
  e.kind = k;
  e.code = code;
  e.message = "scripted";
  return e;
}

// A stream that plays its script, then ends.
class ScriptedStream final : public WatchStream {
 public:
  explicit ScriptedStream(std::deque<ApiResult<WatchRead>> script) : script_(std::move(script)) {}
  ApiResult<WatchRead> Next(milliseconds) override {
    if (cancelled_ || script_.empty()) return WatchRead{WatchRead::Kind::kEnd, {}};
    auto r = std::move(script_.front());
    script_.pop_front();
    return r;
  }
  void Cancel() override { cancelled_ = true; }

 private:
  std::deque<ApiResult<WatchRead>> script_;
  bool cancelled_ = false;
};

// Lists and watches answer from scripts, in order, and are recorded. An exhausted script fails the
// call (kServerError) so a test that under-scripts sees backoff, not a crash.
class FakeClient final : public Client {
 public:
  std::deque<ApiResult<json>> lists;
  std::deque<std::variant<ApiError, std::deque<ApiResult<WatchRead>>>> watches;
  std::vector<ListOptions> list_calls;
  std::vector<WatchOptions> watch_calls;
  std::vector<std::string> namespaces;

  ApiResult<json> List(const ResourceRef&, const std::string& ns, const ListOptions& o) override {
    list_calls.push_back(o);
    namespaces.push_back(ns);
    if (lists.empty()) return Err(ErrorKind::kServerError, 500);
    auto r = std::move(lists.front());
    lists.pop_front();
    return r;
  }
  ApiResult<std::unique_ptr<WatchStream>> Watch(const ResourceRef&, const std::string& ns,
                                                const WatchOptions& o) override {
    watch_calls.push_back(o);
    namespaces.push_back(ns);
    if (watches.empty()) return Err(ErrorKind::kServerError, 500);
    auto w = std::move(watches.front());
    watches.pop_front();
    if (auto* e = std::get_if<ApiError>(&w)) return *e;
    return std::unique_ptr<WatchStream>(
        std::make_unique<ScriptedStream>(std::move(std::get<std::deque<ApiResult<WatchRead>>>(w))));
  }

  ApiResult<json> Get(const ResourceRef&, const std::string&, const std::string&) override { return Unmodelled(); }
  ApiResult<json> Create(const ResourceRef&, const json&, const WriteOptions&) override { return Unmodelled(); }
  ApiResult<json> Update(const ResourceRef&, const json&, const WriteOptions&) override { return Unmodelled(); }
  ApiResult<json> Patch(const ResourceRef&, const std::string&, const std::string&, PatchType, const json&,
                        const PatchOptions&) override {
    return Unmodelled();
  }
  ApiStatus Delete(const ResourceRef&, const std::string&, const std::string&, const DeleteOptions&) override {
    return Unmodelled();
  }
  ApiResult<json> UpdateStatus(const ResourceRef&, const json&, const WriteOptions&) override { return Unmodelled(); }
  ApiResult<json> PatchStatus(const ResourceRef&, const std::string&, const std::string&, PatchType, const json&,
                              const PatchOptions&) override {
    return Unmodelled();
  }

 private:
  static ApiError Unmodelled() { return Err(ErrorKind::kBadRequest, 400); }
};

std::vector<std::string> Names(const StoreView& v) {
  std::vector<std::string> out;
  for (const auto& o : v.List()) out.push_back((*o)["metadata"]["name"].get<std::string>());
  return out;
}

class WatcherTest : public ::testing::Test {
 protected:
  WatcherOptions Opts() {
    WatcherOptions o;
    o.ns = "default";
    o.label_selector = "app=web";
    o.page_size = 50;
    o.backoff_base = std::chrono::seconds(1);
    o.backoff_max = std::chrono::seconds(8);
    return o;
  }
  // Steps until `pred` or `max` steps; never advances the clock.
  template <typename Pred>
  void StepUntil(Watcher& w, Pred pred, int max = 50) {
    for (int i = 0; i < max && !pred(); ++i) w.Step();
  }
  Watcher::StepResult StepTo(Watcher& w, WatcherState s, int max = 50) {
    Watcher::StepResult r{w.state(), Duration::zero()};
    for (int i = 0; i < max; ++i) {
      r = w.Step();
      if (r.state == s) return r;
    }
    ADD_FAILURE() << "never reached " << ToString(s) << ", at " << ToString(w.state());
    return r;
  }

  FakeClock clock_;
  FakeClient client_;
  StoreWriter store_;
  StoreView view_ = store_.View();
  StoreSink sink_{store_};
};

TEST_F(WatcherTest, ListsThenAppliesEvents) {
  client_.lists.push_back(ListOf({Cm("a", "5"), Cm("b", "6")}, "10"));
  client_.watches.push_back(std::deque<ApiResult<WatchRead>>{
      Event(T::kAdded, Cm("c", "11")), Event(T::kModified, Cm("a", "12")), Event(T::kDeleted, Cm("b", "13"))});
  Watcher w(client_, clock_, kConfigMaps, sink_, Opts());
  EXPECT_EQ(w.state(), WatcherState::kEmpty);
  EXPECT_EQ(w.Step().state, WatcherState::kListing);
  EXPECT_FALSE(view_.HasSynced());
  auto r = w.Step();  // the list
  EXPECT_EQ(r.state, WatcherState::kWatching);
  EXPECT_EQ(r.delay, Duration::zero());
  EXPECT_TRUE(view_.HasSynced());
  EXPECT_EQ(Names(view_), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(w.resource_version(), "10");
  for (int i = 0; i < 4; ++i) w.Step();  // open + 3 events
  EXPECT_EQ(Names(view_), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ((*view_.Get("default", "a"))["metadata"]["resourceVersion"], "12");
  EXPECT_EQ(w.resource_version(), "13");

  ASSERT_EQ(client_.list_calls.size(), 1u);
  EXPECT_EQ(client_.list_calls[0].label_selector, "app=web");
  EXPECT_EQ(client_.list_calls[0].limit, 50);
  ASSERT_EQ(client_.watch_calls.size(), 1u);
  EXPECT_EQ(client_.watch_calls[0].resource_version, "10");
  EXPECT_EQ(client_.watch_calls[0].label_selector, "app=web");
  EXPECT_TRUE(client_.watch_calls[0].allow_bookmarks);
  for (const auto& ns : client_.namespaces) EXPECT_EQ(ns, "default");
}

TEST_F(WatcherTest, StreamEndRewatchesFromTheLastResourceVersion) {
  client_.lists.push_back(ListOf({}, "10"));
  client_.watches.push_back(std::deque<ApiResult<WatchRead>>{Event(T::kAdded, Cm("a", "14"))});
  client_.watches.push_back(std::deque<ApiResult<WatchRead>>{Event(T::kModified, Cm("a", "20"))});
  Watcher w(client_, clock_, kConfigMaps, sink_, Opts());
  StepUntil(w, [&] { return client_.watch_calls.size() == 2; });
  ASSERT_EQ(client_.watch_calls.size(), 2u);
  EXPECT_EQ(client_.watch_calls[0].resource_version, "10");
  EXPECT_EQ(client_.watch_calls[1].resource_version, "14");  // resumed, not relisted
  EXPECT_EQ(client_.list_calls.size(), 1u);
  EXPECT_EQ(w.failures(), 0);
  w.Step();
  EXPECT_EQ((*view_.Get("default", "a"))["metadata"]["resourceVersion"], "20");
}

TEST_F(WatcherTest, BookmarksAdvanceTheResourceVersion) {
  client_.lists.push_back(ListOf({Cm("a", "5")}, "10"));
  client_.watches.push_back(std::deque<ApiResult<WatchRead>>{Bookmark("30"), Bookmark("31")});
  client_.watches.push_back(std::deque<ApiResult<WatchRead>>{});
  Watcher w(client_, clock_, kConfigMaps, sink_, Opts());
  StepUntil(w, [&] { return client_.watch_calls.size() == 2; });
  ASSERT_EQ(client_.watch_calls.size(), 2u);
  EXPECT_EQ(client_.watch_calls[1].resource_version, "31");
  EXPECT_EQ(Names(view_), (std::vector<std::string>{"a"}));  // bookmarks touch no object
}

TEST_F(WatcherTest, GoneErrorEventRelistsAndReplacesTheStore) {
  client_.lists.push_back(ListOf({Cm("a", "5"), Cm("b", "6")}, "10"));
  client_.watches.push_back(std::deque<ApiResult<WatchRead>>{Event(T::kAdded, Cm("c", "11")),
                                                             Event(T::kError, json::object(), Err(ErrorKind::kGone, 410))});
  // Meanwhile a and c were deleted and d created.
  client_.lists.push_back(ListOf({Cm("b", "6"), Cm("d", "40")}, "50"));
  client_.watches.push_back(std::deque<ApiResult<WatchRead>>{});
  Watcher w(client_, clock_, kConfigMaps, sink_, Opts());
  StepUntil(w, [&] { return client_.watch_calls.size() == 1 && w.resource_version() == "11"; });
  EXPECT_EQ(Names(view_), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(w.Step().state, WatcherState::kEmpty);  // the ERROR 410
  EXPECT_EQ(w.Step().state, WatcherState::kListing);
  EXPECT_EQ(w.Step().state, WatcherState::kWatching);
  EXPECT_EQ(client_.list_calls.size(), 2u);
  EXPECT_EQ(Names(view_), (std::vector<std::string>{"b", "d"}));
  EXPECT_EQ(view_.LastSyncResourceVersion(), "50");
  w.Step();
  ASSERT_EQ(client_.watch_calls.size(), 2u);
  EXPECT_EQ(client_.watch_calls[1].resource_version, "50");
}

TEST_F(WatcherTest, GoneOnWatchOpenRelists) {
  client_.lists.push_back(ListOf({Cm("a", "5")}, "10"));
  client_.watches.push_back(Err(ErrorKind::kGone, 410));
  client_.lists.push_back(ListOf({}, "60"));
  Watcher w(client_, clock_, kConfigMaps, sink_, Opts());
  StepTo(w, WatcherState::kWatching);
  EXPECT_EQ(w.Step().state, WatcherState::kEmpty);
  EXPECT_EQ(w.resource_version(), "");
  StepTo(w, WatcherState::kWatching);
  EXPECT_EQ(client_.list_calls.size(), 2u);
  EXPECT_TRUE(view_.List().empty());
  EXPECT_EQ(w.failures(), 0);
}

TEST_F(WatcherTest, ErrorsBackOffExponentiallyThenResetAfterSuccess) {
  client_.lists.push_back(Err(ErrorKind::kServerError, 500));
  client_.lists.push_back(Err(ErrorKind::kTransport, 0));
  client_.lists.push_back(ListOf({}, "10"));
  for (int i = 0; i < 5; ++i) client_.watches.push_back(Err(ErrorKind::kServerError, 503));
  client_.watches.push_back(std::deque<ApiResult<WatchRead>>{Event(T::kAdded, Cm("a", "11"))});
  client_.watches.push_back(Err(ErrorKind::kForbidden, 403));
  Watcher w(client_, clock_, kConfigMaps, sink_, Opts());

  w.Step();  // kEmpty -> kListing
  auto r = w.Step();
  ASSERT_EQ(r.state, WatcherState::kBackoff);
  EXPECT_EQ(r.delay, std::chrono::seconds(1));
  // Before the deadline nothing happens; the remaining delay is reported.
  clock_.Advance(milliseconds(400));
  r = w.Step();
  EXPECT_EQ(r.state, WatcherState::kBackoff);
  EXPECT_EQ(r.delay, milliseconds(600));
  EXPECT_EQ(client_.list_calls.size(), 1u);
  clock_.Advance(r.delay);
  EXPECT_EQ(w.Step().state, WatcherState::kListing);
  r = w.Step();
  EXPECT_EQ(r.delay, std::chrono::seconds(2));
  clock_.Advance(r.delay);
  w.Step();
  EXPECT_EQ(w.Step().state, WatcherState::kWatching);  // the list succeeded: backoff reset
  EXPECT_EQ(w.failures(), 0);

  std::vector<Duration> delays;
  for (int i = 0; i < 5; ++i) {
    r = w.Step();  // Watch fails
    ASSERT_EQ(r.state, WatcherState::kBackoff);
    delays.push_back(r.delay);
    clock_.Advance(r.delay);
    EXPECT_EQ(w.Step().state, WatcherState::kWatching);
  }
  using std::chrono::seconds;
  EXPECT_EQ(delays, (std::vector<Duration>{seconds(1), seconds(2), seconds(4), seconds(8), seconds(8)}));
  for (const auto& c : client_.watch_calls) EXPECT_EQ(c.resource_version, "10");  // retried, same rv

  w.Step();  // opens
  w.Step();  // ADDED: success resets the backoff
  EXPECT_EQ(w.failures(), 0);
  w.Step();  // end after an event: re-watch at once
  r = w.Step();  // 403
  EXPECT_EQ(r.state, WatcherState::kBackoff);
  EXPECT_EQ(r.delay, seconds(1));
  EXPECT_EQ(client_.watch_calls.back().resource_version, "11");
}

TEST_F(WatcherTest, EndBeforeAnyEventAndReadErrorsBackOff) {
  client_.lists.push_back(ListOf({}, "10"));
  client_.watches.push_back(std::deque<ApiResult<WatchRead>>{});  // ends at once
  client_.watches.push_back(std::deque<ApiResult<WatchRead>>{
      ApiResult<WatchRead>(ApiError::Transport(TransportErrorKind::kProtocol, "bad line"))});
  client_.watches.push_back(std::deque<ApiResult<WatchRead>>{
      Event(T::kError, json::object(), Err(ErrorKind::kServerError, 500))});
  Watcher w(client_, clock_, kConfigMaps, sink_, Opts());
  StepTo(w, WatcherState::kWatching);
  w.Step();  // open
  auto r = w.Step();
  EXPECT_EQ(r.state, WatcherState::kBackoff);
  EXPECT_EQ(r.delay, std::chrono::seconds(1));
  clock_.Advance(r.delay);
  w.Step();
  w.Step();  // open
  r = w.Step();
  EXPECT_EQ(r.delay, std::chrono::seconds(2));
  clock_.Advance(r.delay);
  w.Step();
  w.Step();  // open
  r = w.Step();  // a non-410 ERROR event: back off, keep the rv
  EXPECT_EQ(r.delay, std::chrono::seconds(4));
  EXPECT_EQ(w.resource_version(), "10");
  EXPECT_EQ(client_.list_calls.size(), 1u);
}

TEST_F(WatcherTest, TimeoutKeepsWatching) {
  client_.lists.push_back(ListOf({}, "10"));
  client_.watches.push_back(std::deque<ApiResult<WatchRead>>{WatchRead{WatchRead::Kind::kTimeout, {}},
                                                             Event(T::kAdded, Cm("a", "11"))});
  Watcher w(client_, clock_, kConfigMaps, sink_, Opts());
  StepTo(w, WatcherState::kWatching);
  w.Step();  // open
  EXPECT_EQ(w.Step().state, WatcherState::kWatching);  // timeout
  w.Step();
  EXPECT_NE(view_.Get("default", "a"), nullptr);
  EXPECT_EQ(client_.watch_calls.size(), 1u);
}

TEST_F(WatcherTest, RunWaitsOnTheClockAndStops) {
  client_.lists.push_back(Err(ErrorKind::kServerError, 500));
  client_.lists.push_back(ListOf({Cm("a", "1")}, "10"));
  Watcher w(client_, clock_, kConfigMaps, sink_, Opts());
  std::thread t([&] { w.Run(); });
  // Run parks in the backoff timer; only Advance lets it list again.
  for (int i = 0; i < 2000 && clock_.PendingTimers() == 0; ++i) std::this_thread::sleep_for(milliseconds(1));
  ASSERT_EQ(clock_.PendingTimers(), 1u);
  EXPECT_FALSE(view_.HasSynced());
  clock_.Advance(std::chrono::seconds(1));
  for (int i = 0; i < 2000 && !view_.HasSynced(); ++i) std::this_thread::sleep_for(milliseconds(1));
  EXPECT_TRUE(view_.HasSynced());
  w.Stop();
  t.join();
}

// ---- against kube-sim ----

class WatcherKubesimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(kube_.Start(kubesim::ApiServerOptions{.token = "t0ken", .bookmark_interval = std::chrono::milliseconds(200)}), "");
    api_ = &kube_.api();
    client_ = &kube_.client();
  }
  void TearDown() override { kube_.Stop(); }


  // name -> data.k of the server's ConfigMaps in "default".
  std::map<std::string, std::string> ServerState() {
    std::map<std::string, std::string> out;
    for (const auto& o : api_->ListObjects("", "configmaps", "default"))
      out[o["metadata"]["name"].get<std::string>()] = o.value("data", json::object()).value("k", "");
    return out;
  }
  static std::map<std::string, std::string> StoreState(const StoreView& v) {
    std::map<std::string, std::string> out;
    for (const auto& o : v.List("default")) out[(*o)["metadata"]["name"].get<std::string>()] = o->value("data", json::object()).value("k", "");
    return out;
  }

  jd::testing::KubesimHarness kube_;
  kubesim::ApiServer* api_ = nullptr;
  jd::kube::RestClient* client_ = nullptr;
  jd::SystemClock clock_;
};

TEST_F(WatcherKubesimTest, StoreConvergesWhileWatchesAreDropped) {
  auto cm = [](const std::string& name, const std::string& v) {
    return json{{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                {"metadata", {{"name", name}, {"namespace", "default"}}}, {"data", {{"k", v}}}};
  };
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client_->Create(kConfigMaps, cm("pre-" + std::to_string(i), "0")).ok());

  // Counts relists on the way to the store (called on the runner thread).
  struct CountingSink final : WatcherSink {
    explicit CountingSink(StoreWriter& w) : inner(w) {}
    void OnRelist(std::vector<json> objects, const std::string& rv) override {
      ++relists;
      inner.OnRelist(std::move(objects), rv);
    }
    void OnEvent(WatchEvent e) override {
      ++events;
      inner.OnEvent(std::move(e));
    }
    StoreSink inner;
    std::atomic<int> relists{0}, events{0};
  };
  StoreWriter store;
  StoreView view = store.View();
  CountingSink sink(store);
  WatcherOptions wo;
  wo.ns = "default";
  wo.page_size = 2;  // several pages
  wo.poll_timeout = milliseconds(100);
  wo.backoff_base = milliseconds(10);
  wo.backoff_max = milliseconds(100);
  Watcher watcher(*client_, clock_, kConfigMaps, sink, wo);
  std::thread runner([&] { watcher.Run(); });

  auto wait_converged = [&] {
    for (int i = 0; i < 200; ++i) {  // bounded: 200 * 50 ms
      if (view.HasSynced() && StoreState(view) == ServerState()) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  };
  EXPECT_TRUE(wait_converged());
  for (int round = 0; round < 4; ++round) {
    std::string r = std::to_string(round);
    ASSERT_TRUE(client_->Create(kConfigMaps, cm("new-" + r, r)).ok());
    api_->DropAllWatches();
    ASSERT_TRUE(client_->Patch(kConfigMaps, "default", "pre-0", PatchType::kMerge, {{"data", {{"k", "u" + r}}}}).ok());
    ASSERT_TRUE(client_->Delete(kConfigMaps, "default", "pre-" + std::to_string(round + 1)).ok());
    if (round == 2) (void)api_->faults().Configure(json{{"goneNextWatches", 1}});  // force one relist
    api_->DropAllWatches();
    EXPECT_TRUE(wait_converged()) << "round " << round;
  }
  watcher.Stop();
  runner.join();
  EXPECT_EQ(StoreState(view), ServerState());
  EXPECT_EQ(StoreState(view).size(), 5u);  // pre-0 (patched), new-0..3; pre-1..4 deleted
  EXPECT_EQ(StoreState(view)["pre-0"], "u3");
  EXPECT_GE(sink.relists.load(), 2);  // the initial list and the one after 410 Gone
  EXPECT_GT(sink.events.load(), 0);   // the rest arrived as watch events
}

}  // namespace
}  // namespace jd::kube
