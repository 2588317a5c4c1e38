// FakeClient: every modelled behaviour (server metadata, generation, status subresource, conflicts,
// patches, finalizers, dry run, selectors, watch delivery, the action log, fault injection) with a
// FakeClock, then a Watcher and a jd::Controller running over it.
#include "kube/fake_client.h"

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

// Options are written as designated initializers naming only the fields a case sets.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "common/fake_clock.h"
#include "kube/watcher.h"
#include "runtime/controller.h"

namespace jd::kube {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using T = WatchEvent::Type;

const ResourceRef kJobs{"batch", "v1", "jobs", true};
const ResourceRef kEnvironments{"justdriving.io", "v1alpha1", "environments", true};
const ResourceRef kWidgets{"example.com", "v1", "widgets", true};

json Cm(const std::string& name, const std::string& ns = "default", json labels = nullptr) {
  json obj = {{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata", {{"name", name}, {"namespace", ns}}},
              {"data", {{"k", "v"}}}};
  if (!labels.is_null()) obj["metadata"]["labels"] = labels;
  return obj;
}

json Deploy(const std::string& name, int replicas) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec", {{"replicas", replicas}}},
          {"status", {{"readyReplicas", 7}}}};
}

ApiError Err(ErrorKind kind, int code, std::string message) {
  ApiError e;
  e.kind = kind;
  e.code = code;
  e.message = std::move(message);
  return e;
}

std::string Rv(const json& obj) { return obj["metadata"]["resourceVersion"].get<std::string>(); }

std::vector<std::string> Names(const json& list) {
  std::vector<std::string> out;
  for (const auto& o : list["items"]) out.push_back(o["metadata"]["name"].get<std::string>());
  return out;
}

// "ADDED default/a" for each event read until the stream times out or ends.
std::vector<std::string> Drain(WatchStream& w) {
  std::vector<std::string> out;
  while (true) {
    auto r = w.Next(milliseconds(0));
    EXPECT_TRUE(r.ok());
    if (!r.ok() || r.value().kind != WatchRead::Kind::kEvent) return out;
    const json& md = r.value().event.object["metadata"];
    out.push_back(std::string(ToString(r.value().event.type)) + " " + md.value("namespace", "") + "/" +
                  md.value("name", ""));
  }
}

class FakeClientTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  FakeClient client_{clock_};
};

// ---------------------------------------------------------------------------------------------
// Create, Get, server metadata

TEST_F(FakeClientTest, CreateStampsServerMetadataAndStoresTheObjectAsGiven) {
  clock_.Advance(std::chrono::seconds(90));
  auto a = client_.Create(kConfigMaps, Cm("a"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto b = client_.Create(kConfigMaps, Cm("b"));
  ASSERT_TRUE(b.ok());

  const json& md = a.value()["metadata"];
  EXPECT_EQ(md["uid"], "uid-1");
  EXPECT_EQ(md["resourceVersion"], "1");
  EXPECT_EQ(md["creationTimestamp"], "2024-01-01T00:01:30Z");
  EXPECT_EQ(md["generation"], 1);
  EXPECT_EQ(a.value()["kind"], "ConfigMap");
  EXPECT_EQ(a.value()["apiVersion"], "v1");
  EXPECT_EQ(b.value()["metadata"]["uid"], "uid-2");
  EXPECT_EQ(Rv(b.value()), "2");
  EXPECT_EQ(client_.ResourceVersion(), "2");

  auto got = client_.Get(kConfigMaps, "default", "a");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got.value(), a.value());
  EXPECT_EQ(*client_.Object(kConfigMaps, "default", "a"), a.value());
}

TEST_F(FakeClientTest, CreateUsesTheDefaultNamespaceAndDropsItForClusterScopedResources) {
  json cm = Cm("a");
  cm["metadata"].erase("namespace");
  ASSERT_TRUE(client_.Create(kConfigMaps, cm).ok());
  EXPECT_TRUE(client_.Object(kConfigMaps, "default", "a").has_value());

  FakeClient other(clock_, "team-a");
  ASSERT_TRUE(other.Create(kConfigMaps, cm).ok());
  EXPECT_TRUE(other.Object(kConfigMaps, "team-a", "a").has_value());

  auto ns = client_.Create(kNamespaces, {{"metadata", {{"name", "prod"}, {"namespace", "ignored"}}}});
  ASSERT_TRUE(ns.ok());
  EXPECT_FALSE(ns.value()["metadata"].contains("namespace"));
  EXPECT_TRUE(client_.Get(kNamespaces, "whatever", "prod").ok());  // ns ignored for cluster-scoped
}

TEST_F(FakeClientTest, CreateAndGetErrors) {
  ASSERT_TRUE(client_.Create(kConfigMaps, Cm("a")).ok());
  json nameless = Cm("");
  nameless["metadata"].erase("name");
  json with_rv = Cm("b");
  with_rv["metadata"]["resourceVersion"] = "7";
  struct Case {
    std::string what;
    ApiError error;
    ErrorKind kind;
    int code;
    std::string message;
  };
  std::vector<Case> cases = {
      {"exists", client_.Create(kConfigMaps, Cm("a")).error(), ErrorKind::kAlreadyExists, 409,
       "configmaps \"a\" already exists"},
      {"no name", client_.Create(kConfigMaps, nameless).error(), ErrorKind::kInvalid, 422,
       "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required"},
      {"rv on create", client_.Create(kConfigMaps, with_rv).error(), ErrorKind::kServerError, 500,
       "resourceVersion should not be set on objects to be created"},
      {"get core", client_.Get(kConfigMaps, "default", "x").error(), ErrorKind::kNotFound, 404,
       "configmaps \"x\" not found"},
      {"get group", client_.Get(kDeployments, "default", "x").error(), ErrorKind::kNotFound, 404,
       "deployments.apps \"x\" not found"},
      {"get other namespace", client_.Get(kConfigMaps, "other", "a").error(), ErrorKind::kNotFound, 404,
       "configmaps \"a\" not found"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.error.kind, c.kind) << c.what;
    EXPECT_EQ(c.error.code, c.code) << c.what;
    EXPECT_EQ(c.error.message, c.message) << c.what;
  }
  auto invalid = client_.Create(kConfigMaps, nameless);
  ASSERT_EQ(invalid.error().causes.size(), 1u);
  EXPECT_EQ(invalid.error().causes[0].field, "metadata.name");
  EXPECT_EQ(invalid.error().causes[0].reason, "FieldValueRequired");
  EXPECT_EQ(client_.ResourceVersion(), "1");  // no failed call wrote anything
}

TEST_F(FakeClientTest, GenerateNameIsDeterministicAndSkipsNamesInUse) {
  json gen = Cm("");
  gen["metadata"].erase("name");
  gen["metadata"]["generateName"] = "job-";
  client_.Seed(kConfigMaps, Cm("job-bbbbc"));
  auto a = client_.Create(kConfigMaps, gen);
  auto b = client_.Create(kConfigMaps, gen);
  auto dry = client_.Create(kConfigMaps, gen, {.dry_run = true});
  auto c = client_.Create(kConfigMaps, gen);
  ASSERT_TRUE(a.ok() && b.ok() && dry.ok() && c.ok());
  EXPECT_EQ(a.value()["metadata"]["name"], "job-bbbbb");
  EXPECT_EQ(b.value()["metadata"]["name"], "job-bbbbd");
  EXPECT_EQ(dry.value()["metadata"]["name"], "job-bbbbf");
  EXPECT_EQ(c.value()["metadata"]["name"], "job-bbbbf");  // the dry run consumed nothing
  EXPECT_EQ(client_.Actions()[0], (Action{"create", "configmaps", "default", ""}));
}

// ---------------------------------------------------------------------------------------------
// List and selectors

TEST_F(FakeClientTest, ListFiltersByNamespaceSortsAndCarriesTheResourceVersion) {
  client_.Seed(kConfigMaps, Cm("b", "ns1"));
  client_.Seed(kConfigMaps, Cm("a", "ns2"));
  client_.Seed(kConfigMaps, Cm("a", "ns1"));
  client_.Seed(kSecrets, {{"metadata", {{"name", "s"}, {"namespace", "ns1"}}}});
  auto all = client_.List(kConfigMaps, "");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Names(all.value()), (std::vector<std::string>{"a", "b", "a"}));
  EXPECT_EQ(all.value()["items"][2]["metadata"]["namespace"], "ns2");
  EXPECT_EQ(all.value()["metadata"]["resourceVersion"], "4");
  EXPECT_EQ(all.value()["apiVersion"], "v1");
  EXPECT_EQ(Names(client_.List(kConfigMaps, "ns1").value()), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Names(client_.List(kConfigMaps, "none").value()), (std::vector<std::string>{}));
  EXPECT_EQ(client_.List(kDeployments, "").value()["apiVersion"], "apps/v1");
}

