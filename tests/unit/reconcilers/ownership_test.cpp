#include "reconcilers/common/ownership.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace jd::rec {
namespace {

using nlohmann::json;

json Env(const std::string& uid = "uid-env") {
  json e = {{"apiVersion", "justdriving.io/v1alpha1"},
            {"kind", "JustDrivingEnvironment"},
            {"metadata", {{"name", "production"}, {"namespace", "school-a"}}}};
  if (!uid.empty()) e["metadata"]["uid"] = uid;
  return e;
}

json Ref(const std::string& kind, const std::string& name, const std::string& uid,
         bool controller) {
  return {{"apiVersion", "justdriving.io/v1alpha1"}, {"kind", kind}, {"name", name},
          {"uid", uid}, {"controller", controller}, {"blockOwnerDeletion", controller}};
}

TEST(OwnerReference, BuildsControllerReference) {
  auto ref = OwnerReference(Env());
  ASSERT_TRUE(ref.ok()) << ref.error().message;
  EXPECT_EQ(ref.value(), json({{"apiVersion", "justdriving.io/v1alpha1"},
                               {"kind", "JustDrivingEnvironment"},
                               {"name", "production"},
                               {"uid", "uid-env"},
                               {"controller", true},
                               {"blockOwnerDeletion", true}}));
}

TEST(OwnerReference, ErrorsNameTheMissingField) {
  struct Case {
    json owner;
    std::string message;
  };
  json no_kind = Env();
  no_kind.erase("kind");
  json no_api = Env();
  no_api.erase("apiVersion");
  json no_name = Env();
  no_name["metadata"].erase("name");
  const std::vector<Case> cases = {
      {Env(""), "owner reference: the owner has no metadata.uid; pass the object as read from the "
                "API server"},
      {no_kind, "owner reference: the owner has no kind; pass the object as read from the API "
                "server"},
      {no_api, "owner reference: the owner has no apiVersion; pass the object as read from the "
               "API server"},
      {no_name, "owner reference: the owner has no metadata.name; pass the object as read from "
                "the API server"},
      {json(), "owner reference: the owner has no apiVersion; pass the object as read from the "
               "API server"},
  };
  for (const auto& c : cases) {
    auto ref = OwnerReference(c.owner);
    ASSERT_FALSE(ref.ok()) << c.owner.dump();
    EXPECT_EQ(ref.error().message, c.message);
  }
}

TEST(StandardLabels, Table) {
  struct Case {
    std::string env, component, version, release;
    json labels;
  };
  const std::vector<Case> cases = {
      {"production", "migration", "2.14.0", "production-2-14-0",
       {{"app.kubernetes.io/name", "justdriving"},
        {"app.kubernetes.io/instance", "production"},
        {"app.kubernetes.io/component", "migration"},
        {"app.kubernetes.io/version", "2.14.0"},
        {"app.kubernetes.io/managed-by", "justdriving-operator"},
        {"justdriving.io/environment", "production"},
        {"justdriving.io/release", "production-2-14-0"}}},
      {"staging", "smoke-test", "", "",
       {{"app.kubernetes.io/name", "justdriving"},
        {"app.kubernetes.io/instance", "staging"},
        {"app.kubernetes.io/component", "smoke-test"},
        {"app.kubernetes.io/managed-by", "justdriving-operator"},
        {"justdriving.io/environment", "staging"}}},
      {"staging", "web", "1.0.0+build.5", "r",
       {{"app.kubernetes.io/name", "justdriving"},
        {"app.kubernetes.io/instance", "staging"},
        {"app.kubernetes.io/component", "web"},
        {"app.kubernetes.io/version", "1.0.0_build.5"},
        {"app.kubernetes.io/managed-by", "justdriving-operator"},
        {"justdriving.io/environment", "staging"},
        {"justdriving.io/release", "r"}}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(StandardLabels(c.env, c.component, c.version, c.release), c.labels) << c.version;
  }
}

TEST(LabelValue, Table) {
  struct Case {
    std::string in, out;
  };
  const std::vector<Case> cases = {
      {"2.14.0", "2.14.0"},
      {"v1.0.0+meta", "v1.0.0_meta"},
      {"-leading.and.trailing-", "leading.and.trailing"},
      {"sha256:abc", "sha256_abc"},
      {"", ""},
      {"+++", ""},
      {std::string(70, 'a'), std::string(63, 'a')},
      {std::string(62, 'a') + "-b", std::string(62, 'a')},  // cut at 63 then trailing '-' trimmed
  };
  for (const auto& c : cases) EXPECT_EQ(LabelValue(c.in), c.out) << c.in;
}

TEST(SetControllerOwner, Table) {
  struct Case {
    std::string name;
    json obj;
    bool ok;
    bool changed;
    json refs;            // expected ownerReferences when ok
    std::string message;  // expected error when !ok
  };
  const json mine = Ref("JustDrivingEnvironment", "production", "uid-env", true);
  const json other_plain = Ref("ConfigMap", "x", "uid-x", false);
  const std::vector<Case> cases = {
      {"adds to an object without metadata", json::object(), true, true, json::array({mine}), ""},
      {"keeps other non-controller refs",
       {{"metadata", {{"ownerReferences", json::array({other_plain})}}}},
       true, true, json::array({other_plain, mine}), ""},
      {"already set: no change",
       {{"metadata", {{"ownerReferences", json::array({mine})}}}},
       true, false, json::array({mine}), ""},
      {"same uid, not controller: replaced in place",
       {{"metadata",
         {{"ownerReferences",
           json::array({Ref("JustDrivingEnvironment", "production", "uid-env", false),
                        other_plain})}}}},
       true, true, json::array({mine, other_plain}), ""},
      {"another controller: refused",
       {{"metadata",
         {{"ownerReferences",
           json::array({Ref("JustDrivingRelease", "production-2-14-0", "uid-rel", true)})}}}},
       false, false, nullptr,
       "metadata.ownerReferences: already controlled by JustDrivingRelease production-2-14-0; "
       "delete the object or remove that owner reference so the operator can own it"},
  };
  for (const auto& c : cases) {
    json obj = c.obj;
    auto r = SetControllerOwner(obj, Env());
    ASSERT_EQ(r.ok(), c.ok) << c.name;
    if (c.ok) {
      EXPECT_EQ(r.value(), c.changed) << c.name;
      EXPECT_EQ(obj["metadata"]["ownerReferences"], c.refs) << c.name;
    } else {
      EXPECT_EQ(r.error().message, c.message) << c.name;
      EXPECT_EQ(obj, c.obj) << c.name << ": refused call must not modify";
    }
  }
}

TEST(SetControllerOwner, OwnerWithoutUidIsAnError) {
  json obj = json::object();
  auto r = SetControllerOwner(obj, Env(""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "owner reference: the owner has no metadata.uid; pass the object as read from the API "
            "server");
}

}  // namespace
}  // namespace jd::rec
