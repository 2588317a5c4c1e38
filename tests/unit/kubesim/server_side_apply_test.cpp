// Tests for server_side_apply.h: apply merges, prunes and conflicts, and managedFields kept by
// non-apply writes. A small hand-written FieldTypes stands in for the built-in table.
#include "server_side_apply.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kubesim {
namespace {

using nlohmann::json;
using namespace nlohmann::literals;

constexpr const char* kT1 = "2024-05-01T10:00:00Z";
constexpr const char* kT2 = "2024-05-01T11:00:00Z";
constexpr const char* kT3 = "2024-05-01T12:00:00Z";

// Deployment-ish: containers map by name, finalizers a set, spec.selector an atomic map, every
// other list (args, ...) atomic.
class TestTypes : public FieldTypes {
 public:
  ListType ListAt(const FieldPath& path) const override {
    if (path == FieldPath{"spec", "template", "spec", "containers"}) return {ListKind::kMap, {"name"}};
    if (path == FieldPath{"spec", "template", "spec", "containers", "ports"}) {
      return {ListKind::kMap, {"containerPort", "protocol"}};
    }
    if (path == FieldPath{"metadata", "finalizers"}) return {ListKind::kSet, {}};
    return {};
  }
  bool MapIsAtomic(const FieldPath& path) const override { return path == FieldPath{"spec", "selector"}; }
};

const FieldTypes& Types() {
  static const TestTypes types;
  return types;
}

// A Deployment "web" in "default" with `spec` (none when null) and optional extra metadata.
json Deploy(json spec, json metadata = json::object()) {
  metadata["name"] = "web";
  metadata["namespace"] = "default";
  json d = {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"metadata", metadata}};
  if (!spec.is_null()) d["spec"] = std::move(spec);
  return d;
}

json Containers(json containers) { return {{"template", {{"spec", {{"containers", containers}}}}}}; }

ApplyOptions Opts(const std::string& manager, const char* now = kT1, bool force = false) {
  return ApplyOptions{manager, force, now, "apps/v1", ""};
}

json MustApply(const json* live, const json& applied, const ApplyOptions& opts) {
  Result<json> r = ServerSideApply(live, applied, opts, Types());
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : json();
}

// The managedFields entry of (manager, operation), or null.
json EntryOf(const json& obj, const std::string& manager, const std::string& operation) {
  for (const json& e : obj["metadata"].value("managedFields", json::array())) {
    if (e["manager"] == manager && e["operation"] == operation) return e;
  }
  return nullptr;
}

json FieldsOf(const json& obj, const std::string& manager, const std::string& operation) {
  json e = EntryOf(obj, manager, operation);
  return e.is_null() ? json() : e["fieldsV1"];
}

json WithoutManaged(json obj) {
  obj["metadata"].erase("managedFields");
  return obj;
}

// An object created by a plain client (kubectl create, a controller) owning everything.
json Created(const json& obj, const std::string& manager) {
  return UpdateManagedFields(nullptr, obj, manager, "Update", kT1, "apps/v1", Types());
}

// --- Apply: create, no-op, changes -------------------------------------------------------------

TEST(ServerSideApplyTest, CreatesWithApplyEntry) {
  json applied = Deploy(json{{"replicas", 2}, {"template", {{"spec", {{"containers", {{{"name", "web"}, {"image", "nginx"}}}}}}}}},
                        {{"labels", {{"app", "web"}}}});
  json got = MustApply(nullptr, applied, Opts("kubectl"));
  EXPECT_EQ(WithoutManaged(got), applied);
  json expected_entries = json::array({{
      {"manager", "kubectl"},
      {"operation", "Apply"},
      {"apiVersion", "apps/v1"},
      {"time", kT1},
      {"fieldsType", "FieldsV1"},
      {"fieldsV1", R"({"f:metadata":{"f:labels":{"f:app":{}}},
                       "f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{
                         "k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{}}}}}}})"_json},
  }});
  EXPECT_EQ(got["metadata"]["managedFields"], expected_entries);
}