TEST_F(FakeClientTest, LabelAndFieldSelectors) {
  client_.Seed(kConfigMaps, Cm("web-prod", "a", {{"app", "web"}, {"env", "prod"}}));
  client_.Seed(kConfigMaps, Cm("web-dev", "a", {{"app", "web"}, {"env", "dev"}}));
  client_.Seed(kConfigMaps, Cm("db", "a", {{"app", "db"}}));
  client_.Seed(kConfigMaps, Cm("bare", "b"));
  struct Case {
    std::string labels, fields;
    std::vector<std::string> want;
  };
  std::vector<Case> cases = {
      {"", "", {"db", "web-dev", "web-prod", "bare"}},  // namespace a, then b
      {"app=web", "", {"web-dev", "web-prod"}},
      {"app==web", "", {"web-dev", "web-prod"}},
      {"app!=web", "", {"db", "bare"}},  // != matches objects without the label
      {"app in (db, web)", "", {"db", "web-dev", "web-prod"}},
      {"env notin (prod)", "", {"db", "web-dev", "bare"}},
      {"env", "", {"web-dev", "web-prod"}},
      {"!env", "", {"db", "bare"}},
      {" app = web , env in (dev) ", "", {"web-dev"}},
      {"app=web,!env", "", {}},
      {"", "metadata.name=db", {"db"}},
      {"", "metadata.name==db", {"db"}},
      {"", "metadata.namespace=b", {"bare"}},
      {"", "metadata.namespace!=b,metadata.name!=db", {"web-dev", "web-prod"}},
      {"app=web", "metadata.name=web-dev", {"web-dev"}},
  };
  for (const Case& c : cases) {
    auto got = client_.List(kConfigMaps, "", {.label_selector = c.labels, .field_selector = c.fields});
    ASSERT_TRUE(got.ok()) << c.labels << " | " << c.fields << ": " << got.error().message;
    EXPECT_EQ(Names(got.value()), c.want) << c.labels << " | " << c.fields;
  }

  struct Bad {
    std::string labels, fields, message;
  };
  std::vector<Bad> bad = {
      {"app in web", "", "invalid label selector \"app in web\": expected '(' after \"app in\""},
      {"app in (web", "", "invalid label selector \"app in (web\": missing ')' after \"app in\""},
      {"app in ()", "", "invalid label selector \"app in ()\": the set of values of \"app in\" is empty"},
      {"app gt 3", "", "invalid label selector \"app gt 3\": after key \"app\" expected one of =, ==, !=, in, notin, ','"},
      {"=web", "", "invalid label selector \"=web\": a requirement has no key"},
      {"app=web env=x", "", "invalid label selector \"app=web env=x\": unexpected 'e' after a requirement"},
      {"", "spec.x=1", "field label not supported: spec.x"},
      {"", "metadata.name", "invalid field selector \"metadata.name\": expected field=value or field!=value"},
  };
  for (const Bad& b : bad) {
    auto got = client_.List(kConfigMaps, "", {.label_selector = b.labels, .field_selector = b.fields});
    ASSERT_FALSE(got.ok()) << b.labels << b.fields;
    EXPECT_EQ(got.error().kind, ErrorKind::kBadRequest);
    EXPECT_EQ(got.error().code, 400);
    EXPECT_EQ(got.error().message, b.message);
  }
}

// ---------------------------------------------------------------------------------------------
// Update, conflicts, generation, status subresource

TEST_F(FakeClientTest, UpdateIsConditionalOnANonEmptyResourceVersion) {
  json v1 = client_.Create(kConfigMaps, Cm("a")).value();
  json v2 = v1;
  v2["data"]["k"] = "v2";
  auto updated = client_.Update(kConfigMaps, v2);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(Rv(updated.value()), "2");

  json stale = v1;  // still carries resourceVersion "1"
  stale["data"]["k"] = "lost";
  auto conflict = client_.Update(kConfigMaps, stale);
  ASSERT_TRUE(IsConflict(conflict));
  EXPECT_EQ(conflict.error().code, 409);
  EXPECT_EQ(conflict.error().message,
            "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your "
            "changes to the latest version and try again");
  EXPECT_EQ(client_.Object(kConfigMaps, "default", "a")->at("data")["k"], "v2");

  json unconditional = stale;
  unconditional["metadata"].erase("resourceVersion");
  ASSERT_TRUE(client_.Update(kConfigMaps, unconditional).ok());
  EXPECT_EQ(client_.Object(kConfigMaps, "default", "a")->at("data")["k"], "lost");

  json other_uid = unconditional;
  other_uid["metadata"]["uid"] = "uid-99";
  auto uid_conflict = client_.Update(kConfigMaps, other_uid);
  ASSERT_TRUE(IsConflict(uid_conflict));
  EXPECT_EQ(uid_conflict.error().message, "Precondition failed: UID in precondition: uid-99, UID in object meta: uid-1");

  auto missing = client_.Update(kConfigMaps, Cm("nope"));
  ASSERT_TRUE(IsNotFound(missing));
  EXPECT_EQ(missing.error().message, "configmaps \"nope\" not found");
}

