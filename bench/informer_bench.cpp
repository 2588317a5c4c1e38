// informer_bench.cpp — how many watch events per second the informer path absorbs: the real
// jd::kube::Watcher feeding a StoreWriter (and, separately, a Controller's informer that also maps
// events to keys and enqueues them), with the API server replaced by pre-built answers so that
// only operator code is measured.
//
// Two feeds, to see where the time goes:
//   feed=0 "decoded"  a fake Client hands the Watcher ready nlohmann::json objects: Watcher +
//                     store only.
//   feed=1 "wire"     the real RestClient over a fake Transport that hands out the JSON text the
//                     API server would send (one list body, one watch line per event): adds the
//                     production decoding (json::parse, RestWatchStream, RestClient::List).
// The answers are prepared (and copied for each iteration) with the timer paused.
//
//   BM_Informer_WatchEvents/feed    after a list of M = 1000 ConfigMaps (untimed), N = 10000
//                                   MODIFIED events cycling over those objects, each with a new
//                                   resourceVersion: one Watcher::Step per event. Items = events.
//   BM_Informer_Relist/feed/m       the initial list of M = 1000 or 10000 ConfigMaps into an empty
//                                   store (Replace). Items = objects.
//   BM_Informer_ControllerIntake    a Controller (For(ConfigMaps), one worker, a no-op reconciler)
//                                   started and synced on M = 1000 objects (untimed), then N =
//                                   10000 MODIFIED events on its watcher thread: store Apply, the
//                                   MapToSelf mapping of old and new object, WorkQueue::Add. Timed
//                                   until the watcher has consumed the last event (wall time; the
//                                   worker reconciles concurrently). `reconciles_per_event` is how
//                                   many reconciles the worker had finished by then per event.
//                                   Each object gets an event every M events, so a worker that
//                                   keeps up reconciles every event (>= 1); it can exceed 1 because
//                                   a MODIFIED maps both the old and the new object, i.e. adds the
//                                   same key twice, and if the worker took the key between the two
//                                   Adds the second marks it dirty and it is reconciled again.
//                                   Below 1 would mean deduplication: the worker fell behind.
// ConfigMaps are the ~1 KiB objects of bench_objects.h.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "bench_objects.h"
#include "common/system_clock.h"
#include "kube/client.h"
#include "kube/store.h"
#include "kube/transport.h"
#include "kube/watcher.h"
#include "runtime/controller.h"

namespace {

using nlohmann::json;
using namespace jd::kube;  // a .cpp file of benchmarks, not a header

constexpr int kListed = 1000;
constexpr int kEvents = 10000;
// The list's resourceVersion; event k carries kListRv + 1 + k.
constexpr int kListRv = 5000000;

json ListBody(int m) {
  json items = json::array();
  for (int i = 0; i < m; ++i) items.push_back(jd::bench::BenchConfigMap(i, std::to_string(kListRv - m + i)));
  return {{"apiVersion", "v1"}, {"kind", "ConfigMapList"}, {"metadata", {{"resourceVersion", std::to_string(kListRv)}}},
          {"items", std::move(items)}};
}

// Event k modifies listed object k % m.
std::vector<json> EventObjects(int n, int m) {
  std::vector<json> out;
  out.reserve(n);
  for (int k = 0; k < n; ++k) out.push_back(jd::bench::BenchConfigMap(k % m, std::to_string(kListRv + 1 + k)));
  return out;
}

// Plays `script` (then idles until cancelled) once `Open()` was called. Next() blocks at most
// `timeout` while closed or idle, returning kTimeout, like a quiet watch. `drained` is set when
// Next is called after the last event, i.e. once the consumer has fully processed that event.
class ScriptedStream final : public WatchStream {
 public:
  ScriptedStream(std::deque<WatchRead> script, bool open) : script_(std::move(script)), open_(open) {}

