// Tests for object_store.h: resourceVersions, the bounded event history, and watchers.
#include "object_store.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kubesim {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* kKey = "/configmaps";

json Cm(const std::string& ns, const std::string& name, const std::string& value = "v") {
  return {{"metadata", {{"name", name}, {"namespace", ns}}}, {"data", {{"k", value}}}};
}

// Everything a watcher has queued right now, as "TYPE ns/name@rv".
std::vector<std::string> Drain(Watcher& w) {
  std::vector<std::string> out;
  while (auto ev = w.Next(milliseconds(0))) {
    out.push_back(ev->type + " " + ev->ns + "/" + ev->object["metadata"].value("name", "") + "@" +
                  std::to_string(ev->rv));
  }
  return out;
}

TEST(ObjectStoreTest, EveryWriteTakesTheNextResourceVersion) {
  ObjectStore store;
  EXPECT_EQ(store.CurrentRv(), 1u);
  const json& a = store.Put(kKey, "default", "a", Cm("default", "a"), "ADDED");
  EXPECT_EQ(a["metadata"]["resourceVersion"], "2");
  const json& a2 = store.Put(kKey, "default", "a", Cm("default", "a", "w"), "MODIFIED");
  EXPECT_EQ(a2["metadata"]["resourceVersion"], "3");
  json last = store.Remove(kKey, "default", "a");
  EXPECT_EQ(last["metadata"]["resourceVersion"], "4");
  EXPECT_EQ(last["data"]["k"], "w");
  EXPECT_EQ(store.CurrentRv(), 4u);
  EXPECT_EQ(store.Get(kKey, "default", "a"), nullptr);
  EXPECT_TRUE(store.Remove(kKey, "default", "a").is_null());
  EXPECT_EQ(store.CurrentRv(), 4u);  // removing nothing writes nothing
}

TEST(ObjectStoreTest, ListIsSortedAndScopedByNamespace) {
  ObjectStore store;
  store.Put(kKey, "b", "x", Cm("b", "x"), "ADDED");
  store.Put(kKey, "a", "y", Cm("a", "y"), "ADDED");
  store.Put(kKey, "a", "x", Cm("a", "x"), "ADDED");
  store.Put(kKey, "ab", "z", Cm("ab", "z"), "ADDED");  // "ab/" must not match prefix "a/"
  std::vector<std::string> all, in_a;
  for (const json* o : store.List(kKey, "")) all.push_back(o->at("metadata").value("namespace", "") + "/" + o->at("metadata").value("name", ""));
  for (const json* o : store.List(kKey, "a")) in_a.push_back(o->at("metadata").value("name", ""));
  EXPECT_EQ(all, (std::vector<std::string>{"a/x", "a/y", "ab/z", "b/x"}));
  EXPECT_EQ(in_a, (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(store.List("/secrets", "").empty());
  EXPECT_EQ(store.Keys(), std::vector<std::string>{kKey});
}

TEST(ObjectStoreTest, WatchFromZeroReplaysCurrentObjectsAsAdded) {
  ObjectStore store;
  store.Put(kKey, "default", "a", Cm("default", "a"), "ADDED");
  store.Put(kKey, "other", "b", Cm("other", "b"), "ADDED");
  store.Put("/secrets", "default", "s", Cm("default", "s"), "ADDED");
  auto all = store.Watch(kKey, "", 0, true);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Drain(*all.value()), (std::vector<std::string>{"ADDED default/a@2", "ADDED other/b@3"}));
  auto one_ns = store.Watch(kKey, "other", 0, true);
  ASSERT_TRUE(one_ns.ok());
  EXPECT_EQ(Drain(*one_ns.value()), (std::vector<std::string>{"ADDED other/b@3"}));
  auto no_initial = store.Watch(kKey, "", 0, false);
  ASSERT_TRUE(no_initial.ok());
  EXPECT_TRUE(Drain(*no_initial.value()).empty());

  store.Put(kKey, "default", "a", Cm("default", "a", "w"), "MODIFIED");
  EXPECT_EQ(Drain(*all.value()), (std::vector<std::string>{"MODIFIED default/a@5"}));
  EXPECT_TRUE(Drain(*one_ns.value()).empty());
  EXPECT_EQ(Drain(*no_initial.value()), (std::vector<std::string>{"MODIFIED default/a@5"}));
}

TEST(ObjectStoreTest, ModifiedEventCarriesThePreviousObject) {
  ObjectStore store;
  store.Put(kKey, "default", "a", Cm("default", "a", "old"), "ADDED");
  auto w = store.Watch(kKey, "", store.CurrentRv(), false);
  ASSERT_TRUE(w.ok());
  store.Put(kKey, "default", "a", Cm("default", "a", "new"), "MODIFIED");
  auto ev = w.value()->Next(milliseconds(0));
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->object["data"]["k"], "new");
  EXPECT_EQ(ev->prev["data"]["k"], "old");
  EXPECT_EQ(ev->prev["metadata"]["resourceVersion"], "2");
}

