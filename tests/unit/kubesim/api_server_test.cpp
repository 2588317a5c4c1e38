// In-process tests of api_server.h: each drives ApiServer::Handle with HttpRequests and checks
// the status codes, Status reasons/messages and bodies the real kube-apiserver gives.
//
// Time: the server gets a FakeClock for timestamps. Watch deadlines and bookmark timers run on
// the steady clock inside kube-sim, so the few watch tests that need them use short intervals;
// the garbage collector runs on its own thread, so GC tests poll with a bounded wait.
#include "api_server.h"

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protobuf_decode.h"

namespace kubesim {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using Query = std::multimap<std::string, std::string>;
using Headers = std::map<std::string, std::string>;

constexpr const char* kToken = "s3cret";
constexpr const char* kCms = "/api/v1/namespaces/default/configmaps";
constexpr const char* kDeploys = "/apis/apps/v1/namespaces/default/deployments";
constexpr const char* kTableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io";

json Cm(const std::string& name, json data = {{"k", "v"}}, json labels = nullptr) {
  json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", std::move(data)}};
  if (!labels.is_null()) cm["metadata"]["labels"] = std::move(labels);
  return cm;
}

json Deployment(const std::string& name, int replicas = 1) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec", {{"containers", json::array({{{"name", "web"}, {"image", "nginx:1.27"}}})}}}}}}}};
}

// Reads a stream's lines until `n` events came or 5 s passed; returns them parsed.
std::vector<json> ReadEvents(ResponseStream& s, size_t n, milliseconds budget = milliseconds(5000)) {
  std::vector<json> out;
  auto deadline = std::chrono::steady_clock::now() + budget;
  while (out.size() < n && !s.Done() && std::chrono::steady_clock::now() < deadline) {
    if (auto line = s.Next(milliseconds(20))) out.push_back(json::parse(*line));
  }
  return out;
}

// "TYPE name" of each event, for compact expectations.
std::vector<std::string> Summary(const std::vector<json>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.value("type", "") + " " + e["object"]["metadata"].value("name", ""));
  return out;
}

// Polls `cond` every 10 ms for up to 5 s (the garbage collector runs on its own thread).
bool Eventually(const std::function<bool()>& cond) {
  for (int i = 0; i < 500; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return cond();
}

json WidgetCrd();
json Widget(const std::string& name, json spec);
constexpr const char* kCrds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
constexpr const char* kWidgets = "/apis/example.com/v1/namespaces/default/widgets";

class ApiServerTest : public ::testing::Test {
 protected:
  explicit ApiServerTest(ApiServerOptions opts = {.token = kToken, .bookmark_interval = milliseconds(50)})
      : api_(clock_, std::move(opts)) {}

  ApiResponse Call(const std::string& method, const std::string& path, std::string body = "", Query query = {},
                   Headers headers = {}) {
    HttpRequest req{method, path, std::move(query), std::move(headers), std::move(body)};
    if (!req.headers.count("authorization")) req.headers["authorization"] = std::string("Bearer ") + kToken;
    if (!req.headers.count("user-agent")) req.headers["user-agent"] = "api-server-test/1.0";
    return api_.Handle(req);
  }
  ApiResponse Get(const std::string& path, Query query = {}, Headers headers = {}) {
    return Call("GET", path, "", std::move(query), std::move(headers));
  }
  ApiResponse Post(const std::string& path, const json& body, Query query = {}) {
    return Call("POST", path, body.dump(), std::move(query), {{"content-type", "application/json"}});
  }
  ApiResponse Put(const std::string& path, const json& body, Query query = {}) {
    return Call("PUT", path, body.dump(), std::move(query), {{"content-type", "application/json"}});
  }
  ApiResponse Patch(const std::string& path, const std::string& content_type, const std::string& body, Query query = {}) {
    return Call("PATCH", path, body, std::move(query), {{"content-type", content_type}});
  }
  ApiResponse Delete(const std::string& path, Query query = {}) { return Call("DELETE", path, "", std::move(query)); }

  // Creates and expects 201; returns the stored object.
  json MustCreate(const std::string& collection, const json& obj) {
    ApiResponse r = Post(collection, obj);
    EXPECT_EQ(r.response.status, 201) << r.response.body;
    return json::parse(r.response.body);
  }
  int StatusOf(const std::string& path) { return Get(path).response.status; }

  FakeClock clock_{TimePoint(std::chrono::seconds(1767225600))};  // 2026-01-01T00:00:00Z
  ApiServer api_;
};

json Body(const ApiResponse& r) { return json::parse(r.response.body); }

// The Status the real API server sends for an error.
void ExpectStatus(const ApiResponse& r, int code, const std::string& reason, const std::string& message) {
  EXPECT_EQ(r.response.status, code) << r.response.body;
  json s = Body(r);
  EXPECT_EQ(s["kind"], "Status");
  EXPECT_EQ(s["apiVersion"], "v1");
  EXPECT_EQ(s["status"], "Failure");
  EXPECT_EQ(s["code"], code);
  EXPECT_EQ(s["reason"], reason);
  EXPECT_EQ(s["message"], message);
}

// --- authentication --------------------------------------------------------------------------

TEST_F(ApiServerTest, RequestsWithoutTheRightTokenAreUnauthorized) {
  for (const std::string& auth : {std::string(""), std::string("Bearer wrong"), std::string("Basic czNjcmV0")}) {
    ApiResponse r = Call("GET", kCms, "", {}, {{"authorization", auth}});
    ExpectStatus(r, 401, "Unauthorized", "Unauthorized");
  }
  EXPECT_EQ(Get(kCms).response.status, 200);
}

TEST_F(ApiServerTest, VersionAndHealthNeedNoToken) {
  ApiResponse v = Call("GET", "/version", "", {}, {{"authorization", ""}});
  ASSERT_EQ(v.response.status, 200);
  EXPECT_EQ(Body(v)["gitVersion"], "v1.32.0-kubesim");
  EXPECT_EQ(Body(v)["major"], "1");
  for (const char* p : {"/healthz", "/livez", "/readyz"}) {
    ApiResponse h = Call("GET", p, "", {}, {{"authorization", ""}});
    EXPECT_EQ(h.response.status, 200) << p;
    EXPECT_EQ(h.response.body, "ok") << p;
  }
}

// --- create / get / list / update / delete ---------------------------------------------------

TEST_F(ApiServerTest, ConfigMapLifecycle) {
  json created = MustCreate(kCms, Cm("a"));
  EXPECT_EQ(created["metadata"]["namespace"], "default");
  EXPECT_EQ(created["metadata"]["creationTimestamp"], "2026-01-01T00:00:00Z");
  EXPECT_FALSE(created["metadata"].value("uid", "").empty());
  EXPECT_FALSE(created["metadata"].value("resourceVersion", "").empty());
  EXPECT_FALSE(created["metadata"].contains("generation"));  // ConfigMaps have no spec

  ApiResponse got = Get(std::string(kCms) + "/a");
  ASSERT_EQ(got.response.status, 200);
  EXPECT_EQ(Body(got), created);

  ApiResponse list = Get(kCms);
  ASSERT_EQ(list.response.status, 200);
  json l = Body(list);
  EXPECT_EQ(l["kind"], "ConfigMapList");
  EXPECT_EQ(l["apiVersion"], "v1");
  ASSERT_EQ(l["items"].size(), 1u);
  EXPECT_EQ(l["items"][0]["metadata"]["name"], "a");
  EXPECT_EQ(l["metadata"]["resourceVersion"], created["metadata"]["resourceVersion"]);

  json changed = created;
  changed["data"]["k"] = "w";
  ApiResponse upd = Put(std::string(kCms) + "/a", changed);
  ASSERT_EQ(upd.response.status, 200) << upd.response.body;
  EXPECT_EQ(Body(upd)["data"]["k"], "w");
  EXPECT_GT(std::stoull(Body(upd)["metadata"]["resourceVersion"].get<std::string>()),
            std::stoull(created["metadata"]["resourceVersion"].get<std::string>()));
  EXPECT_EQ(Body(upd)["metadata"]["uid"], created["metadata"]["uid"]);

  ApiResponse del = Delete(std::string(kCms) + "/a");
  ASSERT_EQ(del.response.status, 200);
  // Like the real server for ConfigMaps: a Success Status naming what was deleted.
  EXPECT_EQ(Body(del), (json{{"kind", "Status"},
                             {"apiVersion", "v1"},
                             {"metadata", json::object()},
                             {"status", "Success"},
                             {"details", {{"name", "a"}, {"kind", "configmaps"}, {"uid", created["metadata"]["uid"]}}}}));
  ApiResponse gone = Get(std::string(kCms) + "/a");
  ExpectStatus(gone, 404, "NotFound", "configmaps \"a\" not found");
  EXPECT_EQ(Body(gone)["details"], (json{{"name", "a"}, {"kind", "configmaps"}}));
}

TEST_F(ApiServerTest, GenerateNameAddsARandomSuffix) {
  json cm = Cm("");
  cm["metadata"].erase("name");
  cm["metadata"]["generateName"] = "cfg-";
  json created = MustCreate(kCms, cm);
  std::string name = created["metadata"]["name"];
  EXPECT_EQ(name.rfind("cfg-", 0), 0u) << name;
  EXPECT_EQ(name.size(), 9u) << name;
  EXPECT_EQ(created["metadata"]["generateName"], "cfg-");
  EXPECT_EQ(StatusOf(std::string(kCms) + "/" + name), 200);
}

TEST_F(ApiServerTest, CreateRefusals) {
  MustCreate(kCms, Cm("a"));
  ApiResponse dup = Post(kCms, Cm("a"));
  ExpectStatus(dup, 409, "AlreadyExists", "configmaps \"a\" already exists");
  EXPECT_EQ(Body(dup)["details"], (json{{"name", "a"}, {"kind", "configmaps"}}));

  ApiResponse no_ns = Post("/api/v1/namespaces/nope/configmaps", Cm("a"));
  ExpectStatus(no_ns, 404, "NotFound", "namespaces \"nope\" not found");

  ApiResponse bad_name = Post(kCms, Cm("Bad_Name"));
  ExpectStatus(bad_name, 422, "Invalid",
               "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 "
               "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with "
               "an alphanumeric character (e.g. 'example.com', regex used for validation is "
               "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  json details = Body(bad_name)["details"];
  EXPECT_EQ(details["name"], "Bad_Name");
  EXPECT_EQ(details["kind"], "ConfigMap");
  ASSERT_EQ(details["causes"].size(), 1u);
  EXPECT_EQ(details["causes"][0]["reason"], "FieldValueInvalid");
  EXPECT_EQ(details["causes"][0]["field"], "metadata.name");

  ApiResponse wrong_kind = Post(kCms, json{{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", "s"}}}});
  ExpectStatus(wrong_kind, 400, "BadRequest", "the kind in the data (Secret) does not match the expected kind (ConfigMap)");
}

TEST_F(ApiServerTest, CreateWithAResourceVersionIsRefusedLikeTheStorageLayerDoes) {
  json cm = Cm("a");
  cm["metadata"]["resourceVersion"] = "42";
  ApiResponse r = Post(kCms, cm);
  EXPECT_EQ(r.response.status, 500) << r.response.body;
  EXPECT_EQ(Body(r), (json{{"kind", "Status"},
                           {"apiVersion", "v1"},
                           {"metadata", json::object()},
                           {"status", "Failure"},
                           {"message", "resourceVersion should not be set on objects to be created"},
                           {"code", 500}}));
  cm["metadata"]["resourceVersion"] = "0";  // zero is no version: accepted
  EXPECT_EQ(Post(kCms, cm).response.status, 201);
}

TEST_F(ApiServerTest, DeleteAnswersWithAStatusOrTheObjectAsEachRegistryDoes) {
  MustCreate(kCrds, WidgetCrd());
  struct Case {
    std::string collection;
    json object;
    json status_details;  // null: the registry returns the deleted object
  };
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "p"}}},
              {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "busybox"}}})}}}};
  json sa = {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "robot"}}}};
  const std::vector<Case> cases = {
      {kCms, Cm("c"), {{"name", "c"}, {"kind", "configmaps"}}},
      {kDeploys, Deployment("d"), {{"name", "d"}, {"group", "apps"}, {"kind", "deployments"}}},
      {kWidgets, Widget("w", {{"name", "x"}}), {{"name", "w"}, {"group", "example.com"}, {"kind", "widgets"}}},
      {"/api/v1/namespaces/default/pods", pod, nullptr},
      {"/api/v1/namespaces/default/serviceaccounts", sa, nullptr},
  };
  for (const Case& c : cases) {
    json created = MustCreate(c.collection, c.object);
    const std::string name = created["metadata"]["name"];
    ApiResponse r = Delete(c.collection + "/" + name);
    ASSERT_EQ(r.response.status, 200) << c.collection << ": " << r.response.body;
    json body = Body(r);
    if (c.status_details.is_null()) {
      EXPECT_EQ(body["kind"], created["kind"]) << c.collection;
      EXPECT_EQ(body["metadata"]["uid"], created["metadata"]["uid"]) << c.collection;
    } else {
      json details = c.status_details;
      details["uid"] = created["metadata"]["uid"];
      EXPECT_EQ(body, (json{{"kind", "Status"},
                            {"apiVersion", "v1"},
                            {"metadata", json::object()},
                            {"status", "Success"},
                            {"details", details}}))
          << c.collection;
    }
  }
}