  ApiResult<WatchRead> Next(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    if (open_ && script_.empty() && !drained_) {
      drained_ = true;
      cv_.notify_all();
    }
    if (!cv_.wait_for(lock, timeout, [&] { return cancelled_ || (open_ && !script_.empty()); })) {
      return WatchRead{WatchRead::Kind::kTimeout, {}};
    }
    if (cancelled_) return WatchRead{WatchRead::Kind::kEnd, {}};
    WatchRead r = std::move(script_.front());
    script_.pop_front();
    return r;
  }
  void Cancel() override {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  // Blocks until the consumer asked for an event past the last one.
  void WaitDrained() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return drained_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WatchRead> script_;
  bool open_;
  bool cancelled_ = false;
  bool drained_ = false;
};

// Answers one List (`list`, moved out) and one Watch (`stream`, handed over; later watches get an
// idle stream). Every other call fails: the Watcher makes none.
class FakeClient final : public Client {
 public:
  json list;
  std::unique_ptr<ScriptedStream> stream;

  ApiResult<json> List(const ResourceRef&, const std::string&, const ListOptions&) override { return std::move(list); }
  ApiResult<std::unique_ptr<WatchStream>> Watch(const ResourceRef&, const std::string&, const WatchOptions&) override {
    if (stream) return std::unique_ptr<WatchStream>(std::move(stream));
    return std::unique_ptr<WatchStream>(std::make_unique<ScriptedStream>(std::deque<WatchRead>{}, true));
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
  static ApiError Unmodelled() {
    ApiError e;
    e.kind = ErrorKind::kBadRequest;
    e.code = 400;
    e.message = "not modelled by the benchmark's fake client";
    return e;
  }
};

// Hands out pre-serialized lines; kEnd after the last one (the bench never reads that far).
class LinesStream final : public LineStream {
 public:
  explicit LinesStream(std::deque<std::string> lines) : lines_(std::move(lines)) {}
  ApiResult<StreamRead> Next(std::chrono::milliseconds) override {
    if (lines_.empty()) return StreamRead{StreamRead::Kind::kEnd, {}};
    StreamRead r{StreamRead::Kind::kLine, std::move(lines_.front())};
    lines_.pop_front();
    return r;
  }
  void Cancel() override {}

 private:
  std::deque<std::string> lines_;
};

// The API server's bytes: one list body (moved out by Do) and one watch (moved out by Stream).
class FakeTransport final : public Transport {
 public:
  std::string list_body;
  std::deque<std::string> watch_lines;

  ApiResult<HttpResponse> Do(const HttpRequest&) override {
    HttpResponse r;
    r.status = 200;
    r.body = std::move(list_body);
    return r;
  }
  ApiResult<std::unique_ptr<LineStream>> Stream(const HttpRequest&) override {
    return std::unique_ptr<LineStream>(std::make_unique<LinesStream>(std::move(watch_lines)));
  }
};

class NoSleep final : public Sleeper {
 public:
  void SleepFor(jd::Duration) override {}
};

// Both feeds, prepared once per benchmark run; Load* copies them into the fakes per iteration.
struct Feed {
  bool wire = false;
  json list;                 // decoded
  std::deque<WatchRead> events;
  std::string list_body;     // wire
  std::deque<std::string> lines;

  Feed(bool wire_feed, int m, int n) : wire(wire_feed) {
    json body = ListBody(m);
    std::vector<json> objs = n > 0 ? EventObjects(n, m) : std::vector<json>{};
    if (wire) {
      list_body = body.dump();
      for (auto& o : objs) lines.push_back(json{{"type", "MODIFIED"}, {"object", std::move(o)}}.dump());
    } else {
      list = std::move(body);
      for (auto& o : objs) {
        WatchRead r{WatchRead::Kind::kEvent, {}};
        r.event = WatchEvent{WatchEvent::Type::kModified, std::move(o), {}};
        events.push_back(std::move(r));
      }
    }
  }
};

// One iteration's client: a FakeClient, or a RestClient over a FakeTransport.
struct Harness {
  jd::SystemClock& clock;
  FakeClient fake;
  FakeTransport transport;
  NoSleep no_sleep;
  std::unique_ptr<RestClient> rest;
  ScriptedStream* decoded_stream = nullptr;

