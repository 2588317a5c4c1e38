// Controller: (a) the worker loop's contract with a scripted Reconciler and a FakeClock;
// (b) a "ConfigMap -> annotated copy" controller converging on an in-process kube-sim (TLS,
// RestClient) while every watch is dropped every ~300 ms and 10% of requests fail with 500.
#include "runtime/controller.h"

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "kubesim_harness.h"
#include "support/copy_reconciler.h"

#include "api_server.h"
#include "certs.h"
#include "clock.h"
#include "common/fake_clock.h"
#include "common/system_clock.h"
#include "https_server.h"
#include "kube/client.h"
#include "kube/fake_client.h"
#include "kube/http_transport.h"

namespace jd {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Polls `pred` (real time, bounded): only to wait for worker threads, never to wait for a timer.
template <typename Pred>
bool WaitUntil(Pred pred, milliseconds limit = milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

// Runs `script` and records calls and per-key concurrency.
class FakeReconciler final : public Reconciler {
 public:
  std::function<ReconcileOutcome(const Request&, int call)> script = [](const Request&, int) {
    return Result::Done();
  };

  ReconcileOutcome Reconcile(const Request& req) override {
    int call;
    {
      std::lock_guard lock(mu_);
      call = ++calls_[req.Key()];
      if (++in_flight_[req.Key()] > 1) overlap_ = true;
      ++total_in_flight_;
      if (total_in_flight_ > max_total_in_flight_) max_total_in_flight_ = total_in_flight_;
    }
    struct Leave {
      FakeReconciler* self;
      std::string key;
      ~Leave() {
        std::lock_guard lock(self->mu_);
        --self->in_flight_[key];
        --self->total_in_flight_;
        ++self->finished_[key];
      }
    } leave{this, req.Key()};
    return script(req, call);
  }

  int Calls(const std::string& key) {
    std::lock_guard lock(mu_);
    return calls_[key];
  }
  int Finished(const std::string& key) {
    std::lock_guard lock(mu_);
    return finished_[key];
  }
  bool overlap() {
    std::lock_guard lock(mu_);
    return overlap_;
  }
  int max_total_in_flight() {
    std::lock_guard lock(mu_);
    return max_total_in_flight_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> calls_, in_flight_, finished_;
  int total_in_flight_ = 0, max_total_in_flight_ = 0;
  bool overlap_ = false;
};

class ControllerTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  FakeReconciler rec_;
};

TEST_F(ControllerTest, ExceptionsAreRateLimitedRetriesAndNeverCrash) {
  rec_.script = [](const Request&, int call) -> ReconcileOutcome {
    if (call <= 3) throw std::runtime_error("boom");
    return Result::Done();
  };
  Controller ctl("t", rec_, clock_);
  ctl.Start();
  ctl.Enqueue({"ns", "a"});
  // Failure 1: retried after 5 ms (per-item exponential backoff), not before.
  ASSERT_TRUE(WaitUntil([&] { return ctl.queue().NumWaiting() == 1; }));
  EXPECT_EQ(ctl.queue().NumRequeues("ns/a"), 1);
  clock_.Advance(milliseconds(4));
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(rec_.Calls("ns/a"), 1);
  clock_.Advance(milliseconds(1));
  // Failure 2: 10 ms.
  ASSERT_TRUE(WaitUntil([&] { return rec_.Calls("ns/a") == 2 && ctl.queue().NumWaiting() == 1; }));
  EXPECT_EQ(ctl.queue().NumRequeues("ns/a"), 2);
  clock_.Advance(milliseconds(9));
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(rec_.Calls("ns/a"), 2);
  clock_.Advance(milliseconds(1));
  // Failure 3: 20 ms; then success forgets the backoff.
  ASSERT_TRUE(WaitUntil([&] { return rec_.Calls("ns/a") == 3 && ctl.queue().NumWaiting() == 1; }));
  clock_.Advance(milliseconds(20));
  ASSERT_TRUE(WaitUntil([&] { return rec_.Finished("ns/a") == 4; }));
  ASSERT_TRUE(WaitUntil([&] { return ctl.queue().NumRequeues("ns/a") == 0; }));
  EXPECT_EQ(ctl.queue().NumWaiting(), 0u);
  ctl.Stop();
}

TEST_F(ControllerTest, NonStdExceptionAndTransientErrorAreRetried) {
  rec_.script = [](const Request& r, int call) -> ReconcileOutcome {
    if (call == 1 && r.name == "x") throw 42;
    if (call == 1) return ReconcileError("transient");
    return Result::Done();
  };
  Controller ctl("t", rec_, clock_, {.max_concurrent_reconciles = 2});
  ctl.Start();
  ctl.Enqueue({"ns", "x"});
  ctl.Enqueue({"ns", "y"});
  ASSERT_TRUE(WaitUntil([&] { return ctl.queue().NumWaiting() == 2; }));
  clock_.Advance(milliseconds(5));
  ASSERT_TRUE(WaitUntil([&] { return rec_.Finished("ns/x") == 2 && rec_.Finished("ns/y") == 2; }));
  ctl.Stop();
}

TEST_F(ControllerTest, TerminalErrorIsNotRetried) {
  rec_.script = [](const Request&, int) -> ReconcileOutcome { return TerminalError("bad spec"); };
  Controller ctl("t", rec_, clock_);
  ctl.Start();
  ctl.Enqueue({"ns", "a"});
  ASSERT_TRUE(WaitUntil([&] { return rec_.Finished("ns/a") == 1; }));
  clock_.Advance(seconds(3600));
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(rec_.Calls("ns/a"), 1);
  EXPECT_EQ(ctl.queue().NumWaiting(), 0u);
  EXPECT_EQ(ctl.queue().NumRequeues("ns/a"), 0);
  ctl.Stop();
}

TEST_F(ControllerTest, RequeueAfterRerunsWhenTheClockAdvances) {
  rec_.script = [](const Request&, int call) -> ReconcileOutcome {
    if (call == 1) return Result::RequeueAfter(seconds(30));
    return Result::Done();
  };
  Controller ctl("t", rec_, clock_);
  ctl.Start();
  ctl.Enqueue({"ns", "a"});
  ASSERT_TRUE(WaitUntil([&] { return ctl.queue().NumWaiting() == 1; }));
  EXPECT_EQ(ctl.queue().NumRequeues("ns/a"), 0);  // a fixed delay, not a backoff
  clock_.Advance(seconds(29));
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(rec_.Calls("ns/a"), 1);
  clock_.Advance(seconds(1));
  ASSERT_TRUE(WaitUntil([&] { return rec_.Finished("ns/a") == 2; }));
  clock_.Advance(seconds(3600));
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(rec_.Calls("ns/a"), 2);
  ctl.Stop();
}

TEST_F(ControllerTest, RequeueWithoutDelayBacksOff) {
  rec_.script = [](const Request&, int call) -> ReconcileOutcome {
    if (call == 1) return Result::Requeue();
    return Result::Done();
  };
  Controller ctl("t", rec_, clock_);
  ctl.Start();
  ctl.Enqueue({"ns", "a"});
  ASSERT_TRUE(WaitUntil([&] { return ctl.queue().NumWaiting() == 1; }));
  EXPECT_EQ(ctl.queue().NumRequeues("ns/a"), 1);
  clock_.Advance(milliseconds(5));
  ASSERT_TRUE(WaitUntil([&] { return rec_.Finished("ns/a") == 2; }));
  ctl.Stop();
}

TEST_F(ControllerTest, NeverTwoWorkersOnOneKey) {
  rec_.script = [](const Request&, int) -> ReconcileOutcome {
    std::this_thread::sleep_for(milliseconds(1));
    return Result::Done();
  };
  Controller ctl("t", rec_, clock_, {.max_concurrent_reconciles = 4});
  ctl.Start();
  for (int i = 0; i < 300; ++i) {
    ctl.Enqueue({"ns", "k" + std::to_string(i % 3)});
    if (i % 10 == 0) std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_TRUE(WaitUntil([&] { return ctl.queue().Len() == 0; }));
  ctl.Stop();
  EXPECT_FALSE(rec_.overlap());
  EXPECT_LE(rec_.max_total_in_flight(), 3);  // at most one per key, 3 keys
  for (int k = 0; k < 3; ++k) EXPECT_GE(rec_.Calls("ns/k" + std::to_string(k)), 1);
}

TEST_F(ControllerTest, StopDrainsInFlightReconciles) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<bool> entered{false};
  rec_.script = [&](const Request&, int) -> ReconcileOutcome {
    entered = true;
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
    return Result::Done();
  };
  Controller ctl("t", rec_, clock_);
  ctl.Start();
  ctl.Enqueue({"ns", "a"});
  ASSERT_TRUE(WaitUntil([&] { return entered.load(); }));
  ctl.Enqueue({"ns", "b"});  // pending: dropped by the shutdown
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    ctl.Stop();
    stopped = true;
  });
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_FALSE(stopped.load());  // waiting for the in-flight reconcile
  EXPECT_TRUE(ctl.queue().ShuttingDown());
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  stopper.join();
  EXPECT_EQ(rec_.Finished("ns/a"), 1);
  EXPECT_EQ(rec_.Calls("ns/b"), 0);
  ctl.Enqueue({"ns", "c"});  // no-op after Stop
  ctl.Stop();                // idempotent
  EXPECT_EQ(rec_.Calls("ns/c"), 0);
}

