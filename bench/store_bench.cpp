// store_bench.cpp — what the informer cache (jd::kube::StoreWriter / StoreView) costs: heap bytes
// per cached object, and read throughput.
//
//   BM_Store_MemoryPerObject   N = 1k and 10k objects (a ~1 KiB ConfigMap, a ~4 KiB Deployment;
//                              bench_objects.h) are parsed from their JSON text, as a watcher
//                              receives them, and inserted with Apply(ADDED) into a fresh
//                              StoreWriter. The heap in use (glibc mallinfo2: uordblks, plus
//                              hblkhd for mmapped blocks) is read before and after; the
//                              difference, divided by N, is `bytes_per_object`: the parsed
//                              nlohmann::json tree, its shared_ptr, the key and the two index
//                              entries, with malloc's own overhead. `json_bytes_per_object` is
//                              the compact serialized size, and `heap_per_json_byte` their ratio:
//                              how much more memory an object takes cached than on the wire.
//                              Time per iteration is the cost of parsing and inserting N objects.
//   BM_Store_Get               StoreView::Get by namespace/name on a 10k-object store.
//   BM_Store_ListAll           StoreView::List() of all 10k objects (sorted, shared pointers).
//   BM_Store_ListNamespace     StoreView::List(ns): 1k objects through the namespace index.
//   BM_Store_ListByOwner       ListByIndex(kControllerOwnerIndex, uid): the 10 objects one owner
//                              controls (what a reconciler asks for its children).
// For the List benchmarks items/s counts objects returned.
//
// The memory figures are for this process's allocator (glibc ptmalloc) and this nlohmann::json
// version; they do not include the allocator's free lists or memory not yet returned to the OS.
#include <malloc.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "bench_objects.h"
#include "kube/store.h"