TEST_F(ApiServerTest, UnknownResourcesAndScopes) {
  ExpectStatus(Get("/api/v1/namespaces/default/widgets"), 404, "NotFound", "the server could not find the requested resource");
  ExpectStatus(Get("/api/v1/namespaces/default/namespaces/x"), 404, "NotFound",
               "the server could not find the requested resource");  // cluster-scoped under a namespace
}

// --- update semantics -------------------------------------------------------------------------

TEST_F(ApiServerTest, UpdateWithAStaleResourceVersionConflicts) {
  json v1 = MustCreate(kCms, Cm("a"));
  json v2 = v1;
  v2["data"]["k"] = "second";
  ASSERT_EQ(Put(std::string(kCms) + "/a", v2).response.status, 200);
  json stale = v1;
  stale["data"]["k"] = "third";
  ApiResponse r = Put(std::string(kCms) + "/a", stale);
  ExpectStatus(r, 409, "Conflict",
               "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your "
               "changes to the latest version and try again");
  EXPECT_EQ(Body(r)["details"], (json{{"name", "a"}, {"kind", "configmaps"}}));
  EXPECT_EQ(Body(Get(std::string(kCms) + "/a"))["data"]["k"], "second");
}

TEST_F(ApiServerTest, UpdateWithoutResourceVersionIsUnconditional) {
  MustCreate(kCms, Cm("a"));
  json blind = Cm("a", {{"k", "blind"}});
  ApiResponse r = Put(std::string(kCms) + "/a", blind);
  ASSERT_EQ(r.response.status, 200) << r.response.body;
  EXPECT_EQ(Body(r)["data"]["k"], "blind");
  ExpectStatus(Put(std::string(kCms) + "/missing", Cm("missing")), 404, "NotFound", "configmaps \"missing\" not found");
}

TEST_F(ApiServerTest, NoOpUpdateKeepsTheResourceVersionAndEmitsNoEvent) {
  json created = MustCreate(kCms, Cm("a"));
  ApiResponse w = Get(kCms, {{"watch", "true"}, {"resourceVersion", created["metadata"]["resourceVersion"]}});
  ASSERT_TRUE(w.stream);
  ApiResponse r = Put(std::string(kCms) + "/a", created);
  ASSERT_EQ(r.response.status, 200);
  EXPECT_EQ(Body(r)["metadata"]["resourceVersion"], created["metadata"]["resourceVersion"]);
  EXPECT_EQ(api_.CurrentResourceVersion(), std::stoull(created["metadata"]["resourceVersion"].get<std::string>()));
  // A real change afterwards is the first and only event the watch sees.
  json changed = created;
  changed["data"]["k"] = "w";
  ASSERT_EQ(Put(std::string(kCms) + "/a", changed).response.status, 200);
  auto events = ReadEvents(*w.stream, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "MODIFIED");
  EXPECT_EQ(events[0]["object"]["data"]["k"], "w");
}