TEST_F(FakeClientTest, UpdateKeepsServerOwnedMetadataAndNoOpWritesAreNotWrites) {
  json created = client_.Create(kConfigMaps, Cm("a")).value();
  json tampered = created;
  tampered["metadata"]["creationTimestamp"] = "1999-01-01T00:00:00Z";
  tampered["metadata"]["generation"] = 42;
  tampered["metadata"]["labels"] = json::object();  // omitempty: not stored
  auto same = client_.Update(kConfigMaps, tampered);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same.value(), created);  // nothing changed: no new resourceVersion
  EXPECT_EQ(client_.ResourceVersion(), "1");
  auto patched = client_.Patch(kConfigMaps, "default", "a", PatchType::kMerge, {{"data", {{"k", "v"}}}});
  ASSERT_TRUE(patched.ok());
  EXPECT_EQ(Rv(patched.value()), "1");
}

TEST_F(FakeClientTest, GenerationCountsOnlyWhatIsOutsideMetadataAndStatus) {
  struct Case {
    std::string what;
    ResourceRef ref;
    std::function<ApiResult<json>(FakeClient&)> write;
    int64_t want_generation;
  };
  auto merge = [](const ResourceRef& ref, json patch) {
    return [ref, patch](FakeClient& c) { return c.Patch(ref, "default", "d", PatchType::kMerge, patch); };
  };
  std::vector<Case> cases = {
      {"spec change", kDeployments, merge(kDeployments, {{"spec", {{"replicas", 5}}}}), 2},
      {"label change", kDeployments, merge(kDeployments, {{"metadata", {{"labels", {{"a", "b"}}}}}}), 1},
      {"annotation and finalizer", kDeployments,
       merge(kDeployments, {{"metadata", {{"annotations", {{"a", "b"}}}, {"finalizers", {"f"}}}}}), 1},
      {"status through the main resource (ignored)", kDeployments,
       merge(kDeployments, {{"status", {{"readyReplicas", 1}}}}), 1},
      {"status through /status", kDeployments,
       [](FakeClient& c) {
         return c.PatchStatus(kDeployments, "default", "d", PatchType::kMerge, {{"status", {{"readyReplicas", 1}}}});
       },
       1},
      {"status without a subresource is content", kWidgets,
       merge(kWidgets, {{"status", {{"readyReplicas", 1}}}}), 2},
      {"new top-level field", kWidgets, merge(kWidgets, {{"data", {{"x", "y"}}}}), 2},
      {"same spec again", kDeployments, merge(kDeployments, {{"spec", {{"replicas", 3}}}}), 1},
  };
  for (const Case& c : cases) {
    FakeClient client(clock_);
    ASSERT_TRUE(client.Create(c.ref, Deploy("d", 3)).ok()) << c.what;
    auto r = c.write(client);
    ASSERT_TRUE(r.ok()) << c.what << ": " << r.error().message;
    EXPECT_EQ(r.value()["metadata"]["generation"], c.want_generation) << c.what;
    EXPECT_EQ(client.Object(c.ref, "default", "d")->at("metadata")["generation"], c.want_generation) << c.what;
  }
}

TEST_F(FakeClientTest, StatusSubresourceDefaultsAndConfiguration) {
  EXPECT_TRUE(client_.HasStatusSubresource(kDeployments));
  EXPECT_TRUE(client_.HasStatusSubresource(kJobs));
  EXPECT_TRUE(client_.HasStatusSubresource(kEnvironments));
  EXPECT_TRUE(client_.HasStatusSubresource({"releases.justdriving.io", "v1", "things", true}));
  EXPECT_FALSE(client_.HasStatusSubresource(kConfigMaps));
  EXPECT_FALSE(client_.HasStatusSubresource(kWidgets));
  EXPECT_FALSE(client_.HasStatusSubresource({"evil-justdriving.io", "v1", "things", true}));

  client_.Seed(kWidgets, Deploy("w", 1));
  auto no_endpoint = client_.UpdateStatus(kWidgets, Deploy("w", 1));
  ASSERT_TRUE(IsNotFound(no_endpoint));
  EXPECT_EQ(no_endpoint.error().message, "the server could not find the requested resource");
  EXPECT_TRUE(IsNotFound(client_.PatchStatus(kWidgets, "default", "w", PatchType::kMerge, {{"status", {}}})));

  client_.EnableStatusSubresource(kWidgets);
  EXPECT_TRUE(client_.HasStatusSubresource(kWidgets));
  EXPECT_TRUE(client_.UpdateStatus(kWidgets, Deploy("w", 1)).ok());
  client_.DisableStatusSubresource(kDeployments);
  EXPECT_FALSE(client_.HasStatusSubresource(kDeployments));
}

TEST_F(FakeClientTest, StatusAndMainResourceWritesAreSeparated) {
  // Create drops status; Update keeps the stored status; UpdateStatus changes only status.
  auto created = client_.Create(kDeployments, Deploy("d", 3));
  ASSERT_TRUE(created.ok());
  EXPECT_FALSE(created.value().contains("status"));

  json with_status = created.value();
  with_status["status"] = {{"readyReplicas", 3}};
  with_status["spec"]["replicas"] = 9;  // ignored by the status write
  with_status["metadata"]["labels"] = {{"ignored", "too"}};
  auto st = client_.UpdateStatus(kDeployments, with_status);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st.value()["status"], (json{{"readyReplicas", 3}}));
  EXPECT_EQ(st.value()["spec"]["replicas"], 3);
  EXPECT_FALSE(st.value()["metadata"].contains("labels"));
  EXPECT_EQ(st.value()["metadata"]["generation"], 1);

  json main = st.value();
  main["spec"]["replicas"] = 4;
  main["status"] = {{"readyReplicas", 0}};  // ignored by the main write
  auto up = client_.Update(kDeployments, main);
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up.value()["spec"]["replicas"], 4);
  EXPECT_EQ(up.value()["status"], (json{{"readyReplicas", 3}}));
  EXPECT_EQ(up.value()["metadata"]["generation"], 2);

  auto ps = client_.PatchStatus(kDeployments, "default", "d", PatchType::kJson,
                                json::array({{{"op", "replace"}, {"path", "/status/readyReplicas"}, {"value", 4}},
                                             {{"op", "replace"}, {"path", "/spec/replicas"}, {"value", 1}}}));
  ASSERT_TRUE(ps.ok()) << ps.error().message;
  EXPECT_EQ(ps.value()["status"]["readyReplicas"], 4);
  EXPECT_EQ(ps.value()["spec"]["replicas"], 4);

  // A stale status write conflicts like any other.
  auto stale = client_.UpdateStatus(kDeployments, st.value());
  EXPECT_TRUE(IsConflict(stale));
  // Seed keeps status as given (a fixture of "the world as it is").
  json seeded = client_.Seed(kJobs, {{"metadata", {{"name", "j"}}}, {"status", {{"succeeded", 1}}}});
  EXPECT_EQ(seeded["status"]["succeeded"], 1);
}