TEST(ServerSideApplyTest, ReapplyingSameConfigChangesNothing) {
  json applied = Deploy({{"replicas", 2}}, {{"labels", {{"app", "web"}}}});
  json first = MustApply(nullptr, applied, Opts("kubectl", kT1));
  json second = MustApply(&first, applied, Opts("kubectl", kT2));
  EXPECT_EQ(second, first);  // time included
}

TEST(ServerSideApplyTest, ChangeMovesTimeAndKeepsLiveOnlyFields) {
  json first = MustApply(nullptr, Deploy({{"replicas", 2}}), Opts("kubectl", kT1));
  first["metadata"]["uid"] = "u-1";
  first["metadata"]["resourceVersion"] = "7";
  first["status"] = {{"replicas", 2}};
  json second = MustApply(&first, Deploy({{"replicas", 3}}), Opts("kubectl", kT2));
  EXPECT_EQ(second["spec"]["replicas"], 3);
  EXPECT_EQ(second["metadata"]["uid"], "u-1");
  EXPECT_EQ(second["metadata"]["resourceVersion"], "7");
  EXPECT_EQ(second["status"], first["status"]);
  EXPECT_EQ(EntryOf(second, "kubectl", "Apply")["time"], kT2);
}

TEST(ServerSideApplyTest, DroppedFieldIsRemoved) {
  json live = MustApply(nullptr, Deploy({{"replicas", 2}, {"paused", false}}, {{"labels", {{"app", "web"}, {"tier", "fe"}}}}),
                        Opts("kubectl"));
  json got = MustApply(&live, Deploy({{"replicas", 2}}, {{"labels", {{"app", "web"}}}}), Opts("kubectl", kT2));
  EXPECT_EQ(got["metadata"]["labels"], json({{"app", "web"}}));
  EXPECT_FALSE(got["spec"].contains("paused"));
  EXPECT_EQ(FieldsOf(got, "kubectl", "Apply"), R"({"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{}}})"_json);
  EXPECT_EQ(EntryOf(got, "kubectl", "Apply")["time"], kT2);
}

TEST(ServerSideApplyTest, DroppedFieldCoOwnedStays) {
  json live = Created(Deploy({{"replicas", 2}, {"paused", false}}), "kubectl-create");
  // Same values: no conflict, both own them.
  live = MustApply(&live, Deploy({{"replicas", 2}, {"paused", false}}), Opts("kubectl", kT2));
  EXPECT_EQ(FieldsOf(live, "kubectl", "Apply"), R"({"f:spec":{"f:paused":{},"f:replicas":{}}})"_json);
  EXPECT_EQ(FieldsOf(live, "kubectl-create", "Update"), R"({"f:spec":{"f:paused":{},"f:replicas":{}}})"_json);

  json got = MustApply(&live, Deploy({{"replicas", 2}}), Opts("kubectl", kT3));
  EXPECT_EQ(got["spec"]["paused"], false);  // still owned by kubectl-create
  EXPECT_EQ(FieldsOf(got, "kubectl", "Apply"), R"({"f:spec":{"f:replicas":{}}})"_json);
  EXPECT_EQ(FieldsOf(got, "kubectl-create", "Update"), R"({"f:spec":{"f:paused":{},"f:replicas":{}}})"_json);
  // The object did not change, so the applier's time did not either.
  EXPECT_EQ(EntryOf(got, "kubectl", "Apply")["time"], kT2);
}

TEST(ServerSideApplyTest, DroppingEverythingLeavesNoEntry) {
  json live = MustApply(nullptr, Deploy({{"replicas", 2}}), Opts("kubectl"));
  json got = MustApply(&live, Deploy(nullptr), Opts("kubectl", kT2));
  EXPECT_EQ(got["spec"], json::object());
  EXPECT_FALSE(got["metadata"].contains("managedFields"));
}