TEST_F(ApiServerTest, GenerationCountsSpecChangesOnly) {
  json d = MustCreate(kDeploys, Deployment("web"));
  const std::string path = std::string(kDeploys) + "/web";
  EXPECT_EQ(d["metadata"]["generation"], 1);
  EXPECT_FALSE(d.contains("status"));

  json labelled = Body(Get(path));
  labelled["metadata"]["labels"] = {{"tier", "front"}};
  json r1 = Body(Put(path, labelled));
  EXPECT_EQ(r1["metadata"]["generation"], 1) << "metadata-only change";
  EXPECT_EQ(r1["metadata"]["labels"]["tier"], "front");

  json scaled = r1;
  scaled["spec"]["replicas"] = 3;
  json r2 = Body(Put(path, scaled));
  EXPECT_EQ(r2["metadata"]["generation"], 2) << "spec change";
  EXPECT_EQ(r2["spec"]["replicas"], 3);

  // /status writes change status only: the spec and labels they carry are ignored.
  json st = r2;
  st["status"] = {{"replicas", 3}, {"observedGeneration", 2}};
  st["spec"]["replicas"] = 7;
  st["metadata"]["labels"]["tier"] = "back";
  ApiResponse rs = Put(path + "/status", st);
  ASSERT_EQ(rs.response.status, 200) << rs.response.body;
  json r3 = Body(rs);
  EXPECT_EQ(r3["metadata"]["generation"], 2) << "status change";
  EXPECT_EQ(r3["status"]["replicas"], 3);
  EXPECT_EQ(r3["spec"]["replicas"], 3);
  EXPECT_EQ(r3["metadata"]["labels"]["tier"], "front");

  // The main endpoint ignores status.
  json main = r3;
  main["status"]["replicas"] = 99;
  json r4 = Body(Put(path, main));
  EXPECT_EQ(r4["status"]["replicas"], 3);
  EXPECT_EQ(r4["metadata"]["generation"], 2);
  EXPECT_EQ(r4["metadata"]["resourceVersion"], r3["metadata"]["resourceVersion"]) << "status-only change is a no-op";
}

// --- list -------------------------------------------------------------------------------------

TEST_F(ApiServerTest, ListSelectors) {
  MustCreate(kCms, Cm("a", {{"k", "v"}}, {{"app", "web"}, {"tier", "front"}}));
  MustCreate(kCms, Cm("b", {{"k", "v"}}, {{"app", "web"}}));
  MustCreate(kCms, Cm("c", {{"k", "v"}}, {{"app", "db"}}));
  auto names = [&](Query q) {
    ApiResponse r = Get(kCms, std::move(q));
    EXPECT_EQ(r.response.status, 200) << r.response.body;
    std::vector<std::string> out;
    const json list = Body(r);
    for (const auto& i : list["items"]) out.push_back(i["metadata"]["name"]);
    return out;
  };
  struct Case {
    Query query;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {{{"labelSelector", "app=web"}}, {"a", "b"}},
      {{{"labelSelector", "app=web,tier!=front"}}, {"b"}},
      {{{"labelSelector", "app in (db)"}}, {"c"}},
      {{{"labelSelector", "!tier"}}, {"b", "c"}},
      {{{"fieldSelector", "metadata.name=b"}}, {"b"}},
      {{{"fieldSelector", "metadata.name!=b"}}, {"a", "c"}},
      {{{"fieldSelector", "metadata.namespace=default"}}, {"a", "b", "c"}},
      {{{"fieldSelector", "metadata.namespace=other"}}, {}},
      {{{"labelSelector", "app=web"}, {"fieldSelector", "metadata.name=a"}}, {"a"}},
  };
  for (const Case& c : cases) EXPECT_EQ(names(c.query), c.want) << c.query.begin()->second;

  ApiResponse bad = Get(kCms, {{"fieldSelector", "data.k=v"}});
  EXPECT_EQ(bad.response.status, 400) << bad.response.body;
  EXPECT_EQ(Body(bad)["reason"], "BadRequest");
  EXPECT_EQ(Body(bad)["message"], "field label not supported: data.k");
}

TEST_F(ApiServerTest, ListPaginatesWithContinueAndRemainingItemCount) {
  for (const char* n : {"a", "b", "c", "d", "e"}) MustCreate(kCms, Cm(n));
  std::vector<std::string> seen;
  std::vector<int64_t> remaining;
  std::string cont, first_rv;
  for (int page = 0; page < 10; ++page) {
    Query q{{"limit", "2"}};
    if (!cont.empty()) q.emplace("continue", cont);
    ApiResponse r = Get(kCms, q);
    ASSERT_EQ(r.response.status, 200) << r.response.body;
    json l = Body(r);
    if (first_rv.empty()) first_rv = l["metadata"]["resourceVersion"];
    EXPECT_EQ(l["metadata"]["resourceVersion"], first_rv) << "every page is of one snapshot";
    for (const auto& i : l["items"]) seen.push_back(i["metadata"]["name"]);
    remaining.push_back(l["metadata"].value("remainingItemCount", int64_t{-1}));
    cont = l["metadata"].value("continue", "");
    if (cont.empty()) break;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(remaining, (std::vector<int64_t>{3, 1, -1}));  // the last page has neither continue nor a count

  ApiResponse bad = Get(kCms, {{"continue", "not-a-token"}});
  EXPECT_EQ(bad.response.status, 400);
  EXPECT_EQ(Body(bad)["reason"], "BadRequest");
}

TEST_F(ApiServerTest, ListInAMissingNamespaceIsEmpty) {
  ApiResponse r = Get("/api/v1/namespaces/nope/configmaps");
  ASSERT_EQ(r.response.status, 200) << r.response.body;  // as the real server: no 404 for a list
  EXPECT_EQ(Body(r)["items"], json::array());
}

TEST_F(ApiServerTest, BuiltinTable) {
  MustCreate(kCms, Cm("a", {{"x", "1"}, {"y", "2"}}));
  clock_.Advance(std::chrono::minutes(5));
  ApiResponse t = Get(kCms, {}, {{"accept", kTableAccept}});
  ASSERT_EQ(t.response.status, 200);
  json table = Body(t);
  std::vector<std::string> cols;
  for (const auto& c : table["columnDefinitions"]) cols.push_back(c["name"]);
  EXPECT_EQ(cols, (std::vector<std::string>{"Name", "Data", "Age"}));
  ASSERT_EQ(table["rows"].size(), 1u);
  EXPECT_EQ(table["rows"][0]["cells"], (json::array({"a", 2, "5m"})));
  ApiResponse one = Get(std::string(kCms) + "/a", {}, {{"accept", kTableAccept}});
  EXPECT_EQ(Body(one)["rows"].size(), 1u);
}

TEST_F(ApiServerTest, WatchOneObjectByFieldSelector) {
  MustCreate(kCms, Cm("a"));
  MustCreate(kCms, Cm("b"));
  ApiResponse w = Get(kCms, {{"watch", "true"}, {"fieldSelector", "metadata.name=b"}});
  ASSERT_TRUE(w.stream);
  ASSERT_EQ(Patch(std::string(kCms) + "/a", "application/merge-patch+json", R"({"data":{"k":"1"}})").response.status, 200);
  ASSERT_EQ(Patch(std::string(kCms) + "/b", "application/merge-patch+json", R"({"data":{"k":"2"}})").response.status, 200);
  EXPECT_EQ(Summary(ReadEvents(*w.stream, 2)), (std::vector<std::string>{"ADDED b", "MODIFIED b"}));
}

TEST_F(ApiServerTest, ListAcrossAllNamespaces) {
  MustCreate("/api/v1/namespaces", json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "team"}}}});
  MustCreate(kCms, Cm("a"));
  MustCreate("/api/v1/namespaces/team/configmaps", Cm("b"));
  ApiResponse r = Get("/api/v1/configmaps");
  ASSERT_EQ(r.response.status, 200) << r.response.body;
  std::vector<std::string> got;
  const json list = Body(r);
  for (const auto& i : list["items"]) got.push_back(i["metadata"].value("namespace", "") + "/" + i["metadata"].value("name", ""));
  EXPECT_EQ(got, (std::vector<std::string>{"default/a", "team/b"})) << r.response.body;
  ApiResponse only_team = Get("/api/v1/configmaps", {{"fieldSelector", "metadata.namespace=team"}});
  EXPECT_EQ(Body(only_team)["items"].size(), 1u);
}

