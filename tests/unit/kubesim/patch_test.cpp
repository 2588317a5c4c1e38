// Tests for patch.{h,cpp}: RFC 7386 merge patch, RFC 6902 JSON patch, strategic merge patch.
#include "patch.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kubesim {
namespace {

using nlohmann::json;

json J(const char* text) { return json::parse(text); }

// ---------------------------------------------------------------------------------------------
// RFC 7386
// ---------------------------------------------------------------------------------------------

struct MergeCase {
  std::string name;
  json target;
  json patch;
  json want;
};

TEST(ApplyMergePatchTest, Rfc7386AppendixAAndMore) {
  const std::vector<MergeCase> cases = {
      // RFC 7386 Appendix A, one row each.
      {"replace member", J(R"({"a":"b"})"), J(R"({"a":"c"})"), J(R"({"a":"c"})")},
      {"add member", J(R"({"a":"b"})"), J(R"({"b":"c"})"), J(R"({"a":"b","b":"c"})")},
      {"null deletes", J(R"({"a":"b"})"), J(R"({"a":null})"), J(R"({})")},
      {"null deletes one", J(R"({"a":"b","b":"c"})"), J(R"({"a":null})"), J(R"({"b":"c"})")},
      {"string replaces array", J(R"({"a":["b"]})"), J(R"({"a":"c"})"), J(R"({"a":"c"})")},
      {"array replaces string", J(R"({"a":"c"})"), J(R"({"a":["b"]})"), J(R"({"a":["b"]})")},
      {"nested merge and delete", J(R"({"a":{"b":"c"}})"), J(R"({"a":{"b":"d","c":null}})"), J(R"({"a":{"b":"d"}})")},
      {"arrays are replaced", J(R"({"a":[{"b":"c"}]})"), J(R"({"a":[1]})"), J(R"({"a":[1]})")},
      {"array target and patch", J(R"(["a","b"])"), J(R"(["c","d"])"), J(R"(["c","d"])")},
      {"array patch replaces object", J(R"({"a":"b"})"), J(R"(["c"])"), J(R"(["c"])")},
      {"null patch replaces", J(R"({"a":"foo"})"), json(), json()},
      {"string patch replaces", J(R"({"a":"foo"})"), json("bar"), json("bar")},
      {"existing null kept", J(R"({"e":null})"), J(R"({"a":1})"), J(R"({"e":null,"a":1})")},
      {"object patch on array target", J(R"([1,2])"), J(R"({"a":"b","c":null})"), J(R"({"a":"b"})")},
      {"nested nulls dropped on new member", J(R"({})"), J(R"({"a":{"bb":{"ccc":null}}})"), J(R"({"a":{"bb":{}}})")},
      // RFC 7386 section 3 example.
      {"rfc7386 section 3",
       J(R"({"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],
             "content":"This will be unchanged"})"),
       J(R"({"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]})"),
       J(R"({"title":"Hello!","author":{"givenName":"John"},"tags":["example"],"content":"This will be unchanged",
             "phoneNumber":"+01-123-456-7890"})")},
      // Kubernetes-flavoured.
      {"remove a label", J(R"({"metadata":{"name":"x","labels":{"app":"a","tier":"web"}}})"),
       J(R"({"metadata":{"labels":{"tier":null}}})"), J(R"({"metadata":{"name":"x","labels":{"app":"a"}}})")},
      {"containers list replaced whole",
       J(R"({"spec":{"containers":[{"name":"a","image":"1"},{"name":"b","image":"2"}]}})"),
       J(R"({"spec":{"containers":[{"name":"b","image":"3"}]}})"),
       J(R"({"spec":{"containers":[{"name":"b","image":"3"}]}})")},
      {"empty patch is identity", J(R"({"a":{"b":[1]}})"), J(R"({})"), J(R"({"a":{"b":[1]}})")},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Result<json> got = ApplyMergePatch(c.target, c.patch);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got.value(), c.want) << got.value().dump();
  }
}

// ---------------------------------------------------------------------------------------------
// RFC 6902
// ---------------------------------------------------------------------------------------------

struct JsonPatchCase {
  std::string name;
  json doc;
  json patch;
  json want;               // checked when want_code == 0
  int want_code = 0;       // 400 or 422 for errors
  std::string want_error{};  // substring of the message
};