// --- Conflicts and force -------------------------------------------------------------------

struct ConflictCase {
  const char* name;
  json live;          // with managedFields
  json applied;
  std::string message;
  std::vector<StatusCause> causes;
};

TEST(ServerSideApplyTest, Conflicts) {
  json by_csa = Created(Deploy({{"replicas", 1}, {"paused", false}}), "kubectl-client-side-apply");
  json by_apply = MustApply(nullptr, Deploy({{"replicas", 1}, {"args", {"a"}}, {"selector", {{"app", "web"}}}}),
                            Opts("helm"));
  json by_two = MustApply(&by_csa, Deploy({{"minReadySeconds", 5}}), Opts("helm", kT2));
  json before_first = Deploy({{"replicas", 1}});  // written by something that kept no record
  const std::vector<ConflictCase> cases = {
      {"update manager",
       by_csa,
       Deploy({{"replicas", 3}}),
       R"(Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas)",
       {{"FieldManagerConflict", R"(conflict with "kubectl-client-side-apply" using apps/v1)", ".spec.replicas"}}},
      {"apply manager",
       by_apply,
       Deploy({{"replicas", 3}}),
       R"(Apply failed with 1 conflict: conflict with "helm": .spec.replicas)",
       {{"FieldManagerConflict", R"(conflict with "helm")", ".spec.replicas"}}},
      {"atomic list",
       by_apply,
       Deploy({{"args", {"a", "b"}}}),
       R"(Apply failed with 1 conflict: conflict with "helm": .spec.args)",
       {{"FieldManagerConflict", R"(conflict with "helm")", ".spec.args"}}},
      {"atomic map",
       by_apply,
       Deploy({{"selector", {{"app", "web"}, {"tier", "fe"}}}}),
       R"(Apply failed with 1 conflict: conflict with "helm": .spec.selector)",
       {{"FieldManagerConflict", R"(conflict with "helm")", ".spec.selector"}}},
      {"several managers",
       by_two,
       Deploy({{"replicas", 3}, {"paused", true}, {"minReadySeconds", 0}}),
       "Apply failed with 3 conflicts: conflicts with \"helm\":\n- .spec.minReadySeconds\n"
       "conflicts with \"kubectl-client-side-apply\" using apps/v1:\n- .spec.paused\n- .spec.replicas",
       {{"FieldManagerConflict", R"(conflict with "helm")", ".spec.minReadySeconds"},
        {"FieldManagerConflict", R"(conflict with "kubectl-client-side-apply" using apps/v1)", ".spec.paused"},
        {"FieldManagerConflict", R"(conflict with "kubectl-client-side-apply" using apps/v1)", ".spec.replicas"}}},
      {"before first apply",
       before_first,
       Deploy({{"replicas", 3}}),
       R"(Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas)",
       {{"FieldManagerConflict", R"(conflict with "before-first-apply" using apps/v1)", ".spec.replicas"}}},
  };
  for (const ConflictCase& c : cases) {
    Result<json> r = ServerSideApply(&c.live, c.applied, Opts("kubectl", kT3), Types());
    ASSERT_FALSE(r.ok()) << c.name;
    const ApiError& err = r.error();
    EXPECT_EQ(err.code, 409) << c.name;
    EXPECT_EQ(err.reason, "Conflict") << c.name;
    EXPECT_EQ(err.message, c.message) << c.name;
    ASSERT_EQ(err.causes.size(), c.causes.size()) << c.name;
    for (std::size_t i = 0; i < c.causes.size(); ++i) {
      EXPECT_EQ(err.causes[i].reason, c.causes[i].reason) << c.name;
      EXPECT_EQ(err.causes[i].message, c.causes[i].message) << c.name;
      EXPECT_EQ(err.causes[i].field, c.causes[i].field) << c.name;
    }
    EXPECT_EQ(err.ToStatus()["details"]["causes"].size(), c.causes.size()) << c.name;
  }
}