// --- watch ------------------------------------------------------------------------------------

TEST_F(ApiServerTest, WatchStreamsAddedModifiedDeleted) {
  MustCreate(kCms, Cm("before"));
  ApiResponse w = Get(kCms, {{"watch", "true"}});
  ASSERT_EQ(w.response.status, 200);
  ASSERT_TRUE(w.stream);
  EXPECT_EQ(w.response.content_type, "application/json");
  json a = MustCreate(kCms, Cm("a"));
  a["data"]["k"] = "w";
  ASSERT_EQ(Put(std::string(kCms) + "/a", a).response.status, 200);
  ASSERT_EQ(Delete(std::string(kCms) + "/a").response.status, 200);
  auto events = ReadEvents(*w.stream, 4);
  EXPECT_EQ(Summary(events), (std::vector<std::string>{"ADDED before", "ADDED a", "MODIFIED a", "DELETED a"}));
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[2]["object"]["data"]["k"], "w");
  EXPECT_EQ(events[2]["object"]["kind"], "ConfigMap");
  EXPECT_EQ(events[2]["object"]["apiVersion"], "v1");
  EXPECT_EQ(events[3]["object"]["metadata"]["resourceVersion"], std::to_string(api_.CurrentResourceVersion()));
  w.stream->Cancel();
  EXPECT_TRUE(w.stream->Done());
}

TEST_F(ApiServerTest, WatchResumesFromAResourceVersion) {
  json a = MustCreate(kCms, Cm("a"));
  std::string rv = a["metadata"]["resourceVersion"];
  MustCreate(kCms, Cm("b"));
  ApiResponse w = Get(kCms, {{"watch", "true"}, {"resourceVersion", rv}});
  ASSERT_TRUE(w.stream);
  EXPECT_EQ(Summary(ReadEvents(*w.stream, 1)), std::vector<std::string>{"ADDED b"});
  EXPECT_FALSE(w.stream->Next(milliseconds(20))) << "nothing else happened after rv " << rv;
}

TEST_F(ApiServerTest, WatchLabelSelectorTurnsARelabelIntoDeletedAndAdded) {
  json a = MustCreate(kCms, Cm("a", {{"k", "v"}}, {{"app", "web"}}));
  MustCreate(kCms, Cm("other", {{"k", "v"}}, {{"app", "db"}}));
  ApiResponse w = Get(kCms, {{"watch", "true"}, {"labelSelector", "app=web"}});
  ASSERT_TRUE(w.stream);
  a = Body(Get(std::string(kCms) + "/a"));
  a["metadata"]["labels"]["app"] = "db";
  a = Body(Put(std::string(kCms) + "/a", a));
  a["data"]["k"] = "unseen";  // out of the selection: no event
  a = Body(Put(std::string(kCms) + "/a", a));
  a["metadata"]["labels"]["app"] = "web";
  a = Body(Put(std::string(kCms) + "/a", a));
  auto events = ReadEvents(*w.stream, 3);
  EXPECT_EQ(Summary(events), (std::vector<std::string>{"ADDED a", "DELETED a", "ADDED a"}));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2]["object"]["data"]["k"], "unseen");
}

TEST_F(ApiServerTest, WatchSendsBookmarksWhenAsked) {
  json a = MustCreate(kCms, Cm("a"));
  ApiResponse w = Get(kCms, {{"watch", "true"}, {"allowWatchBookmarks", "true"},
                             {"resourceVersion", a["metadata"]["resourceVersion"]}});
  ASSERT_TRUE(w.stream);
  auto events = ReadEvents(*w.stream, 1);  // the bookmark interval is 50 ms
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "BOOKMARK");
  EXPECT_EQ(events[0]["object"]["kind"], "ConfigMap");
  EXPECT_EQ(events[0]["object"]["apiVersion"], "v1");
  EXPECT_EQ(events[0]["object"]["metadata"]["resourceVersion"], a["metadata"]["resourceVersion"]);

  ApiResponse plain = Get(kCms, {{"watch", "true"}, {"resourceVersion", a["metadata"]["resourceVersion"]}});
  EXPECT_TRUE(ReadEvents(*plain.stream, 1, milliseconds(200)).empty()) << "no bookmarks unless asked";
}

TEST_F(ApiServerTest, WatchTimeoutSecondsEndsTheStream) {
  ApiResponse w = Get(kCms, {{"watch", "true"}, {"timeoutSeconds", "1"}});
  ASSERT_TRUE(w.stream);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!w.stream->Done() && std::chrono::steady_clock::now() < deadline) w.stream->Next(milliseconds(50));
  EXPECT_TRUE(w.stream->Done());
}

TEST_F(ApiServerTest, WatchTimeoutSecondsZeroMeansTheServerDefault) {
  ApiResponse w = Get(kCms, {{"watch", "true"}, {"timeoutSeconds", "0"}});
  ASSERT_TRUE(w.stream);
  EXPECT_FALSE(w.stream->Next(milliseconds(20)));
  EXPECT_FALSE(w.stream->Done());
  MustCreate(kCms, Cm("a"));
  EXPECT_EQ(Summary(ReadEvents(*w.stream, 1)), std::vector<std::string>{"ADDED a"});
}

TEST_F(ApiServerTest, DropAllWatchesEndsOpenStreams) {
  ApiResponse w = Get(kCms, {{"watch", "true"}});
  ASSERT_TRUE(w.stream);
  ApiResponse drop = Call("POST", "/admin/v1/faults/drop-watches");
  ASSERT_EQ(drop.response.status, 200);
  EXPECT_EQ(Body(drop)["dropped"], 1);
  EXPECT_TRUE(ReadEvents(*w.stream, 1).empty());
  EXPECT_TRUE(w.stream->Done());
}

class ApiServerSmallHistoryTest : public ApiServerTest {
 protected:
  ApiServerSmallHistoryTest()
      : ApiServerTest({.token = kToken, .bookmark_interval = milliseconds(50), .watch_history_limit = 3}) {}
};

TEST_F(ApiServerSmallHistoryTest, WatchFromACompactedVersionGetsAnErrorEvent) {
  json a = MustCreate(kCms, Cm("a"));
  std::string old_rv = a["metadata"]["resourceVersion"];
  for (int i = 0; i < 5; ++i) {
    a["data"]["k"] = std::to_string(i);
    a = Body(Put(std::string(kCms) + "/a", a));
  }
  ApiResponse w = Get(kCms, {{"watch", "true"}, {"resourceVersion", old_rv}});
  ASSERT_EQ(w.response.status, 200);
  ASSERT_TRUE(w.stream);
  auto events = ReadEvents(*w.stream, 2);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "ERROR");
  const json& st = events[0]["object"];
  EXPECT_EQ(st["kind"], "Status");
  EXPECT_EQ(st["code"], 410);
  EXPECT_EQ(st["reason"], "Expired");
  EXPECT_EQ(st["message"].get<std::string>().rfind("too old resource version: " + old_rv + " (", 0), 0u) << st["message"];
  EXPECT_TRUE(w.stream->Done());

  // A continue token from before the compaction is also too old.
  MustCreate(kCms, Cm("b"));
  ApiResponse page = Get(kCms, {{"limit", "1"}});
  ASSERT_TRUE(Body(page)["metadata"].contains("continue"));
  for (int i = 0; i < 4; ++i) {
    a["data"]["k"] = "again" + std::to_string(i);
    a = Body(Put(std::string(kCms) + "/a", a));
  }
  ApiResponse next = Get(kCms, {{"limit", "1"}, {"continue", Body(page)["metadata"]["continue"]}});
  ExpectStatus(next, 410, "Expired",
               "The provided continue parameter is too old to display a consistent list result. You can start a new "
               "list without the continue parameter.");
}

// --- patch, apply, dry-run ---------------------------------------------------------------------