  Harness(jd::SystemClock& c, const Feed& feed, bool open_stream) : clock(c) {
    if (feed.wire) {
      ClientOptions o;
      o.qps = 0;  // no client-side throttling: measure decoding, not the token bucket
      rest = std::make_unique<RestClient>(transport, clock, no_sleep, o);
      transport.list_body = feed.list_body;
      transport.watch_lines = feed.lines;
    } else {
      fake.list = feed.list;
      fake.stream = std::make_unique<ScriptedStream>(feed.events, open_stream);
      decoded_stream = fake.stream.get();
    }
  }
  Client& client() { return rest ? static_cast<Client&>(*rest) : fake; }
};

WatcherOptions Opts() {
  WatcherOptions o;
  o.poll_timeout = std::chrono::milliseconds(100);
  return o;
}

void BM_Informer_WatchEvents(benchmark::State& state) {
  jd::SystemClock clock;
  const Feed feed(state.range(0) == 1, kListed, kEvents);
  const std::string last_rv = std::to_string(kListRv + kEvents);
  for (auto _ : state) {
    state.PauseTiming();
    auto h = std::make_unique<Harness>(clock, feed, /*open_stream=*/true);
    StoreWriter store;
    StoreSink sink(store);
    auto watcher = std::make_unique<Watcher>(h->client(), clock, kConfigMaps, sink, Opts());
    watcher->Step();  // kEmpty -> kListing
    watcher->Step();  // the list
    watcher->Step();  // opens the watch
    state.ResumeTiming();
    for (int k = 0; k < kEvents; ++k) watcher->Step();
    state.PauseTiming();
    if (watcher->resource_version() != last_rv || store.View().Size() != static_cast<std::size_t>(kListed)) {
      state.SkipWithError("the watcher did not apply every event");
      break;  // timing is paused: leave the loop without resuming it
    }
    watcher.reset();
    h.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kEvents);
}
BENCHMARK(BM_Informer_WatchEvents)->ArgName("feed")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_Informer_Relist(benchmark::State& state) {
  jd::SystemClock clock;
  const int m = static_cast<int>(state.range(1));
  const Feed feed(state.range(0) == 1, m, 0);
  for (auto _ : state) {
    state.PauseTiming();
    auto h = std::make_unique<Harness>(clock, feed, true);
    StoreWriter store;
    StoreSink sink(store);
    auto watcher = std::make_unique<Watcher>(h->client(), clock, kConfigMaps, sink, Opts());
    watcher->Step();  // kEmpty -> kListing
    state.ResumeTiming();
    watcher->Step();  // the list: (decode,) Replace
    state.PauseTiming();
    if (store.View().Size() != static_cast<std::size_t>(m)) {
      state.SkipWithError("the list was not applied");
      break;
    }
    watcher.reset();
    h.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * m);
}
BENCHMARK(BM_Informer_Relist)
    ->ArgNames({"feed", "m"})
    ->ArgsProduct({{0, 1}, {1000, 10000}})
    ->Unit(benchmark::kMillisecond);

// Counts reconciles; does nothing else.
class CountingReconciler final : public jd::Reconciler {
 public:
  jd::ReconcileOutcome Reconcile(const jd::Request&) override {
    count.fetch_add(1, std::memory_order_relaxed);
    return jd::Result::Done();
  }
  std::atomic<int64_t> count{0};
};

void BM_Informer_ControllerIntake(benchmark::State& state) {
  jd::SystemClock clock;
  const Feed feed(/*wire=*/false, kListed, kEvents);
  double reconciles_after_sync = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto h = std::make_unique<Harness>(clock, feed, /*open_stream=*/false);
    CountingReconciler reconciler;
    auto ctl = std::make_unique<jd::Controller>("bench", reconciler, clock, jd::ControllerOptions{.max_concurrent_reconciles = 1});
    ctl->For(h->client(), kConfigMaps, Opts());
    ctl->Start();
    if (!ctl->WaitForCacheSync(std::chrono::seconds(30))) {
      state.SkipWithError("cache did not sync");
      break;
    }
    // Let the worker finish the reconciles the initial list caused, so they do not overlap.
    while (reconciler.count.load() < kListed) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const int64_t before = reconciler.count.load();
    state.ResumeTiming();
    h->decoded_stream->Open();
    h->decoded_stream->WaitDrained();
    state.PauseTiming();
    reconciles_after_sync += static_cast<double>(reconciler.count.load() - before);
    ctl->Stop();
    ctl.reset();
    h.reset();
    state.ResumeTiming();
  }
  state.counters["reconciles_per_event"] = reconciles_after_sync / static_cast<double>(state.iterations()) / kEvents;
  state.SetItemsProcessed(state.iterations() * kEvents);
}
BENCHMARK(BM_Informer_ControllerIntake)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