// ---------------------------------------------------------------------------------------------
// Patch

TEST_F(FakeClientTest, PatchTypes) {
  json base = Cm("a");
  base["data"] = {{"k", "v"}, {"drop", "x"}};
  base["metadata"]["finalizers"] = {"a", "b"};
  struct Case {
    std::string what;
    PatchType type;
    json patch;
    json want_data;
    json want_finalizers;
  };
  std::vector<Case> cases = {
      {"merge: null deletes, objects merge", PatchType::kMerge, {{"data", {{"drop", nullptr}, {"new", "n"}}}},
       {{"k", "v"}, {"new", "n"}}, {"a", "b"}},
      {"merge: lists are replaced", PatchType::kMerge, {{"metadata", {{"finalizers", {"c"}}}}},
       {{"k", "v"}, {"drop", "x"}}, {"c"}},
      {"strategic merge is a merge patch", PatchType::kStrategicMerge,
       {{"metadata", {{"finalizers", {"c"}}}}, {"data", {{"k", "w"}}}}, {{"k", "w"}, {"drop", "x"}}, {"c"}},
      {"json: add, remove, replace, test", PatchType::kJson,
       json::array({{{"op", "test"}, {"path", "/data/k"}, {"value", "v"}},
                    {{"op", "add"}, {"path", "/data/n~1m"}, {"value", "slash"}},
                    {{"op", "remove"}, {"path", "/data/drop"}},
                    {{"op", "replace"}, {"path", "/data/k"}, {"value", "r"}},
                    {{"op", "add"}, {"path", "/metadata/finalizers/-"}, {"value", "z"}}}),
       {{"k", "r"}, {"n/m", "slash"}}, {"a", "b", "z"}},
  };
  for (const Case& c : cases) {
    FakeClient client(clock_);
    client.Seed(kConfigMaps, base);
    auto r = client.Patch(kConfigMaps, "default", "a", c.type, c.patch);
    ASSERT_TRUE(r.ok()) << c.what << ": " << r.error().message;
    EXPECT_EQ(r.value()["data"], c.want_data) << c.what;
    EXPECT_EQ(r.value()["metadata"]["finalizers"], c.want_finalizers) << c.what;
    EXPECT_EQ(Rv(r.value()), "2") << c.what;
    EXPECT_EQ(*client.Object(kConfigMaps, "default", "a"), r.value()) << c.what;
  }
}

TEST_F(FakeClientTest, PatchErrorsChangeNothing) {
  client_.Seed(kConfigMaps, Cm("a"));
  struct Case {
    std::string what;
    PatchType type;
    json patch;
    ErrorKind kind;
    std::string message_prefix;
  };
  std::vector<Case> cases = {
      {"failed test", PatchType::kJson,
       json::array({{{"op", "replace"}, {"path", "/data/k"}, {"value", "changed"}},
                    {{"op", "test"}, {"path", "/data/k"}, {"value", "other"}}}),
       ErrorKind::kInvalid, "ConfigMap \"a\" is invalid: the JSON patch does not apply: "},
      {"remove of a missing path", PatchType::kJson, json::array({{{"op", "remove"}, {"path", "/data/nope"}}}),
       ErrorKind::kInvalid, "ConfigMap \"a\" is invalid: the JSON patch does not apply: "},
      {"not an array", PatchType::kJson, {{"op", "add"}}, ErrorKind::kBadRequest,
       "invalid JSON patch: the document must be an array of operations, got object"},
      {"unknown op", PatchType::kJson, json::array({{{"op", "frob"}, {"path", "/a"}}}), ErrorKind::kBadRequest,
       "invalid JSON patch: operation 0: unknown op \"frob\""},
      {"missing value", PatchType::kJson, json::array({{{"op", "add"}, {"path", "/a"}}}), ErrorKind::kBadRequest,
       "invalid JSON patch: operation 0: missing \"value\""},
      {"bad pointer", PatchType::kJson, json::array({{{"op", "add"}, {"path", "a"}, {"value", 1}}}),
       ErrorKind::kBadRequest, "invalid JSON patch: "},
      {"merge patch not an object", PatchType::kMerge, json::array(), ErrorKind::kBadRequest,
       "the patch must be a JSON object, got array"},
      {"stale resourceVersion in the patch", PatchType::kMerge,
       {{"metadata", {{"resourceVersion", "0"}}}, {"data", {{"k", "x"}}}}, ErrorKind::kConflict,
       "Operation cannot be fulfilled on configmaps \"a\""},
      {"renaming", PatchType::kMerge, {{"metadata", {{"name", "b"}}}}, ErrorKind::kBadRequest,
       "the name of the object (b) does not match the name on the URL (a)"},
      {"apply without field manager", PatchType::kApply, Cm("a"), ErrorKind::kBadRequest,
       "PATCH with Content-Type application/apply-patch+yaml requires the fieldManager query parameter"},
  };
  const json before = *client_.Object(kConfigMaps, "default", "a");
  for (const Case& c : cases) {
    auto r = client_.Patch(kConfigMaps, "default", "a", c.type, c.patch);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.error().kind, c.kind) << c.what << ": " << r.error().message;
    EXPECT_EQ(r.error().message.substr(0, c.message_prefix.size()), c.message_prefix) << c.what;
  }
  EXPECT_EQ(*client_.Object(kConfigMaps, "default", "a"), before);
  EXPECT_TRUE(IsNotFound(client_.Patch(kConfigMaps, "default", "nope", PatchType::kMerge, json::object())));
  // A matching resourceVersion in a patch is a satisfied precondition.
  EXPECT_TRUE(client_.Patch(kConfigMaps, "default", "a", PatchType::kMerge,
                            {{"metadata", {{"resourceVersion", Rv(before)}}}, {"data", {{"k", "x"}}}})
                  .ok());
}