TEST_F(ApiServerTest, MergeJsonAndStrategicPatches) {
  MustCreate(kCms, Cm("a", {{"k", "v"}, {"drop", "x"}}));
  const std::string path = std::string(kCms) + "/a";
  ApiResponse merge = Patch(path, "application/merge-patch+json", R"({"data":{"k":"merged","drop":null}})");
  ASSERT_EQ(merge.response.status, 200) << merge.response.body;
  EXPECT_EQ(Body(merge)["data"], (json{{"k", "merged"}}));

  ApiResponse jp = Patch(path, "application/json-patch+json", R"([{"op":"add","path":"/data/n","value":"1"}])");
  ASSERT_EQ(jp.response.status, 200) << jp.response.body;
  EXPECT_EQ(Body(jp)["data"], (json{{"k", "merged"}, {"n", "1"}}));

  ApiResponse failed_test = Patch(path, "application/json-patch+json", R"([{"op":"test","path":"/data/n","value":"2"}])");
  EXPECT_EQ(failed_test.response.status, 422) << failed_test.response.body;

  // Strategic merge on a built-in list merges containers by name.
  MustCreate(kDeploys, Deployment("web"));
  ApiResponse smp = Patch(std::string(kDeploys) + "/web", "application/strategic-merge-patch+json",
                          R"({"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}})");
  ASSERT_EQ(smp.response.status, 200) << smp.response.body;
  json containers = Body(smp)["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(Body(smp)["metadata"]["generation"], 2);

  ExpectStatus(Patch(std::string(kCms) + "/missing", "application/merge-patch+json", "{}"), 404, "NotFound",
               "configmaps \"missing\" not found");
  EXPECT_EQ(Patch(path, "text/plain", "{}").response.status, 415);
}

TEST_F(ApiServerTest, ServerSideApply) {
  const std::string path = std::string(kCms) + "/cfg";
  const std::string apply = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"},"data":{"k":"v"}})";
  ApiResponse created = Patch(path, "application/apply-patch+yaml", apply, {{"fieldManager", "alice"}});
  ASSERT_EQ(created.response.status, 201) << created.response.body;
  json c = Body(created);
  ASSERT_EQ(c["metadata"]["managedFields"].size(), 1u);
  EXPECT_EQ(c["metadata"]["managedFields"][0]["manager"], "alice");
  EXPECT_EQ(c["metadata"]["managedFields"][0]["operation"], "Apply");

  ApiResponse again = Patch(path, "application/apply-patch+yaml", apply, {{"fieldManager", "alice"}});
  ASSERT_EQ(again.response.status, 200);
  EXPECT_EQ(Body(again)["metadata"]["resourceVersion"], c["metadata"]["resourceVersion"]) << "re-apply is a no-op";

  const std::string bobs = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"},"data":{"k":"bob"}})";
  ApiResponse conflict = Patch(path, "application/apply-patch+yaml", bobs, {{"fieldManager", "bob"}});
  ExpectStatus(conflict, 409, "Conflict", "Apply failed with 1 conflict: conflict with \"alice\": .data.k");
  ASSERT_EQ(Body(conflict)["details"]["causes"].size(), 1u);
  EXPECT_EQ(Body(conflict)["details"]["causes"][0], (json{{"reason", "FieldManagerConflict"},
                                                           {"message", "conflict with \"alice\""},
                                                           {"field", ".data.k"}}));

  ApiResponse forced = Patch(path, "application/apply-patch+yaml", bobs, {{"fieldManager", "bob"}, {"force", "true"}});
  ASSERT_EQ(forced.response.status, 200) << forced.response.body;
  EXPECT_EQ(Body(forced)["data"]["k"], "bob");

  ApiResponse no_manager = Patch(path, "application/apply-patch+yaml", apply);
  EXPECT_EQ(no_manager.response.status, 400);
}

TEST_F(ApiServerTest, DryRunPersistsNothing) {
  ApiResponse created = Post(kCms, Cm("a"), {{"dryRun", "All"}});
  EXPECT_EQ(created.response.status, 201) << "dry-run answers with the normal status code";
  EXPECT_EQ(Body(created)["metadata"]["name"], "a");
  EXPECT_EQ(StatusOf(std::string(kCms) + "/a"), 404);
  uint64_t rv = api_.CurrentResourceVersion();

  json a = MustCreate(kCms, Cm("a"));
  rv = api_.CurrentResourceVersion();
  json changed = a;
  changed["data"]["k"] = "dry";
  ApiResponse upd = Put(std::string(kCms) + "/a", changed, {{"dryRun", "All"}});
  ASSERT_EQ(upd.response.status, 200);
  EXPECT_EQ(Body(upd)["data"]["k"], "dry");
  ApiResponse patched = Patch(std::string(kCms) + "/a", "application/merge-patch+json", R"({"data":{"k":"p"}})",
                              {{"dryRun", "All"}});
  ASSERT_EQ(patched.response.status, 200);
  ASSERT_EQ(Delete(std::string(kCms) + "/a", {{"dryRun", "All"}}).response.status, 200);
  EXPECT_EQ(Body(Get(std::string(kCms) + "/a"))["data"]["k"], "v");
  EXPECT_EQ(api_.CurrentResourceVersion(), rv);

  ApiResponse bad = Post(kCms, Cm("b"), {{"dryRun", "Yes"}});
  EXPECT_EQ(bad.response.status, 400);
}

// --- custom resources ---------------------------------------------------------------------------

json WidgetCrd() {
  return json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
      "group": "example.com", "scope": "Namespaced",
      "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
      "versions": [{
        "name": "v1", "served": true, "storage": true,
        "subresources": {"status": {}},
        "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}],
        "schema": {"openAPIV3Schema": {
          "type": "object",
          "properties": {
            "spec": {"type": "object", "required": ["name"], "properties": {
              "name": {"type": "string"},
              "size": {"type": "integer", "minimum": 1, "default": 3},
              "color": {"type": "string", "enum": ["red", "blue"]}}},
            "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}}}}}
      }]}})");
}

json Widget(const std::string& name, json spec) {
  return {{"apiVersion", "example.com/v1"}, {"kind", "Widget"}, {"metadata", {{"name", name}}}, {"spec", std::move(spec)}};
}