TEST(ApplyJsonPatchTest, OperationsAndErrors) {
  const std::vector<JsonPatchCase> cases = {
      // RFC 6902 Appendix A.
      {"A.1 add object member", J(R"({"foo":"bar"})"), J(R"([{"op":"add","path":"/baz","value":"qux"}])"),
       J(R"({"baz":"qux","foo":"bar"})")},
      {"A.2 add array element", J(R"({"foo":["bar","baz"]})"), J(R"([{"op":"add","path":"/foo/1","value":"qux"}])"),
       J(R"({"foo":["bar","qux","baz"]})")},
      {"A.3 remove object member", J(R"({"baz":"qux","foo":"bar"})"), J(R"([{"op":"remove","path":"/baz"}])"),
       J(R"({"foo":"bar"})")},
      {"A.4 remove array element", J(R"({"foo":["bar","qux","baz"]})"), J(R"([{"op":"remove","path":"/foo/1"}])"),
       J(R"({"foo":["bar","baz"]})")},
      {"A.5 replace value", J(R"({"baz":"qux","foo":"bar"})"),
       J(R"([{"op":"replace","path":"/baz","value":"boo"}])"), J(R"({"baz":"boo","foo":"bar"})")},
      {"A.6 move value", J(R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})"),
       J(R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])"),
       J(R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})")},
      {"A.7 move array element", J(R"({"foo":["all","grass","cows","eat"]})"),
       J(R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])"), J(R"({"foo":["all","cows","eat","grass"]})")},
      {"A.8 test success", J(R"({"baz":"qux","foo":["a",2,"c"]})"),
       J(R"([{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}])"),
       J(R"({"baz":"qux","foo":["a",2,"c"]})")},
      {"A.9 test error", J(R"({"baz":"qux"})"), J(R"([{"op":"test","path":"/baz","value":"bar"}])"), {}, 422,
       "operation 0 (test \"/baz\"): test failed"},
      {"A.10 add nested member object", J(R"({"foo":"bar"})"),
       J(R"([{"op":"add","path":"/child","value":{"grandchild":{}}}])"),
       J(R"({"foo":"bar","child":{"grandchild":{}}})")},
      {"A.11 ignore unrecognized members", J(R"({"foo":"bar"})"),
       J(R"([{"op":"add","path":"/baz","value":"qux","xyz":123}])"), J(R"({"foo":"bar","baz":"qux"})")},
      {"A.12 add to nonexistent target", J(R"({"foo":"bar"})"),
       J(R"([{"op":"add","path":"/baz/bat","value":"qux"}])"), {}, 422, "path \"/baz\" does not exist"},
      {"A.14 escape ordering", J(R"({"/":9,"~1":10})"), J(R"([{"op":"test","path":"/~01","value":10}])"),
       J(R"({"/":9,"~1":10})")},
      {"A.15 string is not number", J(R"({"/":9,"~1":10})"), J(R"([{"op":"test","path":"/~01","value":"10"}])"), {},
       422, "test failed"},
      {"A.16 add array value", J(R"({"foo":["bar"]})"), J(R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])"),
       J(R"({"foo":["bar",["abc","def"]]})")},
      // More operations.
      {"~1 escape names a slash", J(R"({"a/b":1})"), J(R"([{"op":"replace","path":"/a~1b","value":2}])"),
       J(R"({"a/b":2})")},
      {"add replaces existing member", J(R"({"a":1})"), J(R"([{"op":"add","path":"/a","value":2}])"), J(R"({"a":2})")},
      {"add at array end by index", J(R"({"a":[1]})"), J(R"([{"op":"add","path":"/a/1","value":2}])"),
       J(R"({"a":[1,2]})")},
      {"add whole document", J(R"({"a":1})"), J(R"([{"op":"add","path":"","value":{"b":2}}])"), J(R"({"b":2})")},
      {"replace whole document", J(R"({"a":1})"), J(R"([{"op":"replace","path":"","value":[1]}])"), J(R"([1])")},
      {"copy", J(R"({"a":{"x":1},"b":{}})"), J(R"([{"op":"copy","from":"/a","path":"/b/c"}])"),
       J(R"({"a":{"x":1},"b":{"c":{"x":1}}})")},
      {"move to same place", J(R"({"a":1})"), J(R"([{"op":"move","from":"/a","path":"/a"}])"), J(R"({"a":1})")},
      {"test numbers compare by value", J(R"({"a":1})"), J(R"([{"op":"test","path":"/a","value":1.0}])"),
       J(R"({"a":1})")},
      {"test whole object", J(R"({"a":{"b":[1,2]}})"), J(R"([{"op":"test","path":"/a","value":{"b":[1,2]}}])"),
       J(R"({"a":{"b":[1,2]}})")},
      {"ops apply in sequence", J(R"({"metadata":{"labels":{"a":"1"}}})"),
       J(R"([{"op":"add","path":"/metadata/labels/b","value":"2"},
             {"op":"remove","path":"/metadata/labels/a"},
             {"op":"add","path":"/metadata/annotations","value":{}},
             {"op":"copy","from":"/metadata/labels/b","path":"/metadata/annotations/b"}])"),
       J(R"({"metadata":{"labels":{"b":"2"},"annotations":{"b":"2"}}})")},
      {"kubectl scale style replace", J(R"({"spec":{"replicas":1}})"),
       J(R"([{"op":"replace","path":"/spec/replicas","value":3}])"), J(R"({"spec":{"replicas":3}})")},
      {"empty patch", J(R"({"a":1})"), J(R"([])"), J(R"({"a":1})")},
      {"append a finalizer with -", J(R"({"metadata":{"finalizers":["a"]}})"),
       J(R"([{"op":"add","path":"/metadata/finalizers/-","value":"b"}])"), J(R"({"metadata":{"finalizers":["a","b"]}})")},
      {"- is a plain key in an object", J(R"({})"), J(R"([{"op":"add","path":"/-","value":1}])"), J(R"({"-":1})")},
      {"test the whole document", J(R"({"a":1})"), J(R"([{"op":"test","path":"","value":{"a":1}}])"), J(R"({"a":1})")},
      {"remove the whole document", J(R"({"a":1})"), J(R"([{"op":"remove","path":""}])"), {}, 422,
       "cannot remove the whole document"},
      // Application errors: 422.
      {"remove missing member", J(R"({"a":1})"), J(R"([{"op":"remove","path":"/b"}])"), {}, 422,
       "operation 0 (remove \"/b\"): path \"/b\" does not exist"},
      {"replace missing member", J(R"({"a":1})"), J(R"([{"op":"replace","path":"/b","value":1}])"), {}, 422,
       "replace \"/b\""},
      {"array index out of range", J(R"({"a":[1]})"), J(R"([{"op":"add","path":"/a/5","value":2}])"), {}, 422,
       "out of range"},
      {"leading zero index", J(R"({"a":[1,2]})"), J(R"([{"op":"remove","path":"/a/01"}])"), {}, 422, "out of range"},
      {"dash only for add", J(R"({"a":[1]})"), J(R"([{"op":"remove","path":"/a/-"}])"), {}, 422, "out of range"},
      {"add under a scalar", J(R"({"a":1})"), J(R"([{"op":"add","path":"/a/b","value":1}])"), {}, 422,
       "not an object or array"},
      {"move into own child", J(R"({"a":{"b":1}})"), J(R"([{"op":"move","from":"/a","path":"/a/c"}])"), {}, 422,
       "into its own child"},
      {"copy from missing", J(R"({"a":1})"), J(R"([{"op":"copy","from":"/x","path":"/y"}])"), {}, 422,
       "copy \"/y\" from \"/x\""},
      {"failure is all or nothing", J(R"({"a":1})"),
       J(R"([{"op":"add","path":"/b","value":2},{"op":"test","path":"/a","value":5}])"), {}, 422,
       "operation 1 (test \"/a\")"},
      // Malformed documents: 400.
      {"not an array", J(R"({"a":1})"), J(R"({"op":"add","path":"/a","value":1})"), {}, 400, "must be an array"},
      {"operation not an object", J(R"({"a":1})"), J(R"(["add"])"), {}, 400, "operation 0: must be an object"},
      {"unknown op", J(R"({"a":1})"), J(R"([{"op":"frobnicate","path":"/a"}])"), {}, 400,
       "unknown op \"frobnicate\""},
      {"unknown op reported before earlier op fails", J(R"({"a":1})"),
       J(R"([{"op":"remove","path":"/zzz"},{"op":"merge","path":"/a"}])"), {}, 400, "operation 1"},
      {"missing op", J(R"({"a":1})"), J(R"([{"path":"/a"}])"), {}, 400, "missing string member \"op\""},
      {"missing path", J(R"({"a":1})"), J(R"([{"op":"remove"}])"), {}, 400, "missing string member \"path\""},
      {"missing value", J(R"({"a":1})"), J(R"([{"op":"add","path":"/b"}])"), {}, 400, "missing member \"value\""},
      {"missing from", J(R"({"a":1})"), J(R"([{"op":"move","path":"/b"}])"), {}, 400, "missing string member \"from\""},
      {"pointer without slash", J(R"({"a":1})"), J(R"([{"op":"remove","path":"a"}])"), {}, 400,
       "invalid JSON pointer \"a\""},
      {"bad escape", J(R"({"a":1})"), J(R"([{"op":"remove","path":"/a~2"}])"), {}, 400, "invalid JSON pointer"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Result<json> got = ApplyJsonPatch(c.doc, c.patch);
    if (c.want_code == 0) {
      ASSERT_TRUE(got.ok()) << got.error().message;
      EXPECT_EQ(got.value(), c.want) << got.value().dump();
      continue;
    }
    ASSERT_FALSE(got.ok()) << got.value().dump();
    EXPECT_EQ(got.error().code, c.want_code);
    EXPECT_EQ(got.error().reason, c.want_code == 400 ? "BadRequest" : "Invalid");
    EXPECT_NE(got.error().message.find(c.want_error), std::string::npos) << got.error().message;
  }
}