TEST_F(ControllerTest, InvalidKeysAreForgottenAndWithoutSourcesTheCacheIsSynced) {
  Controller ctl("t", rec_, clock_);
  EXPECT_TRUE(ctl.Ready());
  EXPECT_TRUE(ctl.WaitForCacheSync(seconds(1)));
  ctl.Start();
  EXPECT_THROW(ctl.Start(), std::logic_error);
  ctl.Enqueue({"a/b", "c"});  // key "a/b/c" is not a valid Request
  ctl.Enqueue({"ns", "ok"});
  ASSERT_TRUE(WaitUntil([&] { return rec_.Finished("ns/ok") == 1; }));
  EXPECT_EQ(ctl.queue().NumWaiting(), 0u);
  ctl.Stop();
}

TEST(ControllerMapTest, MapsSelfAndControllerOwner) {
  json obj = {{"metadata",
               {{"name", "x-copy"},
                {"namespace", "default"},
                {"ownerReferences",
                 json::array({{{"kind", "Secret"}, {"name", "s"}, {"uid", "1"}},
                              {{"kind", "ConfigMap"}, {"name", "x"}, {"uid", "2"}, {"controller", true}}})}}}};
  EXPECT_EQ(MapToSelf(obj), (std::vector<Request>{{"default", "x-copy"}}));
  EXPECT_EQ(MapToControllerOwner(obj, "ConfigMap"), (std::vector<Request>{{"default", "x"}}));
  EXPECT_TRUE(MapToControllerOwner(obj, "Secret").empty());  // not the controller
  EXPECT_TRUE(MapToControllerOwner(json{{"metadata", {{"name", "n"}}}}, "ConfigMap").empty());
  EXPECT_TRUE(MapToSelf(json::object()).empty());
}