TEST_F(ApiServerTest, CrdIsServedAndEstablished) {
  ExpectStatus(Get(kWidgets), 404, "NotFound", "the server could not find the requested resource");
  json crd = MustCreate(kCrds, WidgetCrd());
  json conds = crd["status"]["conditions"];
  bool established = false;
  for (const auto& c : conds) established |= c["type"] == "Established" && c["status"] == "True";
  EXPECT_TRUE(established) << crd["status"];
  EXPECT_EQ(crd["status"]["acceptedNames"]["kind"], "Widget");
  EXPECT_EQ(crd["status"]["storedVersions"], json::array({"v1"}));

  ApiResponse rl = Get("/apis/example.com/v1");
  ASSERT_EQ(rl.response.status, 200) << rl.response.body;
  json resources = Body(rl)["resources"];
  std::vector<std::string> names;
  for (const auto& r : resources) names.push_back(r["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"widgets", "widgets/status"}));
  EXPECT_EQ(resources[0]["kind"], "Widget");
  EXPECT_EQ(resources[0]["namespaced"], true);
  EXPECT_EQ(resources[0]["shortNames"], json::array({"wd"}));

  ApiResponse agg = Get("/apis", {}, {{"accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"}});
  ASSERT_EQ(agg.response.status, 200);
  EXPECT_EQ(agg.response.content_type, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  json groups = Body(agg);
  EXPECT_EQ(groups["kind"], "APIGroupDiscoveryList");
  EXPECT_EQ(groups["apiVersion"], "apidiscovery.k8s.io/v2");
  json widgets;
  for (const auto& g : groups["items"])
    if (g["metadata"]["name"] == "example.com")
      for (const auto& v : g["versions"])
        for (const auto& r : v["resources"])
          if (r["resource"] == "widgets") widgets = r;
  ASSERT_FALSE(widgets.is_null()) << "example.com/widgets missing from aggregated discovery";
  EXPECT_EQ(widgets["scope"], "Namespaced");
  EXPECT_EQ(widgets["responseKind"]["kind"], "Widget");
  ASSERT_TRUE(widgets.contains("subresources"));
  EXPECT_EQ(widgets["subresources"][0]["subresource"], "status");

  EXPECT_EQ(Get(kWidgets).response.status, 200);
}

TEST_F(ApiServerTest, CustomResourcesAreValidatedPrunedAndDefaulted) {
  MustCreate(kCrds, WidgetCrd());
  ApiResponse bad = Post(kWidgets, Widget("bad", {{"size", 0}, {"color", "green"}}));
  EXPECT_EQ(bad.response.status, 422) << bad.response.body;
  json st = Body(bad);
  EXPECT_EQ(st["reason"], "Invalid");
  EXPECT_EQ(st["message"].get<std::string>().rfind("Widget.example.com \"bad\" is invalid: [", 0), 0u) << st["message"];
  std::map<std::string, std::string> causes;
  for (const auto& c : st["details"]["causes"]) causes[c["field"]] = c["reason"];
  EXPECT_EQ(causes, (std::map<std::string, std::string>{{"spec.color", "FieldValueNotSupported"},
                                                        {"spec.name", "FieldValueRequired"},
                                                        {"spec.size", "FieldValueInvalid"}}));
  EXPECT_EQ(st["details"]["group"], "example.com");
  EXPECT_EQ(st["details"]["kind"], "Widget");

  json w = MustCreate(kWidgets, Widget("w", {{"name", "x"}, {"extra", true}}));
  EXPECT_EQ(w["spec"], (json{{"name", "x"}, {"size", 3}})) << "pruned and defaulted";
  EXPECT_EQ(w["metadata"]["generation"], 1);

  ApiResponse strict = Post(kWidgets, Widget("s", {{"name", "x"}, {"foo", 1}}), {{"fieldValidation", "Strict"}});
  ExpectStatus(strict, 400, "BadRequest", "strict decoding error: unknown field \"spec.foo\"");

  ApiResponse warn = Post(kWidgets, Widget("v", {{"name", "x"}, {"foo", 1}}), {{"fieldValidation", "Warn"}});
  ASSERT_EQ(warn.response.status, 201);
  ASSERT_EQ(warn.response.headers.size(), 1u);
  EXPECT_EQ(warn.response.headers[0].first, "Warning");
  EXPECT_EQ(warn.response.headers[0].second, "299 - \"unknown field \\\"spec.foo\\\"\"");

  // Strategic merge patch is for built-ins only.
  ApiResponse smp = Patch(std::string(kWidgets) + "/w", "application/strategic-merge-patch+json", R"({"spec":{"size":4}})");
  ExpectStatus(smp, 415, "UnsupportedMediaType",
               "the body of the request was in an unknown format - accepted media types include: "
               "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
  ApiResponse merge = Patch(std::string(kWidgets) + "/w", "application/merge-patch+json", R"({"spec":{"size":4}})");
  ASSERT_EQ(merge.response.status, 200) << merge.response.body;
  EXPECT_EQ(Body(merge)["metadata"]["generation"], 2);

  ApiResponse status = Patch(std::string(kWidgets) + "/w/status", "application/merge-patch+json",
                             R"({"status":{"ready":true},"spec":{"size":9}})");
  ASSERT_EQ(status.response.status, 200) << status.response.body;
  EXPECT_EQ(Body(status)["status"]["ready"], true);
  EXPECT_EQ(Body(status)["spec"]["size"], 4);
  EXPECT_EQ(Body(status)["metadata"]["generation"], 2);
}

TEST_F(ApiServerTest, WithoutAStatusSubresourceStatusIsPartOfTheGeneration) {
  json crd = WidgetCrd();
  crd["spec"]["versions"][0].erase("subresources");
  MustCreate(kCrds, crd);
  EXPECT_EQ(StatusOf(std::string(kWidgets) + "/w/status"), 404);
  json w = MustCreate(kWidgets, Widget("w", {{"name", "x"}}));
  w["status"] = {{"ready", true}};
  ApiResponse r = Put(std::string(kWidgets) + "/w", w);
  ASSERT_EQ(r.response.status, 200) << r.response.body;
  EXPECT_EQ(Body(r)["status"]["ready"], true) << "the main endpoint writes status";
  EXPECT_EQ(Body(r)["metadata"]["generation"], 2);
  json relabelled = Body(r);
  relabelled["metadata"]["labels"] = {{"a", "b"}};
  EXPECT_EQ(Body(Put(std::string(kWidgets) + "/w", relabelled))["metadata"]["generation"], 2);
}

TEST_F(ApiServerTest, CustomResourceTable) {
  MustCreate(kCrds, WidgetCrd());
  MustCreate(kWidgets, Widget("w", {{"name", "x"}, {"size", 5}}));
  ApiResponse t = Get(kWidgets, {}, {{"accept", kTableAccept}});
  ASSERT_EQ(t.response.status, 200) << t.response.body;
  EXPECT_EQ(t.response.content_type, kTableAccept);
  json table = Body(t);
  EXPECT_EQ(table["kind"], "Table");
  EXPECT_EQ(table["apiVersion"], "meta.k8s.io/v1");
  std::vector<std::string> cols;
  for (const auto& c : table["columnDefinitions"]) cols.push_back(c["name"]);
  EXPECT_EQ(cols, (std::vector<std::string>{"Name", "Size"}));
  ASSERT_EQ(table["rows"].size(), 1u);
  EXPECT_EQ(table["rows"][0]["cells"], (json::array({"w", 5})));
  EXPECT_EQ(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");
}

TEST_F(ApiServerTest, CustomResourceOpenApi) {
  MustCreate(kCrds, WidgetCrd());
  ApiResponse root = Get("/openapi/v3");
  ASSERT_EQ(root.response.status, 200);
  ASSERT_TRUE(Body(root)["paths"].contains("apis/example.com/v1")) << root.response.body.substr(0, 500);
  std::string url = Body(root)["paths"]["apis/example.com/v1"]["serverRelativeURL"];
  EXPECT_EQ(url.rfind("/openapi/v3/apis/example.com/v1", 0), 0u) << url;

  ApiResponse gv = Get("/openapi/v3/apis/example.com/v1");
  ASSERT_EQ(gv.response.status, 200);
  json doc = Body(gv);
  ASSERT_TRUE(doc["components"]["schemas"].contains("com.example.v1.Widget")) << gv.response.body.substr(0, 500);
  json schema = doc["components"]["schemas"]["com.example.v1.Widget"];
  EXPECT_EQ(schema["properties"]["spec"]["properties"]["size"]["minimum"], 1);
  EXPECT_EQ(schema["x-kubernetes-group-version-kind"], json::array({{{"group", "example.com"}, {"version", "v1"}, {"kind", "Widget"}}}));
  const json& item = doc["paths"]["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"];
  ASSERT_TRUE(item.contains("patch")) << item.dump().substr(0, 300);
  bool field_validation = false;
  for (const auto& p : item["patch"]["parameters"]) field_validation |= p.value("name", "") == "fieldValidation";
  EXPECT_TRUE(field_validation);
  EXPECT_EQ(StatusOf("/openapi/v3/apis/nothing.example.com/v1"), 404);
}

TEST_F(ApiServerTest, DeletingACrdRemovesItsObjectsAndUnservesIt) {
  MustCreate(kCrds, WidgetCrd());
  MustCreate(kWidgets, Widget("w", {{"name", "x"}}));
  ApiResponse w = Get(kWidgets, {{"watch", "true"}});
  ASSERT_TRUE(w.stream);
  ASSERT_EQ(Summary(ReadEvents(*w.stream, 1)), std::vector<std::string>{"ADDED w"});
  ASSERT_EQ(Delete(std::string(kCrds) + "/widgets.example.com").response.status, 200);
  EXPECT_TRUE(Eventually([&] { return StatusOf(std::string(kCrds) + "/widgets.example.com") == 404; }));
  EXPECT_EQ(StatusOf("/apis/example.com/v1"), 404);
  EXPECT_EQ(StatusOf(kWidgets), 404);
  EXPECT_EQ(Summary(ReadEvents(*w.stream, 1)), std::vector<std::string>{"DELETED w"});
  // Re-creating the CRD serves an empty collection.
  MustCreate(kCrds, WidgetCrd());
  EXPECT_EQ(Body(Get(kWidgets))["items"].size(), 0u);
}

// --- deletion and garbage collection -----------------------------------------------------------

TEST_F(ApiServerTest, FinalizersHoldAnObjectUntilRemoved) {
  json cm = Cm("held");
  cm["metadata"]["finalizers"] = {"example.com/hold"};
  MustCreate(kCms, cm);
  const std::string path = std::string(kCms) + "/held";
  ApiResponse del = Delete(path);
  ASSERT_EQ(del.response.status, 200);
  json pending = Body(del);
  EXPECT_EQ(pending["kind"], "ConfigMap") << "a pending deletion answers with the object";
  EXPECT_EQ(pending["metadata"]["deletionTimestamp"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(pending["metadata"]["deletionGracePeriodSeconds"], 0);
  json live = Body(Get(path));
  EXPECT_TRUE(live["metadata"].contains("deletionTimestamp"));

  json more = live;
  more["metadata"]["finalizers"].push_back("example.com/another");
  ApiResponse refused = Put(path, more);
  EXPECT_EQ(refused.response.status, 422) << refused.response.body;

  ApiResponse w = Get(kCms, {{"watch", "true"}, {"resourceVersion", live["metadata"]["resourceVersion"]}});
  ASSERT_TRUE(w.stream);
  live["metadata"].erase("finalizers");
  ApiResponse released = Put(path, live);
  ASSERT_EQ(released.response.status, 200);
  EXPECT_EQ(StatusOf(path), 404);
  // The update that empties the finalizers is the delete: one DELETED event, no MODIFIED first.
  auto events = ReadEvents(*w.stream, 2, milliseconds(300));
  ASSERT_EQ(Summary(events), std::vector<std::string>{"DELETED held"});
  EXPECT_EQ(events[0]["object"]["metadata"]["resourceVersion"], Body(released)["metadata"]["resourceVersion"]);
}

json OwnedBy(json obj, const json& owner) {
  obj["metadata"]["ownerReferences"] = json::array({{{"apiVersion", owner["apiVersion"]},
                                                      {"kind", owner["kind"]},
                                                      {"name", owner["metadata"]["name"]},
                                                      {"uid", owner["metadata"]["uid"]}}});
  return obj;
}

TEST_F(ApiServerTest, BackgroundDeletionCollectsDependents) {
  json owner = MustCreate(kCms, Cm("owner"));
  MustCreate(kCms, OwnedBy(Cm("dep"), owner));
  ASSERT_EQ(Delete(std::string(kCms) + "/owner").response.status, 200);
  EXPECT_EQ(StatusOf(std::string(kCms) + "/owner"), 404) << "the owner goes at once";
  EXPECT_TRUE(Eventually([&] { return StatusOf(std::string(kCms) + "/dep") == 404; }));
}

TEST_F(ApiServerTest, ForegroundDeletionWaitsForDependents) {
  json owner = MustCreate(kCms, Cm("owner"));
  json dep = Cm("dep");
  dep["metadata"]["finalizers"] = {"example.com/hold"};  // keeps the dependent, and so the owner
  MustCreate(kCms, OwnedBy(dep, owner));
  ApiResponse del = Delete(std::string(kCms) + "/owner", {{"propagationPolicy", "Foreground"}});
  ASSERT_EQ(del.response.status, 200);
  EXPECT_EQ(Body(del)["metadata"]["finalizers"], json::array({"foregroundDeletion"}));
  EXPECT_TRUE(Body(del)["metadata"].contains("deletionTimestamp"));
  const std::string dep_path = std::string(kCms) + "/dep";
  // The dependent is deleted in the foreground too; having no dependents of its own, the collector
  // drops its foregroundDeletion finalizer at once, leaving our hold.
  json d;
  ASSERT_TRUE(Eventually([&] {
    d = Body(Get(dep_path));
    return d["metadata"].contains("deletionTimestamp") &&
           d["metadata"]["finalizers"] == json::array({"example.com/hold"});
  })) << d.dump();
  EXPECT_EQ(StatusOf(std::string(kCms) + "/owner"), 200) << "the owner waits for its dependent";
  d["metadata"].erase("finalizers");
  ASSERT_EQ(Put(dep_path, d).response.status, 200);
  EXPECT_TRUE(Eventually([&] { return StatusOf(dep_path) == 404 && StatusOf(std::string(kCms) + "/owner") == 404; }));
}

TEST_F(ApiServerTest, OrphanDeletionKeepsDependentsWithoutTheReference) {
  json owner = MustCreate(kCms, Cm("owner"));
  MustCreate(kCms, OwnedBy(Cm("dep"), owner));
  ApiResponse del = Delete(std::string(kCms) + "/owner", {{"propagationPolicy", "Orphan"}});
  ASSERT_EQ(del.response.status, 200);
  EXPECT_TRUE(Eventually([&] { return StatusOf(std::string(kCms) + "/owner") == 404; }));
  ApiResponse dep = Get(std::string(kCms) + "/dep");
  ASSERT_EQ(dep.response.status, 200);
  EXPECT_FALSE(Body(dep)["metadata"].contains("ownerReferences"));
}

TEST_F(ApiServerTest, NamespaceDeletionRemovesItsContentsThenItself) {
  MustCreate("/api/v1/namespaces", json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "doomed"}}}});
  EXPECT_EQ(StatusOf("/api/v1/namespaces/doomed/serviceaccounts/default"), 200);
  MustCreate("/api/v1/namespaces/doomed/configmaps", Cm("a"));
  ApiResponse del = Delete("/api/v1/namespaces/doomed");
  ASSERT_EQ(del.response.status, 200);
  EXPECT_EQ(Body(del)["status"]["phase"], "Terminating");
  EXPECT_TRUE(Eventually([&] { return StatusOf("/api/v1/namespaces/doomed") == 404; }));
  EXPECT_EQ(StatusOf("/api/v1/namespaces/doomed/configmaps/a"), 404);
  EXPECT_EQ(Body(Get("/api/v1/configmaps"))["items"].size(), 0u);
}

TEST_F(ApiServerTest, NoNewContentInATerminatingNamespace) {
  MustCreate("/api/v1/namespaces", json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "held"}}}});
  json cm = Cm("a");
  cm["metadata"]["finalizers"] = {"example.com/hold"};
  MustCreate("/api/v1/namespaces/held/configmaps", cm);
  ASSERT_EQ(Delete("/api/v1/namespaces/held").response.status, 200);
  ExpectStatus(Post("/api/v1/namespaces/held/configmaps", Cm("b")), 403, "Forbidden",
               "configmaps \"b\" is forbidden: unable to create new content in namespace held because it is being "
               "terminated");
}