// ---------------------------------------------------------------------------------------------
// Strategic merge patch
// ---------------------------------------------------------------------------------------------

// A two-container Deployment as stored.
json Deployment() {
  return J(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web", "tier": "frontend"},
                 "finalizers": ["a.example.com/x", "b.example.com/y"]},
    "spec": {
      "replicas": 2,
      "selector": {"matchLabels": {"app": "web"}},
      "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
      "template": {
        "metadata": {"labels": {"app": "web"}},
        "spec": {
          "containers": [
            {"name": "app", "image": "nginx:1.25",
             "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}],
             "ports": [{"containerPort": 80, "protocol": "TCP"}]},
            {"name": "sidecar", "image": "busybox:1.36", "args": ["sleep", "3600"]}
          ],
          "volumes": [{"name": "data", "emptyDir": {}}],
          "tolerations": [{"key": "k1", "operator": "Exists"}]
        }
      }
    }
  })");
}

struct SmpCase {
  std::string name;
  json target;
  json patch;
  json want;  // the whole result when want_code == 0
  int want_code = 0;
  std::string want_error{};
};

void RunSmpCases(const std::vector<SmpCase>& cases, const FieldTypes& types) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Result<json> got = ApplyStrategicMergePatch(c.target, c.patch, types);
    if (c.want_code == 0) {
      ASSERT_TRUE(got.ok()) << got.error().message;
      EXPECT_EQ(got.value(), c.want) << "got:  " << got.value().dump() << "\nwant: " << c.want.dump();
      continue;
    }
    ASSERT_FALSE(got.ok()) << got.value().dump();
    EXPECT_EQ(got.error().code, c.want_code);
    EXPECT_EQ(got.error().reason, c.want_code == 400 ? "BadRequest" : "Invalid");
    EXPECT_NE(got.error().message.find(c.want_error), std::string::npos) << got.error().message;
  }
}