TEST_F(FakeClientTest, ServerSideApplyCreatesThenMergesWithoutFieldOwnership) {
  const PatchOptions apply{.field_manager = "jd", .force = true};
  json cfg = Cm("a");
  cfg["data"] = {{"one", "1"}, {"two", "2"}};
  auto created = client_.Patch(kConfigMaps, "default", "a", PatchType::kApply, cfg, apply);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created.value()["metadata"]["uid"], "uid-1");
  EXPECT_EQ(created.value()["metadata"]["generation"], 1);

  json next = Cm("a");
  next["data"] = {{"one", "one"}};  // "two" dropped from the config: NOT removed (no field ownership)
  auto merged = client_.Patch(kConfigMaps, "default", "a", PatchType::kApply, next, apply);
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged.value()["data"], (json{{"one", "one"}, {"two", "2"}}));
  EXPECT_EQ(merged.value()["metadata"]["generation"], 2);

  EXPECT_TRUE(IsNotFound(client_.PatchStatus(kDeployments, "default", "d", PatchType::kApply, Deploy("d", 1), apply)));
  auto wrong_name = client_.Patch(kConfigMaps, "default", "b", PatchType::kApply, Cm("c"), apply);
  EXPECT_EQ(wrong_name.error().message, "the name of the object (c) does not match the name on the URL (b)");
}

// ---------------------------------------------------------------------------------------------
// Delete and finalizers

TEST_F(FakeClientTest, DeleteRemovesAndChecksPreconditions) {
  client_.Seed(kConfigMaps, Cm("a"));
  auto missing = client_.Delete(kConfigMaps, "default", "nope");
  ASSERT_TRUE(IsNotFound(missing));
  EXPECT_EQ(missing.error().message, "configmaps \"nope\" not found");

  auto bad_uid = client_.Delete(kConfigMaps, "default", "a", {.precondition_uid = "x"});
  ASSERT_TRUE(IsConflict(bad_uid));
  EXPECT_EQ(bad_uid.error().message, "Precondition failed: UID in precondition: x, UID in object meta: uid-1");
  auto bad_rv = client_.Delete(kConfigMaps, "default", "a", {.precondition_resource_version = "9"});
  ASSERT_TRUE(IsConflict(bad_rv));
  EXPECT_EQ(bad_rv.error().message,
            "Precondition failed: ResourceVersion in precondition: 9, ResourceVersion in object meta: 1");
  ASSERT_TRUE(client_.Object(kConfigMaps, "default", "a").has_value());

  ASSERT_TRUE(client_.Delete(kConfigMaps, "default", "a",
                             {.precondition_uid = "uid-1", .precondition_resource_version = "1"})
                  .ok());
  EXPECT_FALSE(client_.Object(kConfigMaps, "default", "a").has_value());
  EXPECT_EQ(client_.ResourceVersion(), "2");  // a deletion is a write
}

TEST_F(FakeClientTest, FinalizersHoldTheObjectUntilRemoved) {
  json obj = Deploy("d", 1);
  obj["metadata"]["finalizers"] = {"jd/cleanup", "other"};
  ASSERT_TRUE(client_.Create(kDeployments, obj).ok());
  clock_.Advance(std::chrono::seconds(5));
  ASSERT_TRUE(client_.Delete(kDeployments, "default", "d").ok());
  json terminating = *client_.Object(kDeployments, "default", "d");
  EXPECT_EQ(terminating["metadata"]["deletionTimestamp"], "2024-01-01T00:00:05Z");
  EXPECT_EQ(terminating["metadata"]["deletionGracePeriodSeconds"], 0);
  EXPECT_EQ(terminating["metadata"]["generation"], 2);
  EXPECT_EQ(Rv(terminating), "2");

  clock_.Advance(std::chrono::seconds(5));
  ASSERT_TRUE(client_.Delete(kDeployments, "default", "d").ok());  // again: nothing changes
  EXPECT_EQ(*client_.Object(kDeployments, "default", "d"), terminating);

  json add = terminating;
  add["metadata"]["finalizers"].push_back("late");
  auto forbidden = client_.Update(kDeployments, add);
  ASSERT_TRUE(IsInvalid(forbidden));
  EXPECT_EQ(forbidden.error().message,
            "Deployment \"d\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the "
            "object is being deleted, found new finalizers []string{\"late\"}");

  json one_left = terminating;
  one_left["metadata"]["finalizers"] = {"other"};
  auto still = client_.Update(kDeployments, one_left);
  ASSERT_TRUE(still.ok());
  EXPECT_TRUE(client_.Object(kDeployments, "default", "d").has_value());

  auto last = client_.Patch(kDeployments, "default", "d", PatchType::kJson,
                            json::array({{{"op", "remove"}, {"path", "/metadata/finalizers"}}}));
  ASSERT_TRUE(last.ok()) << last.error().message;
  EXPECT_FALSE(client_.Object(kDeployments, "default", "d").has_value());
  EXPECT_EQ(Rv(last.value()), "4");
}

TEST_F(FakeClientTest, DryRunStoresNothing) {
  json obj = Cm("a");
  obj["metadata"]["finalizers"] = {"f"};
  client_.Seed(kConfigMaps, obj);
  const json before = *client_.Object(kConfigMaps, "default", "a");

  auto create = client_.Create(kConfigMaps, Cm("b"), {.dry_run = true});
  ASSERT_TRUE(create.ok());
  EXPECT_EQ(create.value()["metadata"]["name"], "b");
  EXPECT_FALSE(create.value()["metadata"].contains("uid"));
  EXPECT_TRUE(IsAlreadyExists(client_.Create(kConfigMaps, Cm("a"), {.dry_run = true})));

  json changed = before;
  changed["data"]["k"] = "dry";
  auto update = client_.Update(kConfigMaps, changed, {.dry_run = true});
  ASSERT_TRUE(update.ok());
  EXPECT_EQ(update.value()["data"]["k"], "dry");
  auto patch = client_.Patch(kConfigMaps, "default", "a", PatchType::kMerge, {{"data", {{"k", "dry"}}}},
                             {.dry_run = true});
  ASSERT_TRUE(patch.ok());
  EXPECT_EQ(patch.value()["data"]["k"], "dry");
  EXPECT_TRUE(client_.Delete(kConfigMaps, "default", "a", {.dry_run = true}).ok());
  EXPECT_TRUE(client_.Patch(kConfigMaps, "default", "c", PatchType::kApply, Cm("c"),
                            {.field_manager = "m", .dry_run = true})
                  .ok());

  EXPECT_EQ(*client_.Object(kConfigMaps, "default", "a"), before);
  EXPECT_FALSE(client_.Object(kConfigMaps, "default", "b").has_value());
  EXPECT_FALSE(client_.Object(kConfigMaps, "default", "c").has_value());
  EXPECT_EQ(client_.ResourceVersion(), "1");
  EXPECT_EQ(client_.Create(kConfigMaps, Cm("b")).value()["metadata"]["uid"], "uid-2");
}