TEST(ObjectStoreTest, WatchResumesWithTheEventsAfterTheGivenVersion) {
  ObjectStore store;
  store.Put(kKey, "default", "a", Cm("default", "a"), "ADDED");           // 2
  store.Put(kKey, "default", "b", Cm("default", "b"), "ADDED");           // 3
  store.Put(kKey, "default", "a", Cm("default", "a", "w"), "MODIFIED");   // 4
  store.Remove(kKey, "default", "b");                                     // 5
  struct Case {
    uint64_t from;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {1, {"ADDED default/a@2", "ADDED default/b@3", "MODIFIED default/a@4", "DELETED default/b@5"}},
      {3, {"MODIFIED default/a@4", "DELETED default/b@5"}},
      {5, {}},
  };
  for (const Case& c : cases) {
    auto w = store.Watch(kKey, "", c.from, true);  // `initial` only matters from 0
    ASSERT_TRUE(w.ok()) << c.from;
    EXPECT_EQ(Drain(*w.value()), c.want) << "from " << c.from;
  }
}

TEST(ObjectStoreTest, WatchFromACompactedVersionIsGone) {
  ObjectStore store(/*history_limit=*/3);
  for (int i = 0; i < 5; ++i) store.Put(kKey, "default", "a", Cm("default", "a", std::to_string(i)), i ? "MODIFIED" : "ADDED");
  // Events 2..6 were written; the history keeps 4, 5, 6, so a watch may start from 3 onwards.
  EXPECT_EQ(store.CurrentRv(), 6u);
  EXPECT_EQ(store.OldestWatchableRv(), 3u);
  auto too_old = store.Watch(kKey, "", 2, false);
  ASSERT_FALSE(too_old.ok());
  EXPECT_EQ(too_old.error().code, 410);
  EXPECT_EQ(too_old.error().reason, "Expired");
  EXPECT_EQ(too_old.error().message, "too old resource version: 2 (3)");
  auto oldest = store.Watch(kKey, "", 3, false);
  ASSERT_TRUE(oldest.ok());
  EXPECT_EQ(Drain(*oldest.value()),
            (std::vector<std::string>{"MODIFIED default/a@4", "MODIFIED default/a@5", "MODIFIED default/a@6"}));
}

TEST(ObjectStoreTest, AWatcherThatFallsBehindIsClosedAndWritersGoOn) {
  ObjectStore store(/*history_limit=*/100, /*watcher_queue_limit=*/2);
  auto slow = store.Watch(kKey, "", 0, false);
  ASSERT_TRUE(slow.ok());
  for (int i = 0; i < 5; ++i) store.Put(kKey, "default", "o" + std::to_string(i), Cm("default", "x"), "ADDED");
  EXPECT_EQ(store.CurrentRv(), 6u);  // every write went through
  EXPECT_TRUE(slow.value()->Closed());
  EXPECT_TRUE(slow.value()->Overflowed());
  EXPECT_FALSE(slow.value()->Next(milliseconds(0)));  // its backlog is dropped: the client re-watches
  store.Put(kKey, "default", "p", Cm("default", "x"), "ADDED");
  EXPECT_EQ(store.WatcherCount(), 0u);  // pruned on the next write
}

TEST(ObjectStoreTest, CloseAllWatchersEndsEveryWatchAfterItsQueue) {
  ObjectStore store;
  auto a = store.Watch(kKey, "", 0, false);
  auto b = store.Watch("/secrets", "default", 0, false);
  ASSERT_TRUE(a.ok() && b.ok());
  store.Put(kKey, "default", "x", Cm("default", "x"), "ADDED");
  EXPECT_EQ(store.WatcherCount(), 2u);
  store.CloseAllWatchers();
  EXPECT_EQ(store.WatcherCount(), 0u);
  EXPECT_TRUE(a.value()->Closed());
  EXPECT_TRUE(b.value()->Closed());
  EXPECT_FALSE(a.value()->Overflowed());
  EXPECT_EQ(Drain(*a.value()), std::vector<std::string>{"ADDED default/x@2"});  // queued events are still delivered
  EXPECT_FALSE(b.value()->Next(milliseconds(0)));
}

TEST(ObjectStoreTest, NextWaitsOnlyAsLongAsAskedWhenNothingComes) {
  ObjectStore store;
  auto w = store.Watch(kKey, "", 0, false);
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE(w.value()->Next(milliseconds(1)));
  EXPECT_FALSE(w.value()->Closed());
}

}  // namespace
}  // namespace kubesim