// Returns Deployment() with `edit` applied through a JSON merge patch (to state expectations).
json DeploymentWith(const char* merge_patch) { return ApplyMergePatch(Deployment(), J(merge_patch)).value(); }

// Replaces the containers of Deployment() with `containers`.
json DeploymentWithContainers(const char* containers) {
  json d = Deployment();
  d["spec"]["template"]["spec"]["containers"] = J(containers);
  return d;
}

TEST(ApplyStrategicMergePatchTest, KubectlDeploymentPatches) {
  const std::vector<SmpCase> cases = {
      {"change one image with $setElementOrder (kubectl apply)", Deployment(),
       J(R"({"spec":{"template":{"spec":{
             "$setElementOrder/containers":[{"name":"app"},{"name":"sidecar"}],
             "containers":[{"image":"busybox:1.37","name":"sidecar"}]}}}})"),
       DeploymentWithContainers(R"([
            {"name": "app", "image": "nginx:1.25",
             "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}],
             "ports": [{"containerPort": 80, "protocol": "TCP"}]},
            {"name": "sidecar", "image": "busybox:1.37", "args": ["sleep", "3600"]}])")},
      {"change first image without order directive (kubectl set image style)", Deployment(),
       J(R"({"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.27"}]}}}})"),
       DeploymentWithContainers(R"([
            {"name": "app", "image": "nginx:1.27",
             "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}],
             "ports": [{"containerPort": 80, "protocol": "TCP"}]},
            {"name": "sidecar", "image": "busybox:1.36", "args": ["sleep", "3600"]}])")},
      {"delete an env var with $patch: delete (kubectl apply)", Deployment(),
       J(R"({"spec":{"template":{"spec":{
             "$setElementOrder/containers":[{"name":"app"},{"name":"sidecar"}],
             "containers":[{"name":"app",
                            "$setElementOrder/env":[{"name":"A"},{"name":"C"}],
                            "env":[{"$patch":"delete","name":"B"}]}]}}}})"),
       DeploymentWithContainers(R"([
            {"name": "app", "image": "nginx:1.25",
             "env": [{"name": "A", "value": "1"}, {"name": "C", "value": "3"}],
             "ports": [{"containerPort": 80, "protocol": "TCP"}]},
            {"name": "sidecar", "image": "busybox:1.36", "args": ["sleep", "3600"]}])")},
      {"add and reorder env with $setElementOrder", Deployment(),
       J(R"({"spec":{"template":{"spec":{"containers":[{"name":"app",
             "$setElementOrder/env":[{"name":"C"},{"name":"A"},{"name":"D"},{"name":"B"}],
             "env":[{"name":"D","value":"4"}]}]}}}})"),
       DeploymentWithContainers(R"([
            {"name": "app", "image": "nginx:1.25",
             "env": [{"name": "C", "value": "3"}, {"name": "A", "value": "1"}, {"name": "D", "value": "4"},
                     {"name": "B", "value": "2"}],
             "ports": [{"containerPort": 80, "protocol": "TCP"}]},
            {"name": "sidecar", "image": "busybox:1.36", "args": ["sleep", "3600"]}])")},
      {"remove a label with null", Deployment(), J(R"({"metadata":{"labels":{"tier":null}}})"),
       DeploymentWith(R"({"metadata":{"labels":{"tier":null}}})")},
      {"remove a container field with null", Deployment(),
       J(R"({"spec":{"template":{"spec":{"containers":[{"name":"sidecar","args":null}]}}}})"),
       DeploymentWithContainers(R"([
            {"name": "app", "image": "nginx:1.25",
             "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}],
             "ports": [{"containerPort": 80, "protocol": "TCP"}]},
            {"name": "sidecar", "image": "busybox:1.36"}])")},
      {"scale and add annotation (kubectl patch)", Deployment(),
       J(R"({"spec":{"replicas":5},"metadata":{"annotations":{"note":"x"}}})"),
       DeploymentWith(R"({"spec":{"replicas":5},"metadata":{"annotations":{"note":"x"}}})")},
      {"kubectl rollout restart annotation on the template", Deployment(),
       J(R"({"spec":{"template":{"metadata":{"annotations":{
             "kubectl.kubernetes.io/restartedAt":"2025-01-01T00:00:00Z"}}}}})"),
       DeploymentWith(R"({"spec":{"template":{"metadata":{"annotations":{
             "kubectl.kubernetes.io/restartedAt":"2025-01-01T00:00:00Z"}}}}})")},
      {"new container without order goes first, as the API server does", Deployment(),
       J(R"({"spec":{"template":{"spec":{"containers":[{"name":"log","image":"fluent-bit"}]}}}})"),
       DeploymentWithContainers(R"([
            {"name": "log", "image": "fluent-bit"},
            {"name": "app", "image": "nginx:1.25",
             "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}],
             "ports": [{"containerPort": 80, "protocol": "TCP"}]},
            {"name": "sidecar", "image": "busybox:1.36", "args": ["sleep", "3600"]}])")},
      {"new container with $setElementOrder lands where ordered", Deployment(),
       J(R"({"spec":{"template":{"spec":{
             "$setElementOrder/containers":[{"name":"app"},{"name":"log"},{"name":"sidecar"}],
             "containers":[{"name":"log","image":"fluent-bit"}]}}}})"),
       DeploymentWithContainers(R"([
            {"name": "app", "image": "nginx:1.25",
             "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}],
             "ports": [{"containerPort": 80, "protocol": "TCP"}]},
            {"name": "log", "image": "fluent-bit"},
            {"name": "sidecar", "image": "busybox:1.36", "args": ["sleep", "3600"]}])")},
      {"server-only container keeps its place", Deployment(),
       J(R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"app"}],
             "containers":[{"name":"app","image":"nginx:1.26"}]}}}})"),
       DeploymentWithContainers(R"([
            {"name": "app", "image": "nginx:1.26",
             "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}],
             "ports": [{"containerPort": 80, "protocol": "TCP"}]},
            {"name": "sidecar", "image": "busybox:1.36", "args": ["sleep", "3600"]}])")},
      {"reorder containers only", Deployment(),
       J(R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"sidecar"},{"name":"app"}]}}}})"),
       DeploymentWithContainers(R"([
            {"name": "sidecar", "image": "busybox:1.36", "args": ["sleep", "3600"]},
            {"name": "app", "image": "nginx:1.25",
             "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}],
             "ports": [{"containerPort": 80, "protocol": "TCP"}]}])")},
      {"delete a container", Deployment(),
       J(R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"app"}],
             "containers":[{"$patch":"delete","name":"sidecar"}]}}}})"),
       DeploymentWithContainers(R"([
            {"name": "app", "image": "nginx:1.25",
             "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}],
             "ports": [{"containerPort": 80, "protocol": "TCP"}]}])")},
      {"container port merged by containerPort", Deployment(),
       J(R"({"spec":{"template":{"spec":{"containers":[{"name":"app",
             "ports":[{"containerPort":80,"name":"http"},{"containerPort":443}]}]}}}})"),
       DeploymentWithContainers(R"([
            {"name": "app", "image": "nginx:1.25",
             "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}],
             "ports": [{"containerPort": 80, "protocol": "TCP", "name": "http"}, {"containerPort": 443}]},
            {"name": "sidecar", "image": "busybox:1.36", "args": ["sleep", "3600"]}])")},
      {"tolerations are atomic", Deployment(),
       J(R"({"spec":{"template":{"spec":{"tolerations":[{"key":"k2","operator":"Exists"}]}}}})"),
       DeploymentWith(R"({"spec":{"template":{"spec":{"tolerations":[{"key":"k2","operator":"Exists"}]}}}})")},
      {"args are atomic", Deployment(),
       J(R"({"spec":{"template":{"spec":{"containers":[{"name":"sidecar","args":["sleep","10"]}]}}}})"),
       DeploymentWithContainers(R"([
            {"name": "app", "image": "nginx:1.25",
             "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}],
             "ports": [{"containerPort": 80, "protocol": "TCP"}]},
            {"name": "sidecar", "image": "busybox:1.36", "args": ["sleep", "10"]}])")},
      {"strategy switch with $retainKeys (kubectl apply)", Deployment(),
       J(R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":null}}})"),
       DeploymentWith(R"({"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}})")},
      {"strategy $retainKeys clears keys not sent", Deployment(),
       J(R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}})"),
       DeploymentWith(R"({"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}})")},
      {"volume source switch with $retainKeys", Deployment(),
       J(R"({"spec":{"template":{"spec":{"volumes":[
             {"$retainKeys":["configMap","name"],"configMap":{"name":"cfg"},"name":"data"}]}}}})"),
       DeploymentWith(R"({"spec":{"template":{"spec":{"volumes":[{"name":"data","configMap":{"name":"cfg"}}]}}}})")},
      {"finalizers: kubectl's parallel deletion list and order", Deployment(),
       J(R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["a.example.com/x"],
             "$setElementOrder/finalizers":["c.example.com/z","b.example.com/y"],
             "finalizers":["c.example.com/z"]}})"),
       DeploymentWith(R"({"metadata":{"finalizers":["c.example.com/z","b.example.com/y"]}})")},
      {"finalizers are a set: union", Deployment(),
       J(R"({"metadata":{"finalizers":["b.example.com/y","c.example.com/z"]}})"),
       DeploymentWith(R"({"metadata":{"finalizers":["a.example.com/x","b.example.com/y","c.example.com/z"]}})")},
      {"$deleteFromPrimitiveList of an absent list is a no-op", DeploymentWith(R"({"metadata":{"finalizers":null}})"),
       J(R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["x"]}})"),
       DeploymentWith(R"({"metadata":{"finalizers":null}})")},
      {"replace the container list with $patch: replace", Deployment(),
       J(R"({"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"only","image":"x"}]}}}})"),
       DeploymentWithContainers(R"([{"name":"only","image":"x"}])")},
      {"replace the labels map with $patch: replace", Deployment(),
       J(R"({"metadata":{"labels":{"$patch":"replace","app":"web2"}}})"),
       [] {
         json d = Deployment();
         d["metadata"]["labels"] = J(R"({"app":"web2"})");
         return d;
       }()},
      {"delete a map with $patch: delete", Deployment(), J(R"({"spec":{"strategy":{"$patch":"delete"}}})"),
       DeploymentWith(R"({"spec":{"strategy":null}})")},
      {"$patch: merge is the default", Deployment(),
       J(R"({"metadata":{"labels":{"$patch":"merge","tier":"backend"}}})"),
       DeploymentWith(R"({"metadata":{"labels":{"tier":"backend"}}})")},
      {"env value replaced by valueFrom", Deployment(),
       J(R"({"spec":{"template":{"spec":{"containers":[{"name":"app","env":[
             {"name":"A","value":null,"valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}]}]}}}})"),
       DeploymentWithContainers(R"([
            {"name": "app", "image": "nginx:1.25",
             "env": [{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                     {"name": "B", "value": "2"}, {"name": "C", "value": "3"}],
             "ports": [{"containerPort": 80, "protocol": "TCP"}]},
            {"name": "sidecar", "image": "busybox:1.36", "args": ["sleep", "3600"]}])")},
      {"whole object $patch: delete gives {}", Deployment(), J(R"({"$patch":"delete"})"), J(R"({})")},
  };
  RunSmpCases(cases, BuiltinFieldTypes("apps", "Deployment"));
}