TEST_F(FakeClientTest, DeleteOwnedByIsAOneLevelGarbageCollector) {
  json owner = client_.Create(kConfigMaps, Cm("owner")).value();
  const std::string uid = owner["metadata"]["uid"];
  auto owned = [&](const std::string& name, std::string owner_uid) {
    json o = Cm(name);
    o["metadata"]["ownerReferences"] = {{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "x"}, {"uid", owner_uid}}};
    return o;
  };
  ASSERT_TRUE(client_.Create(kConfigMaps, owned("child", uid)).ok());
  json held = owned("held", uid);
  held["metadata"]["finalizers"] = {"f"};
  ASSERT_TRUE(client_.Create(kSecrets, held).ok());
  ASSERT_TRUE(client_.Create(kConfigMaps, owned("stranger", "uid-77")).ok());
  ASSERT_TRUE(client_.Delete(kConfigMaps, "default", "owner").ok());
  EXPECT_TRUE(client_.Object(kConfigMaps, "default", "child").has_value());  // nothing cascades by itself
  client_.ClearActions();

  EXPECT_EQ(client_.DeleteOwnedBy(uid), 2);
  EXPECT_FALSE(client_.Object(kConfigMaps, "default", "child").has_value());
  EXPECT_TRUE(client_.Object(kSecrets, "default", "held")->at("metadata").contains("deletionTimestamp"));
  EXPECT_TRUE(client_.Object(kConfigMaps, "default", "stranger").has_value());
  EXPECT_TRUE(client_.Actions().empty());
  EXPECT_EQ(client_.DeleteOwnedBy(uid), 0);  // "held" is already being deleted
}

// ---------------------------------------------------------------------------------------------
// Watch

TEST_F(FakeClientTest, WatchFromNowDeliversCurrentObjectsThenWritesInOrder) {
  client_.Seed(kConfigMaps, Cm("b"));
  client_.Seed(kConfigMaps, Cm("a"));
  client_.Seed(kConfigMaps, Cm("x", "other"));
  auto w = client_.Watch(kConfigMaps, "default");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(Drain(*w.value()), (std::vector<std::string>{"ADDED default/a", "ADDED default/b"}));

  ASSERT_TRUE(client_.Create(kConfigMaps, Cm("c")).ok());
  ASSERT_TRUE(client_.Create(kConfigMaps, Cm("y", "other")).ok());  // another namespace
  ASSERT_TRUE(client_.Create(kSecrets, Cm("s")).ok());              // another resource
  ASSERT_TRUE(client_.Patch(kConfigMaps, "default", "a", PatchType::kMerge, {{"data", {{"k", "2"}}}}).ok());
  ASSERT_TRUE(client_.Patch(kConfigMaps, "default", "a", PatchType::kMerge, {{"data", {{"k", "2"}}}}).ok());  // no-op
  ASSERT_TRUE(client_.Delete(kConfigMaps, "default", "b").ok());
  EXPECT_EQ(Drain(*w.value()), (std::vector<std::string>{"ADDED default/c", "MODIFIED default/a", "DELETED default/b"}));

  // The DELETED event carries the last state under a new resourceVersion.
  ASSERT_TRUE(client_.Delete(kConfigMaps, "default", "c").ok());
  auto r = w.value()->Next(milliseconds(0));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().event.type, T::kDeleted);
  EXPECT_EQ(Rv(r.value().event.object), client_.ResourceVersion());
  EXPECT_EQ(w.value()->Next(milliseconds(0)).value().kind, WatchRead::Kind::kTimeout);
}