TEST(ServerSideApplyTest, SameValueIsNoConflict) {
  json live = Created(Deploy({{"replicas", 1}}), "kube-controller-manager");
  json got = MustApply(&live, Deploy({{"replicas", 1}}), Opts("kubectl", kT2));
  EXPECT_EQ(FieldsOf(got, "kubectl", "Apply"), R"({"f:spec":{"f:replicas":{}}})"_json);
  EXPECT_EQ(FieldsOf(got, "kube-controller-manager", "Update"), R"({"f:spec":{"f:replicas":{}}})"_json);
}

TEST(ServerSideApplyTest, ForceTakesOwnership) {
  json live = Created(Deploy({{"replicas", 1}, {"paused", false}}), "kubectl-client-side-apply");
  json got = MustApply(&live, Deploy({{"replicas", 3}}), Opts("kubectl", kT2, /*force=*/true));
  EXPECT_EQ(got["spec"]["replicas"], 3);
  EXPECT_EQ(FieldsOf(got, "kubectl", "Apply"), R"({"f:spec":{"f:replicas":{}}})"_json);
  EXPECT_EQ(FieldsOf(got, "kubectl-client-side-apply", "Update"), R"({"f:spec":{"f:paused":{}}})"_json);
  // Taking the last field from a manager drops its entry.
  json all = MustApply(&got, Deploy({{"replicas", 3}, {"paused", true}}), Opts("kubectl", kT3, true));
  EXPECT_TRUE(EntryOf(all, "kubectl-client-side-apply", "Update").is_null());
  EXPECT_EQ(all["metadata"]["managedFields"].size(), 1u);
}

TEST(ServerSideApplyTest, ForcedAtomicListReplacedWhole) {
  json live = MustApply(nullptr, Deploy({{"args", {"a", "b"}}}), Opts("helm"));
  json got = MustApply(&live, Deploy({{"args", {"c"}}}), Opts("kubectl", kT2, true));
  EXPECT_EQ(got["spec"]["args"], json({"c"}));
  EXPECT_TRUE(EntryOf(got, "helm", "Apply").is_null());
  EXPECT_EQ(FieldsOf(got, "kubectl", "Apply"), R"({"f:spec":{"f:args":{}}})"_json);
}

// --- Map-lists and sets ------------------------------------------------------------------

TEST(ServerSideApplyTest, MapListItemsOwnedByDifferentManagers) {
  json web = {{"name", "web"}, {"image", "nginx:1"}};
  json side = {{"name", "side"}, {"image", "envoy"}};
  json live = MustApply(nullptr, Deploy(Containers({web})), Opts("team-a"));
  live = MustApply(&live, Deploy(Containers({side})), Opts("team-b", kT2));
  EXPECT_EQ(live["spec"]["template"]["spec"]["containers"], json({web, side}));
  EXPECT_EQ(FieldsOf(live, "team-b", "Apply"),
            R"({"f:spec":{"f:template":{"f:spec":{"f:containers":{
                "k:{\"name\":\"side\"}":{".":{},"f:image":{},"f:name":{}}}}}}})"_json);

  // team-a changes its own container: no conflict with team-b.
  json web2 = {{"name", "web"}, {"image", "nginx:2"}};
  live = MustApply(&live, Deploy(Containers({web2})), Opts("team-a", kT3));
  EXPECT_EQ(live["spec"]["template"]["spec"]["containers"], json({web2, side}));

  // team-b changing team-a's image is a conflict.
  Result<json> r = ServerSideApply(&live, Deploy(Containers({{{"name", "web"}, {"image", "nginx:3"}}})),
                                   Opts("team-b", kT3), Types());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            R"(Apply failed with 1 conflict: conflict with "team-a": .spec.template.spec.containers[name="web"].image)");

  // team-a stops applying its container: it goes, team-b's stays.
  json got = MustApply(&live, Deploy(nullptr), Opts("team-a", kT3));
  EXPECT_EQ(got["spec"]["template"]["spec"]["containers"], json({side}));
  EXPECT_TRUE(EntryOf(got, "team-a", "Apply").is_null());
}