// --- protobuf ---------------------------------------------------------------------------------

// A tiny protobuf writer for the request body (test-only).
class Enc {
 public:
  Enc& Bytes(uint32_t field, const std::string& v) {
    Varint((field << 3) | 2);
    Varint(v.size());
    out_ += v;
    return *this;
  }
  Enc& Msg(uint32_t field, const Enc& m) { return Bytes(field, m.out_); }
  const std::string& str() const { return out_; }

 private:
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>((v & 0x7F) | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }
  std::string out_;
};

TEST_F(ApiServerTest, ProtobufSecretIsStoredAndAnsweredInJson) {
  Enc meta;
  meta.Bytes(1, "sh.helm.release.v1.demo.v1").Msg(11, Enc().Bytes(1, "owner").Bytes(2, "helm"));
  Enc secret;
  secret.Msg(1, meta).Msg(2, Enc().Bytes(1, "release").Bytes(2, "H4sI")).Bytes(3, "helm.sh/release.v1");
  Enc unknown;
  unknown.Msg(1, Enc().Bytes(1, "v1").Bytes(2, "Secret")).Msg(2, secret);
  std::string body = std::string(kProtobufMagic) + unknown.str();
  ApiResponse r = Call("POST", "/api/v1/namespaces/default/secrets", body, {},
                       {{"content-type", "application/vnd.kubernetes.protobuf"}});
  ASSERT_EQ(r.response.status, 201) << r.response.body;
  EXPECT_EQ(r.response.content_type, "application/json");
  json s = Body(r);
  EXPECT_EQ(s["metadata"]["name"], "sh.helm.release.v1.demo.v1");
  EXPECT_EQ(s["metadata"]["labels"], (json{{"owner", "helm"}}));
  EXPECT_EQ(s["type"], "helm.sh/release.v1");
  EXPECT_EQ(s["data"]["release"], "SDRzSQ==");  // bytes come back base64-encoded
  ApiResponse got = Get("/api/v1/namespaces/default/secrets/sh.helm.release.v1.demo.v1");
  EXPECT_EQ(Body(got)["data"]["release"], "SDRzSQ==");

  ApiResponse log = Get("/admin/v1/requests");
  json last_create;
  const json entries = Body(log);
  for (const auto& e : entries["items"])
    if (e["verb"] == "create") last_create = e;
  EXPECT_EQ(last_create["contentType"], "application/vnd.kubernetes.protobuf");
}

