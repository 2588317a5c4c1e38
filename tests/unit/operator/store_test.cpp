// StoreWriter / StoreView: replace, apply, indexes, sharing, HasSynced.
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kube/store.h"

namespace jd::kube {
namespace {

using nlohmann::json;

json Obj(const std::string& ns, const std::string& name, const std::string& owner_uid = "", const std::string& v = "1") {
  json o = {{"metadata", {{"name", name}, {"namespace", ns}, {"resourceVersion", v}}}, {"data", {{"v", v}}}};
  if (!owner_uid.empty()) {
    o["metadata"]["ownerReferences"] = json::array(
        {{{"uid", "not-controller"}, {"name", "x"}}, {{"uid", owner_uid}, {"name", "o"}, {"controller", true}}});
  }
  return o;
}

WatchEvent Ev(WatchEvent::Type t, json o) { return WatchEvent{t, std::move(o), std::nullopt}; }

std::vector<std::string> Names(const std::vector<ObjectPtr>& objs) {
  std::vector<std::string> out;
  for (const auto& o : objs) out.push_back((*o)["metadata"]["namespace"].get<std::string>() + "/" +
                                           (*o)["metadata"]["name"].get<std::string>());
  return out;
}

TEST(StoreTest, HasSyncedOnlyAfterFirstReplace) {
  StoreWriter w;
  StoreView v = w.View();
  EXPECT_FALSE(v.HasSynced());
  w.Apply(Ev(WatchEvent::Type::kAdded, Obj("a", "x")));
  EXPECT_FALSE(v.HasSynced());
  w.Replace({}, "7");
  EXPECT_TRUE(v.HasSynced());
  EXPECT_EQ(v.LastSyncResourceVersion(), "7");
  EXPECT_EQ(v.Size(), 0u);  // replaced by the empty set
}

TEST(StoreTest, ApplyUpsertsAndDeletes) {
  StoreWriter w;
  StoreView v = w.View();
  w.Replace({Obj("a", "x"), Obj("b", "y"), json{{"metadata", json::object()}}}, "1");  // nameless skipped
  EXPECT_EQ(v.Size(), 2u);
  ObjectPtr before = v.Get("a", "x");
  ASSERT_NE(before, nullptr);
  w.Apply(Ev(WatchEvent::Type::kModified, Obj("a", "x", "", "2")));
  EXPECT_EQ((*v.Get("a", "x"))["data"]["v"], "2");
  EXPECT_EQ((*before)["data"]["v"], "1");  // a held object never changes
  w.Apply(Ev(WatchEvent::Type::kDeleted, Obj("b", "y")));
  EXPECT_EQ(v.Get("b", "y"), nullptr);
  w.Apply(Ev(WatchEvent::Type::kDeleted, Obj("b", "absent")));  // no-op
  w.Apply(Ev(WatchEvent::Type::kBookmark, json{{"metadata", {{"resourceVersion", "9"}}}}));
  EXPECT_EQ(Names(v.List()), (std::vector<std::string>{"a/x"}));
}

TEST(StoreTest, ReadersShareTheStoredObject) {
  StoreWriter w;
  w.Replace({Obj("a", "x")}, "1");
  StoreView v1 = w.View();
  StoreView v2 = v1;
  EXPECT_EQ(v1.Get("a", "x").get(), v2.Get("a", "x").get());
  EXPECT_EQ(v1.List()[0].get(), v1.Get("a", "x").get());
}

TEST(StoreTest, NamespaceIndexAndList) {
  StoreWriter w;
  StoreView v = w.View();
  w.Replace({Obj("b", "2"), Obj("a", "1"), Obj("b", "1")}, "1");
  EXPECT_EQ(Names(v.List()), (std::vector<std::string>{"a/1", "b/1", "b/2"}));
  EXPECT_EQ(Names(v.List("b")), (std::vector<std::string>{"b/1", "b/2"}));
  EXPECT_EQ(Names(v.ListByIndex(kNamespaceIndex, "a")), (std::vector<std::string>{"a/1"}));
  EXPECT_TRUE(v.List("zzz").empty());
  EXPECT_TRUE(v.ListByIndex("no-such-index", "a").empty());
}

TEST(StoreTest, ControllerOwnerIndexFollowsUpdatesDeletesAndReplace) {
  StoreWriter w;
  StoreView v = w.View();
  w.Replace({Obj("a", "x", "u1"), Obj("a", "y", "u1"), Obj("a", "z")}, "1");
  EXPECT_EQ(Names(v.ListByIndex(kControllerOwnerIndex, "u1")), (std::vector<std::string>{"a/x", "a/y"}));
  EXPECT_TRUE(v.ListByIndex(kControllerOwnerIndex, "not-controller").empty());  // only controller refs

  w.Apply(Ev(WatchEvent::Type::kModified, Obj("a", "x", "u2")));  // re-owned
  EXPECT_EQ(Names(v.ListByIndex(kControllerOwnerIndex, "u1")), (std::vector<std::string>{"a/y"}));
  EXPECT_EQ(Names(v.ListByIndex(kControllerOwnerIndex, "u2")), (std::vector<std::string>{"a/x"}));

  w.Apply(Ev(WatchEvent::Type::kDeleted, Obj("a", "y")));
  EXPECT_TRUE(v.ListByIndex(kControllerOwnerIndex, "u1").empty());

  w.Replace({Obj("c", "q", "u3")}, "2");
  EXPECT_TRUE(v.ListByIndex(kControllerOwnerIndex, "u2").empty());
  EXPECT_EQ(Names(v.ListByIndex(kControllerOwnerIndex, "u3")), (std::vector<std::string>{"c/q"}));
  EXPECT_TRUE(v.List("a").empty());
}

TEST(StoreTest, ConcurrentReadersAndWriter) {
  StoreWriter w;
  StoreView v = w.View();
  w.Replace({}, "0");
  std::thread reader([v] {
    for (int i = 0; i < 2000; ++i) {
      for (const auto& o : v.List("a")) EXPECT_TRUE(o->contains("metadata"));
      (void)v.ListByIndex(kControllerOwnerIndex, "u");
      (void)v.Get("a", "x");
    }
  });
  for (int i = 0; i < 2000; ++i) {
    w.Apply(Ev(WatchEvent::Type::kAdded, Obj("a", "x" + std::to_string(i % 10), "u")));
    if (i % 3 == 0) w.Apply(Ev(WatchEvent::Type::kDeleted, Obj("a", "x" + std::to_string(i % 7))));
  }
  reader.join();
  EXPECT_LE(v.Size(), 10u);
}

TEST(StoreTest, ViewOutlivesWriter) {
  std::optional<StoreView> v;
  {
    StoreWriter w;
    w.Replace({Obj("a", "x")}, "1");
    v = w.View();
  }
  EXPECT_NE(v->Get("a", "x"), nullptr);
}

}  // namespace
}  // namespace jd::kube