TEST_F(FakeClientTest, WatchFromAResourceVersionReplaysLaterWrites) {
  client_.Seed(kConfigMaps, Cm("a"));
  const std::string listed = client_.List(kConfigMaps, "default").value()["metadata"]["resourceVersion"];
  ASSERT_TRUE(client_.Create(kConfigMaps, Cm("b")).ok());  // between the list and the watch
  ASSERT_TRUE(client_.Delete(kConfigMaps, "default", "a").ok());
  auto w = client_.Watch(kConfigMaps, "default", {.resource_version = listed});
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(Drain(*w.value()), (std::vector<std::string>{"ADDED default/b", "DELETED default/a"}));

  auto latest = client_.Watch(kConfigMaps, "default", {.resource_version = client_.ResourceVersion()});
  ASSERT_TRUE(latest.ok());
  EXPECT_TRUE(Drain(*latest.value()).empty());

  client_.Compact();
  auto gone = client_.Watch(kConfigMaps, "default", {.resource_version = listed});
  ASSERT_TRUE(IsGone(gone));
  EXPECT_EQ(gone.error().message, "too old resource version: 1 (3)");
  EXPECT_TRUE(client_.Watch(kConfigMaps, "default", {.resource_version = "3"}).ok());
  // "0": every write since the start while history is whole, else the current objects.
  FakeClient fresh(clock_);
  const std::string empty_rv = fresh.List(kConfigMaps, "").value()["metadata"]["resourceVersion"];
  EXPECT_EQ(empty_rv, "0");
  ASSERT_TRUE(fresh.Create(kConfigMaps, Cm("a")).ok());
  ASSERT_TRUE(fresh.Patch(kConfigMaps, "default", "a", PatchType::kMerge, {{"data", {{"k", "2"}}}}).ok());
  auto from_zero = fresh.Watch(kConfigMaps, "", {.resource_version = empty_rv});
  ASSERT_TRUE(from_zero.ok());
  EXPECT_EQ(Drain(*from_zero.value()), (std::vector<std::string>{"ADDED default/a", "MODIFIED default/a"}));
  fresh.Compact();
  auto any = fresh.Watch(kConfigMaps, "", {.resource_version = "0"});
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(Drain(*any.value()), (std::vector<std::string>{"ADDED default/a"}));

  auto bad = client_.Watch(kConfigMaps, "default", {.resource_version = "abc"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kBadRequest);
}

TEST_F(FakeClientTest, WatchWithSelectorsSeesObjectsEnterAndLeave) {
  client_.Seed(kConfigMaps, Cm("a", "default", {{"app", "web"}}));
  auto w = client_.Watch(kConfigMaps, "", {.label_selector = "app=web"});
  auto by_name = client_.Watch(kConfigMaps, "", {.field_selector = "metadata.name=b"});
  ASSERT_TRUE(w.ok() && by_name.ok());
  EXPECT_EQ(Drain(*w.value()), (std::vector<std::string>{"ADDED default/a"}));

  ASSERT_TRUE(client_.Create(kConfigMaps, Cm("b", "default", {{"app", "db"}})).ok());
  ASSERT_TRUE(client_.Patch(kConfigMaps, "default", "b", PatchType::kMerge,
                            {{"metadata", {{"labels", {{"app", "web"}}}}}}).ok());
  ASSERT_TRUE(client_.Patch(kConfigMaps, "default", "a", PatchType::kMerge,
                            {{"metadata", {{"labels", {{"app", "db"}}}}}}).ok());
  ASSERT_TRUE(client_.Patch(kConfigMaps, "default", "a", PatchType::kMerge, {{"data", {{"k", "z"}}}}).ok());
  ASSERT_TRUE(client_.Delete(kConfigMaps, "default", "b").ok());
  EXPECT_EQ(Drain(*w.value()), (std::vector<std::string>{"ADDED default/b", "DELETED default/a", "DELETED default/b"}));
  EXPECT_EQ(Drain(*by_name.value()),
            (std::vector<std::string>{"ADDED default/b", "MODIFIED default/b", "DELETED default/b"}));
  EXPECT_TRUE(IsAlreadyExists(client_.Create(kConfigMaps, Cm("a"))));  // sanity: a still exists
  EXPECT_FALSE(client_.Watch(kConfigMaps, "", {.label_selector = "app in web"}).ok());
}

TEST_F(FakeClientTest, CancelAndCloseAllWatchesEndStreams) {
  auto a = client_.Watch(kConfigMaps, "default");
  auto b = client_.Watch(kConfigMaps, "default");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(client_.OpenWatches(), 2u);
  ASSERT_TRUE(client_.Create(kConfigMaps, Cm("a")).ok());

  a.value()->Cancel();  // at once, queued events dropped
  EXPECT_EQ(a.value()->Next(milliseconds(0)).value().kind, WatchRead::Kind::kEnd);
  EXPECT_EQ(client_.OpenWatches(), 1u);

  client_.CloseAllWatches();  // queued events first, then the end
  EXPECT_EQ(client_.OpenWatches(), 0u);
  EXPECT_EQ(b.value()->Next(milliseconds(0)).value().kind, WatchRead::Kind::kEvent);
  EXPECT_EQ(b.value()->Next(milliseconds(0)).value().kind, WatchRead::Kind::kEnd);
  ASSERT_TRUE(client_.Create(kConfigMaps, Cm("b")).ok());
  EXPECT_EQ(b.value()->Next(milliseconds(0)).value().kind, WatchRead::Kind::kEnd);

  // A blocked Next returns promptly when another thread cancels.
  auto c = client_.Watch(kConfigMaps, "default", {.resource_version = client_.ResourceVersion()});
  ASSERT_TRUE(c.ok());
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(20));
    c.value()->Cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(c.value()->Next(std::chrono::seconds(30)).value().kind, WatchRead::Kind::kEnd);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  canceller.join();
}

// ---------------------------------------------------------------------------------------------
// Action log and fault injection

TEST_F(FakeClientTest, ActionsRecordEveryCallInOrder) {
  client_.Seed(kConfigMaps, Cm("seeded"));  // not recorded
  (void)client_.Object(kConfigMaps, "default", "seeded");
  (void)client_.Get(kConfigMaps, "default", "a");  // failed calls are recorded too
  (void)client_.List(kConfigMaps, "");
  (void)client_.Create(kDeployments, Deploy("d", 1));
  (void)client_.Update(kDeployments, Deploy("d", 2));
  (void)client_.Patch(kDeployments, "default", "d", PatchType::kMerge, json::object());
  (void)client_.UpdateStatus(kDeployments, Deploy("d", 2));
  (void)client_.PatchStatus(kDeployments, "default", "d", PatchType::kMerge, json::object());
  (void)client_.Watch(kNamespaces, "ignored");
  (void)client_.Delete(kDeployments, "default", "d");
  EXPECT_EQ(client_.Actions(), (std::vector<Action>{
                                   {"get", "configmaps", "default", "a"},
                                   {"list", "configmaps", "", ""},
                                   {"create", "deployments", "default", "d"},
                                   {"update", "deployments", "default", "d"},
                                   {"patch", "deployments", "default", "d"},
                                   {"update-status", "deployments", "default", "d"},
                                   {"patch-status", "deployments", "default", "d"},
                                   {"watch", "namespaces", "", ""},
                                   {"delete", "deployments", "default", "d"},
                               }));
  EXPECT_EQ(ToString(client_.Actions()[0]), "get configmaps default/a");
  EXPECT_EQ(ToString(client_.Actions()[1]), "list configmaps");
  client_.ClearActions();
  EXPECT_TRUE(client_.Actions().empty());
}

TEST_F(FakeClientTest, FailNextIsOneShotInOrderAndChangesNothing) {
  client_.Seed(kConfigMaps, Cm("a"));
  client_.FailNext("update", "configmaps", Err(ErrorKind::kConflict, 409, "first"));
  client_.FailNext("update", "configmaps", Err(ErrorKind::kServerError, 500, "second"));
  client_.FailNext("*", "secrets", Err(ErrorKind::kForbidden, 403, "no secrets"));
  json changed = Cm("a");
  changed["data"]["k"] = "new";

  EXPECT_TRUE(client_.Get(kConfigMaps, "default", "a").ok());  // another verb: not consumed
  auto first = client_.Update(kConfigMaps, changed);
  auto second = client_.Update(kConfigMaps, changed);
  ASSERT_FALSE(first.ok());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(first.error().message, "first");
  EXPECT_EQ(second.error().message, "second");
  EXPECT_EQ(client_.Object(kConfigMaps, "default", "a")->at("data")["k"], "v");
  EXPECT_EQ(client_.ResourceVersion(), "1");
  EXPECT_TRUE(client_.Update(kConfigMaps, changed).ok());  // used up

  auto secret = client_.List(kSecrets, "");
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.error().kind, ErrorKind::kForbidden);
  EXPECT_TRUE(client_.List(kSecrets, "").ok());
  EXPECT_EQ(client_.Actions().size(), 6u);

  ApiError gone = Err(ErrorKind::kGone, 410, "expired");
  client_.FailNext("watch", "configmaps", gone);
  EXPECT_TRUE(IsGone(client_.Watch(kConfigMaps, "default")));
  EXPECT_EQ(client_.OpenWatches(), 0u);
}