TEST(ApplyStrategicMergePatchTest, DirectivesNeverLeakIntoNewValues) {
  // Values that have no live counterpart still lose their directives and nulls.
  const std::vector<SmpCase> cases = {
      {"new map with directives and nulls", J(R"({"spec":{}})"),
       J(R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","x":null}}})"),
       J(R"({"spec":{"strategy":{"type":"Recreate"}}})")},
      {"new list with directive elements", J(R"({"spec":{"template":{"spec":{}}}})"),
       J(R"({"spec":{"template":{"spec":{
             "$setElementOrder/containers":[{"name":"a"},{"name":"b"}],
             "containers":[{"name":"a","image":"1"},{"name":"b","image":"2","env":[{"$patch":"delete","name":"X"}]}]}}}})"),
       J(R"({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"1"},{"name":"b","image":"2","env":[]}]}}}})")},
      {"new map deleted by $patch: delete is not added", J(R"({"spec":{}})"),
       J(R"({"spec":{"strategy":{"$patch":"delete"}}})"), J(R"({"spec":{}})")},
      {"type change: list replaces scalar, cleaned", J(R"({"spec":{"template":{"spec":{"containers":"oops"}}}})"),
       J(R"({"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"a"}]}}}})"),
       J(R"({"spec":{"template":{"spec":{"containers":[{"name":"a"}]}}}})")},
      {"$patch: replace at the root", J(R"({"a":1,"b":{"c":2}})"), J(R"({"$patch":"replace","b":{"d":3}})"),
       J(R"({"b":{"d":3}})")},
      {"unmatched null is dropped", J(R"({"a":1})"), J(R"({"b":null})"), J(R"({"a":1})")},
  };
  RunSmpCases(cases, BuiltinFieldTypes("apps", "Deployment"));
}