TEST(ServerSideApplyTest, MapListOrderFollowsAppliedOrder) {
  json a = {{"name", "a"}}, b = {{"name", "b"}}, c = {{"name", "c"}}, x = {{"name", "x"}};
  json live = MustApply(nullptr, Deploy(Containers({a, b})), Opts("m"));
  json got = MustApply(&live, Deploy(Containers({b, c, a})), Opts("m", kT2));
  EXPECT_EQ(got["spec"]["template"]["spec"]["containers"], json({b, c, a}));
  // An element only another manager applied keeps its place.
  json other = MustApply(&live, Deploy(Containers({x})), Opts("n", kT2));
  json again = MustApply(&other, Deploy(Containers({a, b, c})), Opts("m", kT3));
  EXPECT_EQ(again["spec"]["template"]["spec"]["containers"], json({a, b, x, c}));
}

TEST(ServerSideApplyTest, CoOwnedMapListItemKeepsOtherManagersFields) {
  json live = MustApply(nullptr, Deploy(Containers({{{"name", "web"}, {"image", "nginx"}}})), Opts("team-a"));
  live = MustApply(&live, Deploy(Containers({{{"name", "web"}, {"resources", {{"limits", {{"cpu", "1"}}}}}}})),
                   Opts("team-b", kT2));
  json got = MustApply(&live, Deploy(nullptr), Opts("team-a", kT3));
  // team-a's image goes; the element (and its key) stays for team-b's resources.
  EXPECT_EQ(got["spec"]["template"]["spec"]["containers"],
            json({{{"name", "web"}, {"resources", {{"limits", {{"cpu", "1"}}}}}}}));
}

TEST(ServerSideApplyTest, DuplicateMapListKeysRefused) {
  Result<json> r = ServerSideApply(nullptr, Deploy(Containers({{{"name", "web"}}, {{"name", "web"}}})),
                                   Opts("kubectl"), Types());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 400);
  EXPECT_NE(r.error().message.find(R"(.spec.template.spec.containers: duplicate entries for key [name="web"])"),
            std::string::npos);
}

TEST(ServerSideApplyTest, SetsUnionAndPrunePerValue) {
  json live = MustApply(nullptr, Deploy(nullptr, {{"finalizers", {"a.io/x"}}}), Opts("team-a"));
  live = MustApply(&live, Deploy(nullptr, {{"finalizers", {"b.io/y"}}}), Opts("team-b", kT2));
  EXPECT_EQ(live["metadata"]["finalizers"], json({"a.io/x", "b.io/y"}));
  EXPECT_EQ(FieldsOf(live, "team-b", "Apply"), R"({"f:metadata":{"f:finalizers":{"v:\"b.io/y\"":{}}}})"_json);
  // A controller adds one with a plain update.
  json updated = live;
  updated["metadata"]["finalizers"].push_back("c.io/z");
  live = UpdateManagedFields(&live, updated, "controller", "Update", kT2, "apps/v1", Types());
  EXPECT_EQ(FieldsOf(live, "controller", "Update"), R"({"f:metadata":{"f:finalizers":{"v:\"c.io/z\"":{}}}})"_json);

  json got = MustApply(&live, Deploy(nullptr, {{"finalizers", json::array()}}), Opts("team-a", kT3));
  EXPECT_EQ(got["metadata"]["finalizers"], json({"b.io/y", "c.io/z"}));
  EXPECT_TRUE(EntryOf(got, "team-a", "Apply").is_null());
}

// --- Refused requests ----------------------------------------------------------------------