// ---- (b) ConfigMap -> annotated copy, against kube-sim with faults ----

constexpr char kNs[] = "default";

using jd::testing::CopyReconciler;

class ControllerKubesimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(kube_.Start(kubesim::ApiServerOptions{.token = "t0ken", .bookmark_interval = std::chrono::milliseconds(200)}), "");
    api_ = &kube_.api();
    client_ = &kube_.client();
  }
  void TearDown() override { kube_.Stop(); }


  // The test's own writes also meet the injected faults: retry until the server acted.
  template <typename Call, typename Accept>
  void Retry(Call call, Accept accept) {
    for (int i = 0; i < 100; ++i) {
      if (accept(call())) return;
      std::this_thread::sleep_for(milliseconds(5));
    }
    ADD_FAILURE() << "request kept failing";
  }

  static json Cm(const std::string& name, const std::string& v) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", kNs}}},
            {"data", {{"k", v}}}};
  }

  // Whether the server holds exactly the right copies; `why` says what is wrong.
  bool Converged(std::string& why) {
    std::map<std::string, json> all;
    for (auto& o : api_->ListObjects("", "configmaps", kNs)) all[o["metadata"]["name"].get<std::string>()] = o;
    std::set<std::string> want_copies, have_copies;
    for (const auto& [name, o] : all) {
      const json& md = o["metadata"];
      if (md.value("labels", json::object()).value("copy", "") == "true") {
        have_copies.insert(name);
        continue;
      }
      want_copies.insert(name + "-copy");
      auto it = all.find(name + "-copy");
      if (it == all.end()) {
        why = "missing " + name + "-copy";
        return false;
      }
      const json& c = it->second;
      const json& cmd = c["metadata"];
      auto refs = cmd.value("ownerReferences", json::array());
      if (c.value("data", json::object()) != o.value("data", json::object()) ||
          cmd.value("annotations", json::object()).value("copied-from", "") != name || refs.size() != 1 ||
          refs[0].value("uid", "") != md.value("uid", "") || !refs[0].value("controller", false) ||
          refs[0].value("kind", "") != "ConfigMap" || refs[0].value("name", "") != name) {
        why = "wrong " + name + "-copy: " + c.dump();
        return false;
      }
    }
    if (want_copies != have_copies) {
      why = "copies differ: have " + std::to_string(have_copies.size()) + ", want " +
            std::to_string(want_copies.size());
      return false;
    }
    return true;
  }

  jd::testing::KubesimHarness kube_;
  kubesim::ApiServer* api_ = nullptr;
  jd::kube::RestClient* client_ = nullptr;
  jd::SystemClock clock_;
};