TEST(ApplyStrategicMergePatchTest, OtherBuiltinKinds) {
  {
    SCOPED_TRACE("Service");
    const json svc = J(R"({"spec":{"ports":[{"name":"http","port":80,"targetPort":8080},
                                            {"name":"https","port":443,"targetPort":8443}],
                                   "selector":{"app":"web"}}})");
    RunSmpCases(
        {
            {"merge a port by port number", svc, J(R"({"spec":{"ports":[{"port":443,"targetPort":9443}]}})"),
             J(R"({"spec":{"ports":[{"name":"http","port":80,"targetPort":8080},
                                     {"name":"https","port":443,"targetPort":9443}],
                           "selector":{"app":"web"}}})")},
            {"selector map merges", svc, J(R"({"spec":{"selector":{"app":null,"name":"web"}}})"),
             J(R"({"spec":{"ports":[{"name":"http","port":80,"targetPort":8080},
                                     {"name":"https","port":443,"targetPort":8443}],
                           "selector":{"name":"web"}}})")},
            {"port without merge key", svc, J(R"({"spec":{"ports":[{"targetPort":1}]}})"), {}, 422,
             "does not contain declared merge key: port"},
        },
        BuiltinFieldTypes("", "Service"));
  }
  {
    SCOPED_TRACE("ServiceAccount");
    RunSmpCases({{"imagePullSecrets merged by name", J(R"({"imagePullSecrets":[{"name":"a"}]})"),
                  J(R"({"imagePullSecrets":[{"name":"b"}]})"), J(R"({"imagePullSecrets":[{"name":"b"},{"name":"a"}]})")}},
                BuiltinFieldTypes("", "ServiceAccount"));
  }
  {
    SCOPED_TRACE("ConfigMap");
    RunSmpCases(
        {
            {"ownerReferences merged by uid",
             J(R"({"metadata":{"ownerReferences":[{"uid":"1","kind":"A","name":"a"}]},"data":{"k":"v"}})"),
             J(R"({"metadata":{"ownerReferences":[{"uid":"1","controller":true},{"uid":"2","kind":"B","name":"b"}]}})"),
             J(R"({"metadata":{"ownerReferences":[{"uid":"1","kind":"A","name":"a","controller":true},
                                                  {"uid":"2","kind":"B","name":"b"}]},
                   "data":{"k":"v"}})")},
            {"data key removed", J(R"({"data":{"k":"v","k2":"v2"}})"), J(R"({"data":{"k":null}})"),
             J(R"({"data":{"k2":"v2"}})")},
        },
        BuiltinFieldTypes("", "ConfigMap"));
  }
  {
    SCOPED_TRACE("Pod status conditions");
    RunSmpCases({{"condition merged by type",
                  J(R"({"status":{"conditions":[{"type":"Ready","status":"False"},{"type":"Initialized","status":"True"}]}})"),
                  J(R"({"status":{"$setElementOrder/conditions":[{"type":"Ready"},{"type":"Initialized"}],
                                  "conditions":[{"type":"Ready","status":"True"}]}})"),
                  J(R"({"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"Initialized","status":"True"}]}})")}},
                BuiltinFieldTypes("", "Pod"));
  }
  {
    SCOPED_TRACE("ClusterRole rules are atomic");
    RunSmpCases({{"rules replaced",
                  J(R"({"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]})"),
                  J(R"({"rules":[{"apiGroups":["apps"],"resources":["deployments"],"verbs":["list"]}]})"),
                  J(R"({"rules":[{"apiGroups":["apps"],"resources":["deployments"],"verbs":["list"]}]})")}},
                BuiltinFieldTypes("rbac.authorization.k8s.io", "ClusterRole"));
  }
}