TEST(ServerSideApplyTest, BadRequests) {
  json with_managed = Deploy(json::object());
  with_managed["metadata"]["managedFields"] = json::array({json::object()});
  struct Case {
    const char* name;
    json applied;
    std::string manager;
  };
  const std::vector<Case> cases = {
      {"managedFields set", with_managed, "kubectl"},
      {"no manager", Deploy(json::object()), ""},
      {"not an object", json::array(), "kubectl"},
  };
  for (const Case& c : cases) {
    Result<json> r = ServerSideApply(nullptr, c.applied, Opts(c.manager), Types());
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code, 400) << c.name;
    EXPECT_EQ(r.error().reason, "BadRequest") << c.name;
  }
}

TEST(ServerSideApplyTest, NullRemovesField) {
  json live = MustApply(nullptr, Deploy({{"replicas", 2}, {"paused", true}}), Opts("kubectl"));
  json got = MustApply(&live, Deploy({{"replicas", 2}, {"paused", nullptr}}), Opts("kubectl", kT2));
  EXPECT_FALSE(got["spec"].contains("paused"));
  EXPECT_EQ(FieldsOf(got, "kubectl", "Apply"), R"({"f:spec":{"f:replicas":{}}})"_json);
}

TEST(ServerSideApplyTest, KubectlKeepsLastAppliedAnnotationInStep) {
  const char* key = "kubectl.kubernetes.io/last-applied-configuration";
  json live = Created(Deploy({{"replicas", 1}}, {{"annotations", {{key, "{}"}}}}), "kubectl-client-side-apply");
  json applied = Deploy({{"replicas", 1}});
  json got = MustApply(&live, applied, Opts("kubectl", kT2));
  EXPECT_EQ(got["metadata"]["annotations"][key], applied.dump() + "\n");
  // Other managers leave it alone.
  json other = MustApply(&live, applied, Opts("helm", kT2));
  EXPECT_EQ(other["metadata"]["annotations"][key], "{}");
}

TEST(ServerSideApplyTest, EntriesSortedApplyFirstThenByTime) {
  json live = Created(Deploy({{"replicas", 1}}), "creator");
  live = MustApply(&live, Deploy({{"paused", false}}), Opts("zeta", kT2));
  live = MustApply(&live, Deploy({{"minReadySeconds", 1}}), Opts("alpha", kT3));
  std::vector<std::string> order;
  for (const json& e : live["metadata"]["managedFields"]) order.push_back(e["manager"]);
  EXPECT_EQ(order, (std::vector<std::string>{"zeta", "alpha", "creator"}));
}

// --- Non-apply writes ----------------------------------------------------------------------