// Responses with code 500 the server sent (the injected faults).
uint64_t Count500(kubesim::ApiServer& api) {
  uint64_t n = 0;
  const json counts = api.accounting().Counts();
  for (const auto& row : counts["requests"])
    if (row.value("code", 0) == 500) n += row.value("count", uint64_t{0});
  return n;
}

TEST_F(ControllerKubesimTest, CopiesConvergeWhileWatchesDropAndRequestsFail) {
  ASSERT_FALSE(api_->faults()
                   .Configure(json{{"errors", json::array({{{"verb", "*"},
                                                            {"resource", "*"},
                                                            {"rate", 0.1},
                                                            {"code", 500}}})}})
                   .has_value());
  CopyReconciler rec(*client_);
  Controller ctl("configmap-copier", rec, clock_, {.max_concurrent_reconciles = 2});
  kube::WatcherOptions wo;
  wo.ns = kNs;
  wo.poll_timeout = milliseconds(100);
  wo.backoff_base = milliseconds(10);
  wo.backoff_max = milliseconds(200);
  rec.SetCache(ctl.For(*client_, kube::kConfigMaps, wo));
  ctl.Owns(*client_, kube::kConfigMaps, "ConfigMap", wo);
  ctl.Start();

  std::atomic<bool> stop_dropper{false};
  std::atomic<int> drops{0};
  std::thread dropper([&] {
    while (!stop_dropper) {
      std::this_thread::sleep_for(milliseconds(300));
      api_->DropAllWatches();
      ++drops;
    }
  });
  EXPECT_TRUE(ctl.WaitForCacheSync(seconds(10)));
  EXPECT_TRUE(ctl.Ready());

  const auto deadline = std::chrono::steady_clock::now() + seconds(20);  // the whole test's bound
  std::string why;
  auto converge = [&](const std::string& phase) {
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(100));
      if (Converged(why)) return true;  // every source has its copy, and no copy is orphaned
    }
    ADD_FAILURE() << phase << ": " << why;
    return false;
  };

  // Phase 1: ten sources.
  auto created = [](const kube::ApiResult<json>& r) { return r.ok() || kube::IsAlreadyExists(r); };
  for (int i = 0; i < 10; ++i) {
    std::string name = "cm-" + std::to_string(i);
    Retry([&] { return client_->Create(kube::kConfigMaps, Cm(name, "v0")); }, created);
  }
  bool ok = converge("create");

  // Faults are random: should none have hit yet, keep touching cm-8 until one has (each round is
  // a patch here and an update by the reconciler, so 100 rounds without one is ~1e-9).
  for (int i = 0; i < 100 && Count500(*api_) == 0; ++i)
    Retry([&] { return client_->Patch(kube::kConfigMaps, kNs, "cm-8", kube::PatchType::kMerge,
                                      {{"data", {{"k", "touch-" + std::to_string(i)}}}}); },
          [](const kube::ApiResult<json>& r) { return r.ok(); });

  // Phase 2, after a few more dropped watches: update three sources, tamper with one copy (only
  // the Owns source maps that event back to cm-0), delete cm-9 (its copy is garbage-collected).
  const int drops_before = drops.load();
  ASSERT_TRUE(WaitUntil([&] { return drops.load() >= drops_before + 2; }));
  for (int i : {1, 4, 7}) {
    std::string name = "cm-" + std::to_string(i);
    Retry([&] { return client_->Patch(kube::kConfigMaps, kNs, name, kube::PatchType::kMerge,
                                      {{"data", {{"k", "v1"}, {"extra", std::to_string(i)}}}}); },
          [](const kube::ApiResult<json>& r) { return r.ok(); });
  }
  Retry([&] { return client_->Patch(kube::kConfigMaps, kNs, "cm-0-copy", kube::PatchType::kMerge,
                                    {{"data", {{"k", "tampered"}}}}); },
        [](const kube::ApiResult<json>& r) { return r.ok(); });
  Retry([&] { return client_->Delete(kube::kConfigMaps, kNs, "cm-9"); },
        [](const kube::ApiStatus& s) { return s.ok() || kube::IsNotFound(s); });
  ok = converge("update/tamper/delete") && ok;

  stop_dropper = true;
  dropper.join();
  ctl.Stop();
  ASSERT_TRUE(ok);

  EXPECT_GE(drops.load(), 3);
  EXPECT_GT(Count500(*api_), 0u) << "no fault was injected: the test proves less than it claims";
  EXPECT_EQ(api_->ListObjects("", "configmaps", kNs).size(), 18u);  // cm-0..8 and their copies
  auto c4 = api_->GetObject("", "configmaps", kNs, "cm-4-copy");
  ASSERT_TRUE(c4.has_value());
  EXPECT_EQ((*c4)["data"], (json{{"k", "v1"}, {"extra", "4"}}));
  EXPECT_EQ((*c4)["metadata"]["labels"]["copy"], "true");
  EXPECT_EQ((*c4)["metadata"]["annotations"]["copied-from"], "cm-4");
  auto c0 = api_->GetObject("", "configmaps", kNs, "cm-0-copy");
  ASSERT_TRUE(c0.has_value());
  EXPECT_EQ((*c0)["data"], (json{{"k", "v0"}}));  // the tampering was undone
  EXPECT_FALSE(api_->GetObject("", "configmaps", kNs, "cm-9").has_value());
  EXPECT_FALSE(api_->GetObject("", "configmaps", kNs, "cm-9-copy").has_value());
}