TEST_F(FakeClientTest, ReactorDecidesPerActionAndMayCallBack) {
  client_.Seed(kConfigMaps, Cm("a"));
  std::vector<Action> seen;
  client_.SetReactor([&](const Action& a) -> std::optional<ApiError> {
    seen.push_back(a);
    // Re-entrant: a reactor may read the store.
    if (a.verb == "delete" && client_.Object(kConfigMaps, a.ns, a.name).has_value())
      return Err(ErrorKind::kTooManyRequests, 429, "slow down");
    return std::nullopt;
  });
  client_.FailNext("get", "*", Err(ErrorKind::kServerError, 500, "before the reactor"));
  EXPECT_EQ(client_.Get(kConfigMaps, "default", "a").error().message, "before the reactor");
  auto del = client_.Delete(kConfigMaps, "default", "a");
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().kind, ErrorKind::kTooManyRequests);
  EXPECT_TRUE(client_.Object(kConfigMaps, "default", "a").has_value());
  EXPECT_TRUE(IsNotFound(client_.Delete(kConfigMaps, "default", "gone")));
  EXPECT_EQ(seen, (std::vector<Action>{{"delete", "configmaps", "default", "a"},
                                       {"delete", "configmaps", "default", "gone"}}));
  client_.SetReactor(nullptr);
  EXPECT_TRUE(client_.Delete(kConfigMaps, "default", "a").ok());
}

TEST_F(FakeClientTest, ConcurrentReadModifyWriteLoopsLoseNoUpdate) {
  json cm = Cm("counter");
  cm["data"] = {{"n", "0"}};
  client_.Seed(kConfigMaps, cm);
  auto w = client_.Watch(kConfigMaps, "default", {.resource_version = client_.ResourceVersion()});
  ASSERT_TRUE(w.ok());
  constexpr int kThreads = 4, kIncrements = 50;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements;) {
        json got = client_.Get(kConfigMaps, "default", "counter").value();
        got["data"]["n"] = std::to_string(std::stoi(got["data"]["n"].get<std::string>()) + 1);
        auto r = client_.Update(kConfigMaps, got);
        if (r.ok()) ++i;
        else if (IsConflict(r)) ++conflicts;
        else ADD_FAILURE() << r.error().message;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(client_.Object(kConfigMaps, "default", "counter")->at("data")["n"], std::to_string(kThreads * kIncrements));
  EXPECT_EQ(Drain(*w.value()).size(), static_cast<std::size_t>(kThreads * kIncrements));
}

// ---------------------------------------------------------------------------------------------
// The runtime over the fake

TEST_F(FakeClientTest, WatcherRewatchesFromItsResourceVersionAfterCloseAllWatches) {
  client_.Seed(kConfigMaps, Cm("a"));
  StoreWriter store;
  StoreSink sink(store);
  Watcher watcher(client_, clock_, kConfigMaps, sink, {.ns = "default", .poll_timeout = milliseconds(0)});
  EXPECT_EQ(watcher.Step().state, WatcherState::kListing);
  EXPECT_EQ(watcher.Step().state, WatcherState::kWatching);  // listed
  EXPECT_EQ(watcher.Step().state, WatcherState::kWatching);  // watch opened
  ASSERT_TRUE(client_.Create(kConfigMaps, Cm("b")).ok());
  watcher.Step();  // ADDED b
  EXPECT_EQ(store.View().List().size(), 2u);

  client_.CloseAllWatches();
  ASSERT_TRUE(client_.Create(kConfigMaps, Cm("c")).ok());  // while disconnected
  watcher.Step();  // end after an event: re-watch from the last resourceVersion
  watcher.Step();  // watch opened
  watcher.Step();  // ADDED c, replayed
  EXPECT_EQ(store.View().List().size(), 3u);
  EXPECT_NE(store.View().Get("default", "c"), nullptr);
  std::vector<std::string> verbs;
  for (const Action& a : client_.Actions()) verbs.push_back(a.verb);
  EXPECT_EQ(verbs, (std::vector<std::string>{"list", "watch", "create", "create", "watch"}));
}

// Records the requests it is called with.
class RecordingReconciler final : public Reconciler {
 public:
  ReconcileOutcome Reconcile(const Request& req) override {
    std::lock_guard lock(mu_);
    calls_.push_back(req.Key());
    return Result::Done();
  }
  std::vector<std::string> Calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> calls_;
};

// Polls `pred` in real time, bounded: only to wait for the controller's threads.
template <typename Pred>
bool WaitUntil(Pred pred, milliseconds limit = milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

TEST_F(FakeClientTest, ControllerReconcilesConfigMapsCreatedOnTheFakeClient) {
  RecordingReconciler rec;
  Controller ctl("fake-configmaps", rec, clock_);
  StoreView cache = ctl.For(client_, kConfigMaps, {.ns = "default", .poll_timeout = milliseconds(50)});
  ctl.Start();
  ASSERT_TRUE(ctl.WaitForCacheSync(std::chrono::seconds(30)));
  ASSERT_TRUE(WaitUntil([&] { return client_.OpenWatches() == 1; }));  // makes the action order exact

  ASSERT_TRUE(client_.Create(kConfigMaps, Cm("settings")).ok());
  ASSERT_TRUE(client_.Create(kConfigMaps, Cm("elsewhere", "other")).ok());  // not watched
  ASSERT_TRUE(WaitUntil([&] { return rec.Calls().size() == 1; }));
  EXPECT_EQ(rec.Calls()[0], "default/settings");
  EXPECT_NE(cache.Get("default", "settings"), nullptr);

  // The MODIFIED event reconciles again: at least once more (the controller maps both the old and
  // the new object, so a worker picking the key between the two adds reconciles it twice).
  ASSERT_TRUE(client_.Patch(kConfigMaps, "default", "settings", PatchType::kMerge, {{"data", {{"k", "2"}}}}).ok());
  ASSERT_TRUE(WaitUntil([&] { return rec.Calls().size() >= 2; })) << ::testing::PrintToString(client_.Actions());
  ctl.Stop();
  for (const std::string& key : rec.Calls()) EXPECT_EQ(key, "default/settings");
  EXPECT_EQ(client_.Actions(), (std::vector<Action>{{"list", "configmaps", "default", ""},
                                                    {"watch", "configmaps", "default", ""},
                                                    {"create", "configmaps", "default", "settings"},
                                                    {"create", "configmaps", "other", "elsewhere"},
                                                    {"patch", "configmaps", "default", "settings"}}));
  EXPECT_EQ(client_.OpenWatches(), 0u);  // Stop cancelled the stream
}

}  // namespace
}  // namespace jd::kube