// --- faults and accounting ----------------------------------------------------------------------

TEST_F(ApiServerTest, InjectedErrors) {
  MustCreate(kCms, Cm("a"));
  ApiResponse cfg = Put("/admin/v1/faults", json::parse(R"({"errors":[{"verb":"list","resource":"configmaps","rate":1.0,"code":500}]})"));
  ASSERT_EQ(cfg.response.status, 200) << cfg.response.body;
  ApiResponse list = Get(kCms);
  ExpectStatus(list, 500, "InternalError", "Internal error occurred: kube-sim fault injected for list configmaps");
  EXPECT_EQ(StatusOf(std::string(kCms) + "/a"), 200) << "other verbs are untouched";

  ASSERT_EQ(Put("/admin/v1/faults", json::parse(R"({"errors":[{"verb":"*","resource":"*","rate":1.0,"code":429,"retryAfterSeconds":2}]})"))
                .response.status,
            200);
  ApiResponse throttled = Get(std::string(kCms) + "/a");
  EXPECT_EQ(throttled.response.status, 429);
  EXPECT_EQ(Body(throttled)["reason"], "TooManyRequests");
  EXPECT_EQ(Body(throttled)["details"]["retryAfterSeconds"], 2);
  ASSERT_EQ(throttled.response.headers.size(), 1u);
  EXPECT_EQ(throttled.response.headers[0], (std::pair<std::string, std::string>{"Retry-After", "2"}));
  EXPECT_EQ(StatusOf("/version"), 200) << "non-resource paths are not faulted";

  ASSERT_EQ(Call("DELETE", "/admin/v1/faults").response.status, 200);
  EXPECT_EQ(StatusOf(kCms), 200);

  // A grouped resource is named as accounting names it, or by its plural alone.
  for (const char* name : {"deployments.apps", "deployments"}) {
    json rule = {{"errors", json::array({{{"verb", "get"}, {"resource", name}, {"rate", 1.0}, {"code", 503}}})}};
    ASSERT_EQ(Put("/admin/v1/faults", rule).response.status, 200);
    ExpectStatus(Get(std::string(kDeploys) + "/web"), 503, "ServiceUnavailable", "kube-sim fault: service unavailable");
  }
  ASSERT_EQ(Call("DELETE", "/admin/v1/faults").response.status, 200);

  ApiResponse bad = Put("/admin/v1/faults", json::parse(R"({"errors":[{"rate":2}]})"));
  ExpectStatus(bad, 400, "BadRequest", "faults: errors[0].rate must be a number from 0 to 1");
}

TEST_F(ApiServerTest, GoneNextWatches) {
  ASSERT_EQ(Put("/admin/v1/faults", json{{"goneNextWatches", 1}}).response.status, 200);
  ApiResponse first = Get(kCms, {{"watch", "true"}, {"resourceVersion", "1"}});
  auto events = ReadEvents(*first.stream, 2);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "ERROR");
  EXPECT_EQ(events[0]["object"]["code"], 410);
  EXPECT_EQ(events[0]["object"]["reason"], "Expired");
  EXPECT_TRUE(first.stream->Done());
  ApiResponse second = Get(kCms, {{"watch", "true"}});
  MustCreate(kCms, Cm("a"));
  EXPECT_EQ(Summary(ReadEvents(*second.stream, 1)), std::vector<std::string>{"ADDED a"});
}

TEST_F(ApiServerTest, AccountingCountsByVerbResourceCodeAndUserAgent) {
  ASSERT_EQ(Call("DELETE", "/admin/v1/accounting").response.status, 200);
  MustCreate(kCms, Cm("a"));
  Get(std::string(kCms) + "/a");
  Get(std::string(kCms) + "/a");
  Get(std::string(kCms) + "/nope");
  Call("GET", std::string(kDeploys) + "/x/status", "", {}, {{"user-agent", "other/2"}});
  json counts = Body(Get("/admin/v1/accounting"));
  EXPECT_EQ(counts["total"], 5);
  auto count = [&](const std::string& verb, const std::string& resource, int code, const std::string& ua) {
    for (const auto& r : counts["requests"])
      if (r["verb"] == verb && r["resource"] == resource && r["code"] == code && r["userAgent"] == ua) return r["count"].get<int>();
    return 0;
  };
  EXPECT_EQ(count("create", "configmaps", 201, "api-server-test/1.0"), 1);
  EXPECT_EQ(count("get", "configmaps", 200, "api-server-test/1.0"), 2);
  EXPECT_EQ(count("get", "configmaps", 404, "api-server-test/1.0"), 1);
  EXPECT_EQ(count("get", "deployments.apps/status", 404, "other/2"), 1);

  json log = Body(Get("/admin/v1/requests"));
  ASSERT_EQ(log["items"].size(), 5u);
  const json& first = log["items"][0];
  EXPECT_EQ(first["method"], "POST");
  EXPECT_EQ(first["path"], kCms);
  EXPECT_EQ(first["verb"], "create");
  EXPECT_EQ(first["namespace"], "default");
  EXPECT_EQ(first["code"], 201);
  EXPECT_EQ(first["time"], "2026-01-01T00:00:00.000000Z");
  json since = Body(Get("/admin/v1/requests", {{"since", std::to_string(log["items"][3]["seq"].get<uint64_t>())}}));
  ASSERT_EQ(since["items"].size(), 1u);
  EXPECT_EQ(since["items"][0]["userAgent"], "other/2");
}

// --- events: one storage, two shapes ------------------------------------------------------------

TEST_F(ApiServerTest, EventsV1AndCoreEventsShareStorage) {
  json ev = json::parse(R"({
    "apiVersion": "events.k8s.io/v1", "kind": "Event",
    "metadata": {"name": "e1"},
    "eventTime": "2026-01-01T00:00:00.000000Z",
    "reportingController": "example.com/ctl", "reportingInstance": "ctl-1",
    "action": "Reconcile", "reason": "Started", "type": "Normal", "note": "hello",
    "regarding": {"kind": "Pod", "namespace": "default", "name": "p", "apiVersion": "v1"}})");
  MustCreate("/apis/events.k8s.io/v1/namespaces/default/events", ev);
  ApiResponse core = Get("/api/v1/namespaces/default/events/e1");
  ASSERT_EQ(core.response.status, 200) << core.response.body;
  json c = Body(core);
  EXPECT_EQ(c["apiVersion"], "v1");
  EXPECT_EQ(c["kind"], "Event");
  EXPECT_EQ(c["message"], "hello");
  EXPECT_EQ(c["involvedObject"]["name"], "p");
  EXPECT_EQ(c["reportingComponent"], "example.com/ctl");

  json old = {{"apiVersion", "v1"},
              {"kind", "Event"},
              {"metadata", {{"name", "e2"}}},
              {"involvedObject", {{"kind", "Pod"}, {"namespace", "default"}, {"name", "q"}}},
              {"reason", "Pulled"},
              {"message", "pulled image"},
              {"type", "Normal"},
              {"source", {{"component", "kubelet"}}},
              {"count", 2}};
  MustCreate("/api/v1/namespaces/default/events", old);
  ApiResponse v1 = Get("/apis/events.k8s.io/v1/namespaces/default/events/e2");
  ASSERT_EQ(v1.response.status, 200) << v1.response.body;
  json e = Body(v1);
  EXPECT_EQ(e["apiVersion"], "events.k8s.io/v1");
  EXPECT_EQ(e["note"], "pulled image");
  EXPECT_EQ(e["regarding"]["name"], "q");
  EXPECT_EQ(e["deprecatedCount"], 2);
  EXPECT_EQ(e["deprecatedSource"]["component"], "kubelet");
  EXPECT_EQ(Body(Get("/apis/events.k8s.io/v1/namespaces/default/events"))["items"].size(), 2u);
}

}  // namespace
}  // namespace kubesim