// With a FakeClock, a cache that cannot sync (every list fails) makes WaitForCacheSync return
// false once the clock passes the timeout; the watcher backs off on the same clock, never spins.
TEST_F(ControllerKubesimTest, WaitForCacheSyncTimesOutOnTheInjectedClock) {
  ASSERT_FALSE(api_->faults()
                   .Configure(json{{"errors", json::array({{{"verb", "list"},
                                                            {"resource", "*"},
                                                            {"rate", 1.0},
                                                            {"code", 500}}})}})
                   .has_value());
  FakeClock fake;
  FakeReconciler rec;
  Controller ctl("unsynced", rec, fake);
  kube::WatcherOptions wo;
  wo.ns = kNs;
  ctl.For(*client_, kube::kConfigMaps, wo);
  ctl.Start();
  EXPECT_THROW(ctl.Owns(*client_, kube::kSecrets, "ConfigMap", wo), std::logic_error);  // only before Start
  std::atomic<bool> done{false}, synced{true};
  std::thread waiter([&] {
    synced = ctl.WaitForCacheSync(seconds(10));
    done = true;
  });
  for (int i = 0; i < 500 && !done; ++i) {  // bounded; advancing until the waiter's timer exists
    fake.Advance(seconds(1));
    std::this_thread::sleep_for(milliseconds(2));
  }
  waiter.join();
  EXPECT_FALSE(synced.load());
  EXPECT_FALSE(ctl.Ready());
  ctl.Stop();
}

}  // namespace
}  // namespace jd