TEST(ApplyStrategicMergePatchTest, ListOrdering) {
  // A synthetic table: /items map by name, /tags a set.
  const json schema = J(R"({"type":"object","properties":{
      "items":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
               "items":{"type":"object"}},
      "tags":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}},
      "selector":{"type":"object","x-kubernetes-map-type":"atomic"}}})");
  std::unique_ptr<FieldTypes> types = SchemaFieldTypes(schema);
  const json live = J(R"({"items":[{"name":"a"},{"name":"b"},{"name":"c"}],"tags":["x","y"]})");
  RunSmpCases(
      {
          {"patch order beats live order", live, J(R"({"items":[{"name":"c","v":1},{"name":"a","v":2}]})"),
           // c and a swap; b (live only) goes before c, which it preceded in the live list.
           J(R"({"items":[{"name":"b"},{"name":"c","v":1},{"name":"a","v":2}],"tags":["x","y"]})")},
          {"single patched item keeps its place", live, J(R"({"items":[{"name":"b","v":1}]})"),
           J(R"({"items":[{"name":"a"},{"name":"b","v":1},{"name":"c"}],"tags":["x","y"]})")},
          {"$setElementOrder puts new item in the middle", live,
           J(R"({"$setElementOrder/items":[{"name":"a"},{"name":"n"},{"name":"b"},{"name":"c"}],
                 "items":[{"name":"n"}]})"),
           J(R"({"items":[{"name":"a"},{"name":"n"},{"name":"b"},{"name":"c"}],"tags":["x","y"]})")},
          {"$setElementOrder naming only some items", live,
           J(R"({"$setElementOrder/items":[{"name":"c"},{"name":"a"}]})"),
           J(R"({"items":[{"name":"b"},{"name":"c"},{"name":"a"}],"tags":["x","y"]})")},
          {"set: new value goes first, like the API server", live, J(R"({"tags":["z"]})"),
           J(R"({"items":[{"name":"a"},{"name":"b"},{"name":"c"}],"tags":["z","x","y"]})")},
          {"set: union without duplicates", live, J(R"({"tags":["y","z","z"]})"),
           J(R"({"items":[{"name":"a"},{"name":"b"},{"name":"c"}],"tags":["x","y","z"]})")},
          {"set: $setElementOrder", live, J(R"({"$setElementOrder/tags":["y","z","x"],"tags":["z"]})"),
           J(R"({"items":[{"name":"a"},{"name":"b"},{"name":"c"}],"tags":["y","z","x"]})")},
          {"set: $patch replace element", live, J(R"({"tags":[{"$patch":"replace"},"q"]})"),
           J(R"({"items":[{"name":"a"},{"name":"b"},{"name":"c"}],"tags":["q"]})")},
          {"set: $deleteFromPrimitiveList", live, J(R"({"$deleteFromPrimitiveList/tags":["x","nope"]})"),
           J(R"({"items":[{"name":"a"},{"name":"b"},{"name":"c"}],"tags":["y"]})")},
          {"atomic map is replaced whole", J(R"({"selector":{"a":"1","b":"1"},"tags":["x"]})"),
           J(R"({"selector":{"b":"2","c":null}})"), J(R"({"selector":{"b":"2"},"tags":["x"]})")},
          {"granular map merges", J(R"({"other":{"a":"1","b":"1"}})"), J(R"({"other":{"b":"2"}})"),
           J(R"({"other":{"a":"1","b":"2"}})")},
          {"map list: delete every element with the key", J(R"({"items":[{"name":"a"},{"name":"a","x":1},{"name":"b"}]})"),
           J(R"({"items":[{"$patch":"delete","name":"a"}]})"), J(R"({"items":[{"name":"b"}]})")},
      },
      *types);
}