TEST(UpdateManagedFieldsTest, CreateOwnsEverythingButServerFields) {
  json obj = Deploy({{"replicas", 1}}, {{"labels", {{"app", "web"}}}, {"uid", "u"}, {"resourceVersion", "1"},
                                        {"creationTimestamp", kT1}, {"generation", 1}});
  json got = UpdateManagedFields(nullptr, obj, "kubectl-create", "Update", kT1, "apps/v1", Types());
  EXPECT_EQ(WithoutManaged(got), obj);
  EXPECT_EQ(got["metadata"]["managedFields"],
            json::array({{{"manager", "kubectl-create"},
                          {"operation", "Update"},
                          {"apiVersion", "apps/v1"},
                          {"time", kT1},
                          {"fieldsType", "FieldsV1"},
                          {"fieldsV1", R"({"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{}}})"_json}}}));
}

TEST(UpdateManagedFieldsTest, ChangedFieldsMoveToTheWriter) {
  json live = MustApply(nullptr, Deploy({{"replicas", 1}, {"paused", false}}), Opts("kubectl"));
  json updated = live;
  updated["spec"]["replicas"] = 5;
  updated["spec"]["minReadySeconds"] = 3;
  updated["metadata"]["resourceVersion"] = "9";  // server-owned: never recorded
  json got = UpdateManagedFields(&live, updated, "hpa", "Update", kT2, "apps/v1", Types());
  EXPECT_EQ(FieldsOf(got, "hpa", "Update"), R"({"f:spec":{"f:minReadySeconds":{},"f:replicas":{}}})"_json);
  EXPECT_EQ(FieldsOf(got, "kubectl", "Apply"), R"({"f:spec":{"f:paused":{}}})"_json);
  EXPECT_EQ(EntryOf(got, "hpa", "Update")["time"], kT2);
  EXPECT_EQ(EntryOf(got, "kubectl", "Apply")["time"], kT1);
}

TEST(UpdateManagedFieldsTest, UnchangedWriteKeepsRecord) {
  json live = Created(Deploy({{"replicas", 1}}), "creator");
  json same = live;
  same["metadata"].erase("managedFields");  // a client unaware of managedFields
  same["metadata"]["resourceVersion"] = "2";
  json got = UpdateManagedFields(&live, same, "other", "Update", kT2, "apps/v1", Types());
  EXPECT_EQ(got["metadata"]["managedFields"], live["metadata"]["managedFields"]);
}

TEST(UpdateManagedFieldsTest, RemovedFieldsLeaveEveryEntry) {
  json live = Created(Deploy({{"replicas", 1}, {"paused", false}}), "creator");
  json updated = live;
  updated["spec"].erase("paused");
  json got = UpdateManagedFields(&live, updated, "editor", "Update", kT2, "apps/v1", Types());
  EXPECT_EQ(FieldsOf(got, "creator", "Update"), R"({"f:spec":{"f:replicas":{}}})"_json);
  EXPECT_TRUE(EntryOf(got, "editor", "Update").is_null());
}

TEST(UpdateManagedFieldsTest, WriterEntriesMergeAcrossWrites) {
  json live = Created(Deploy({{"replicas", 1}}), "ctrl");
  json updated = live;
  updated["spec"]["paused"] = true;
  json got = UpdateManagedFields(&live, updated, "ctrl", "Update", kT2, "apps/v1", Types());
  EXPECT_EQ(FieldsOf(got, "ctrl", "Update"), R"({"f:spec":{"f:paused":{},"f:replicas":{}}})"_json);
  EXPECT_EQ(EntryOf(got, "ctrl", "Update")["time"], kT2);
  EXPECT_EQ(got["metadata"]["managedFields"].size(), 1u);
}

TEST(UpdateManagedFieldsTest, ClientRewritesOrStripsRecord) {
  json live = Created(Deploy({{"replicas", 1}}), "kubectl-client-side-apply");
  // kubectl's client-side-apply migration rewrites the entry as an Apply entry of "kubectl".
  json migrated = live;
  migrated["metadata"]["managedFields"][0]["manager"] = "kubectl";
  migrated["metadata"]["managedFields"][0]["operation"] = "Apply";
  json got = UpdateManagedFields(&live, migrated, "kubectl", "Update", kT2, "apps/v1", Types());
  EXPECT_EQ(FieldsOf(got, "kubectl", "Apply"), R"({"f:spec":{"f:replicas":{}}})"_json);
  EXPECT_TRUE(EntryOf(got, "kubectl-client-side-apply", "Update").is_null());
  // Now kubectl may apply a new value without a conflict.
  json applied = MustApply(&got, Deploy({{"replicas", 4}}), Opts("kubectl", kT3));
  EXPECT_EQ(applied["spec"]["replicas"], 4);

  json stripped = live;
  stripped["metadata"]["managedFields"] = json::array({json::object()});
  json none = UpdateManagedFields(&live, stripped, "kubectl", "Update", kT2, "apps/v1", Types());
  EXPECT_FALSE(none["metadata"].contains("managedFields"));

  // An empty list is not a reset: the old record stays.
  json emptied = live;
  emptied["metadata"]["managedFields"] = json::array();
  json kept = UpdateManagedFields(&live, emptied, "kubectl", "Update", kT2, "apps/v1", Types());
  EXPECT_EQ(kept["metadata"]["managedFields"], live["metadata"]["managedFields"]);
}

}  // namespace
}  // namespace kubesim