// ---- (c) --namespace: one watch per namespace, never a cluster-wide list ----

namespace jd {
namespace {

TEST(ControllerNamespacesTest, WatchesOnlyTheGivenNamespacesIntoOneCache) {
  SystemClock clock;
  kube::FakeClient client(clock);
  for (const char* ns : {"a", "b", "c"}) {
    client.Seed(kube::kConfigMaps, {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                                    {"metadata", {{"name", std::string("cm-") + ns}, {"namespace", ns}}}});
  }
  FakeReconciler rec;
  ControllerOptions opts;
  opts.namespaces = {"a", "b"};
  Controller ctl("scoped", rec, clock, opts);
  kube::WatcherOptions wo;
  wo.poll_timeout = milliseconds(50);
  kube::StoreView view = ctl.For(client, kube::kConfigMaps, wo);
  ctl.Start();
  ASSERT_TRUE(ctl.WaitForCacheSync(seconds(5)));
  EXPECT_EQ(view.Size(), 2u);
  EXPECT_NE(view.Get("a", "cm-a"), nullptr);
  EXPECT_NE(view.Get("b", "cm-b"), nullptr);
  EXPECT_EQ(view.Get("c", "cm-c"), nullptr);
  // A change in b arrives through b's watch; a change in c is never seen.
  client.Seed(kube::kConfigMaps, {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                                  {"metadata", {{"name", "new"}, {"namespace", "b"}}}});
  ASSERT_TRUE(client.Create(kube::kConfigMaps, {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                                                {"metadata", {{"name", "late"}, {"namespace", "b"}}}}).ok());
  ASSERT_TRUE(client.Create(kube::kConfigMaps, {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                                                {"metadata", {{"name", "late"}, {"namespace", "c"}}}}).ok());
  const auto deadline = std::chrono::steady_clock::now() + seconds(5);
  while (std::chrono::steady_clock::now() < deadline && rec.Calls("b/late") == 0) std::this_thread::sleep_for(milliseconds(5));
  EXPECT_GE(rec.Calls("a/cm-a"), 1);
  EXPECT_GE(rec.Calls("b/late"), 1);
  EXPECT_EQ(rec.Calls("c/cm-c"), 0);
  EXPECT_EQ(rec.Calls("c/late"), 0);
  ctl.Stop();
  for (const kube::Action& a : client.Actions()) {
    if (a.verb == "list" || a.verb == "watch") {
      EXPECT_TRUE(a.ns == "a" || a.ns == "b") << kube::ToString(a);
    }
  }
}

}  // namespace
}  // namespace jd

namespace jd {
namespace {

TEST(ControllerMapTest, AThrowingMapFuncMapsToNothingAndTheWatcherGoesOn) {
  SystemClock clock;
  kube::FakeClient client(clock);
  FakeReconciler rec;
  Controller ctl("mapper", rec, clock);
  kube::WatcherOptions wo;
  wo.ns = "default";
  wo.poll_timeout = milliseconds(50);
  ctl.Watches(client, kube::kConfigMaps, [](const json& obj) -> std::vector<Request> {
    if (obj["metadata"]["name"] == "bad") throw std::runtime_error("mapping bug");
    return {Request{"default", "mapped-" + obj["metadata"]["name"].get<std::string>()}};
  }, wo);
  ctl.Start();
  ASSERT_TRUE(ctl.WaitForCacheSync(seconds(5)));
  for (const char* name : {"bad", "good"}) {
    ASSERT_TRUE(client.Create(kube::kConfigMaps, {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                                                  {"metadata", {{"name", name}, {"namespace", "default"}}}}).ok());
  }
  const auto deadline = std::chrono::steady_clock::now() + seconds(5);
  while (std::chrono::steady_clock::now() < deadline && rec.Calls("default/mapped-good") == 0) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(rec.Calls("default/mapped-good"), 1);  // the event after the throwing one still arrives
  EXPECT_EQ(rec.Calls("default/mapped-bad"), 0);
}

}  // namespace
}  // namespace jd