TEST(ApplyStrategicMergePatchTest, Errors) {
  const FieldTypes& types = BuiltinFieldTypes("apps", "Deployment");
  const std::vector<SmpCase> cases = {
      {"patch not an object", Deployment(), J(R"([{"op":"add"}])"), {}, 400, "must be a JSON object"},
      {"unknown $patch on a map", Deployment(), J(R"({"spec":{"$patch":"explode"}})"), {}, 400,
       "unknown patch type \"explode\""},
      {"unknown $patch in a list", Deployment(),
       J(R"({"spec":{"template":{"spec":{"containers":[{"$patch":"explode","name":"app"}]}}}})"), {}, 400,
       "unknown patch type \"explode\""},
      {"container without merge key", Deployment(),
       J(R"({"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}})"), {}, 422,
       "does not contain declared merge key: name"},
      {"delete element without merge key", Deployment(),
       J(R"({"spec":{"template":{"spec":{"containers":[{"$patch":"delete"}]}}}})"), {}, 422,
       "does not contain declared merge key: name"},
      {"$retainKeys not a list", Deployment(), J(R"({"spec":{"strategy":{"$retainKeys":"type"}}})"), {}, 400,
       "invalid patch format of retainKeys"},
      {"patched key missing from $retainKeys", Deployment(),
       J(R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}})"),
       {}, 400, "\"rollingUpdate\""},
      {"$setElementOrder not a list", Deployment(),
       J(R"({"spec":{"template":{"spec":{"$setElementOrder/containers":{"name":"app"}}}}})"), {}, 400,
       "invalid patch format of setElementOrder list"},
      {"$setElementOrder without a field", Deployment(), J(R"({"spec":{"$setElementOrder/":[]}})"), {}, 400,
       "invalid patch format of setElementOrder list"},
      {"$setElementOrder element without merge key", Deployment(),
       J(R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"image":"x"}],
             "containers":[{"name":"app","image":"y"}]}}}})"),
       {}, 400, "lacks merge key name"},
      {"$setElementOrder disagrees with the patch list", Deployment(),
       J(R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"app"},{"name":"sidecar"}],
             "containers":[{"name":"sidecar","image":"1"},{"name":"app","image":"2"}]}}}})"),
       {}, 400, "doesn't match its $setElementOrder list"},
      {"$deleteFromPrimitiveList not a list", Deployment(),
       J(R"({"metadata":{"$deleteFromPrimitiveList/finalizers":"a.example.com/x"}})"), {}, 400,
       "invalid patch format of primitive list"},
  };
  RunSmpCases(cases, types);
}

}  // namespace
}  // namespace kubesim