namespace {

using jd::kube::StoreView;
using jd::kube::StoreWriter;
using jd::kube::WatchEvent;

enum Kind { kConfigMap = 0, kDeployment = 1 };

nlohmann::json MakeObject(Kind kind, int i) {
  const std::string rv = std::to_string(1000000 + i);
  return kind == kConfigMap ? jd::bench::BenchConfigMap(i, rv) : jd::bench::BenchDeployment(i, rv);
}

// Bytes handed out by malloc and not yet freed (all arenas; mmapped blocks included).
std::size_t HeapInUse() {
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

// Args: {kind, n}.
void BM_Store_MemoryPerObject(benchmark::State& state) {
  const Kind kind = static_cast<Kind>(state.range(0));
  const int n = static_cast<int>(state.range(1));
  // The wire form of every object, prepared before measuring (it is in both heap readings).
  std::vector<std::string> wire;
  wire.reserve(n);
  std::size_t json_bytes = 0;
  for (int i = 0; i < n; ++i) {
    wire.push_back(MakeObject(kind, i).dump());
    json_bytes += wire.back().size();
  }

  double heap_bytes_sum = 0;
  for (auto _ : state) {
    auto writer = std::make_unique<StoreWriter>();
    const std::size_t before = HeapInUse();
    for (const std::string& text : wire) writer->Apply(WatchEvent{WatchEvent::Type::kAdded, nlohmann::json::parse(text), {}});
    const std::size_t after = HeapInUse();
    heap_bytes_sum += static_cast<double>(after) - static_cast<double>(before);
    state.PauseTiming();
    if (writer->View().Size() != static_cast<std::size_t>(n)) {
      state.SkipWithError("store lost objects");
      break;  // timing is paused: leave the loop without resuming it
    }
    writer.reset();  // freeing N objects is not part of the measurement
    state.ResumeTiming();
  }
  const double per_object = heap_bytes_sum / static_cast<double>(state.iterations()) / n;
  const double json_per_object = static_cast<double>(json_bytes) / n;
  state.counters["bytes_per_object"] = per_object;
  state.counters["json_bytes_per_object"] = json_per_object;
  state.counters["heap_per_json_byte"] = per_object / json_per_object;
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Store_MemoryPerObject)
    ->ArgNames({"kind", "n"})
    ->ArgsProduct({{kConfigMap, kDeployment}, {1000, 10000}})
    ->Unit(benchmark::kMillisecond);

constexpr int kReadStoreSize = 10000;

// A synced store of kReadStoreSize ConfigMaps (10 namespaces, 10 objects per owner).
std::unique_ptr<StoreWriter> ReadStore() {
  std::vector<nlohmann::json> objects;
  objects.reserve(kReadStoreSize);
  for (int i = 0; i < kReadStoreSize; ++i) objects.push_back(MakeObject(kConfigMap, i));
  auto writer = std::make_unique<StoreWriter>();
  writer->Replace(std::move(objects), "2000000");
  return writer;
}

void BM_Store_Get(benchmark::State& state) {
  auto writer = ReadStore();
  const StoreView view = writer->View();
  // Names in a scattered order, so consecutive lookups do not walk the same tree path.
  std::vector<std::pair<std::string, std::string>> names;
  for (int k = 0; k < kReadStoreSize; ++k) {
    const int i = static_cast<int>((static_cast<long long>(k) * 7919) % kReadStoreSize);
    names.emplace_back(jd::bench::BenchNamespace(i), MakeObject(kConfigMap, i)["metadata"]["name"].get<std::string>());
  }
  std::size_t k = 0;
  for (auto _ : state) {
    const auto& [ns, name] = names[k];
    jd::kube::ObjectPtr obj = view.Get(ns, name);
    if (!obj) state.SkipWithError("object missing");
    benchmark::DoNotOptimize(obj);
    if (++k == names.size()) k = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Store_Get);

void BM_Store_ListAll(benchmark::State& state) {
  auto writer = ReadStore();
  const StoreView view = writer->View();
  std::size_t returned = 0;
  for (auto _ : state) {
    std::vector<jd::kube::ObjectPtr> all = view.List();
    returned += all.size();
    benchmark::DoNotOptimize(all);
  }
  state.SetItemsProcessed(static_cast<int64_t>(returned));
}
BENCHMARK(BM_Store_ListAll)->Unit(benchmark::kMicrosecond);

void BM_Store_ListNamespace(benchmark::State& state) {
  auto writer = ReadStore();
  const StoreView view = writer->View();
  std::size_t returned = 0;
  for (auto _ : state) {
    std::vector<jd::kube::ObjectPtr> in_ns = view.List("ns-3");
    returned += in_ns.size();
    benchmark::DoNotOptimize(in_ns);
  }
  if (returned != static_cast<std::size_t>(state.iterations()) * (kReadStoreSize / jd::bench::kBenchNamespaces)) state.SkipWithError("wrong count");
  state.SetItemsProcessed(static_cast<int64_t>(returned));
}
BENCHMARK(BM_Store_ListNamespace)->Unit(benchmark::kMicrosecond);

void BM_Store_ListByOwner(benchmark::State& state) {
  auto writer = ReadStore();
  const StoreView view = writer->View();
  const int owners = kReadStoreSize / jd::bench::kBenchObjectsPerOwner;
  std::vector<std::string> uids;
  for (int o = 0; o < owners; ++o) uids.push_back(jd::bench::BenchOwnerUid((o * 379) % owners));
  std::size_t k = 0, returned = 0;
  for (auto _ : state) {
    std::vector<jd::kube::ObjectPtr> owned = view.ListByIndex(jd::kube::kControllerOwnerIndex, uids[k]);
    returned += owned.size();
    benchmark::DoNotOptimize(owned);
    if (++k == uids.size()) k = 0;
  }
  if (returned != static_cast<std::size_t>(state.iterations()) * jd::bench::kBenchObjectsPerOwner) state.SkipWithError("wrong count");
  state.SetItemsProcessed(static_cast<int64_t>(returned));
}
BENCHMARK(BM_Store_ListByOwner);

}  // namespace
