// Tests for field_set.h: path elements, fieldsV1 round trips, set operations and the fields an
// object sets under a small hand-written FieldTypes (not the built-in table).
#include "field_set.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kubesim {
namespace {

using nlohmann::json;
using namespace nlohmann::literals;

// containers and ports are map-lists, finalizers a set, spec.selector an atomic map.
class TestTypes : public FieldTypes {
 public:
  ListType ListAt(const FieldPath& path) const override {
    if (path == FieldPath{"spec", "containers"}) return {ListKind::kMap, {"name"}};
    if (path == FieldPath{"spec", "containers", "ports"}) return {ListKind::kMap, {"containerPort", "protocol"}};
    if (path == FieldPath{"metadata", "finalizers"}) return {ListKind::kSet, {}};
    return {};
  }
  bool MapIsAtomic(const FieldPath& path) const override { return path == FieldPath{"spec", "selector"}; }
};

PathElement F(const char* name) { return PathElement::Field(name); }

SetPath P(std::vector<PathElement> elements) { return elements; }

FieldSet Set(std::vector<SetPath> paths) {
  FieldSet s;
  for (SetPath& p : paths) s.Insert(std::move(p));
  return s;
}

// --- PathElement ---------------------------------------------------------------------------

TEST(PathElementTest, ParsesAndCanonicalizes) {
  struct Case {
    std::string in;
    std::string encoded;  // "" when the input must be refused
    std::string printed;
  };
  const std::vector<Case> cases = {
      {"f:spec", "f:spec", ".spec"},
      {"f:app.kubernetes.io/name", "f:app.kubernetes.io/name", ".app.kubernetes.io/name"},
      {R"(k:{"name":"web"})", R"(k:{"name":"web"})", R"([name="web"])"},
      {R"(k:{ "protocol": "TCP", "containerPort": 80 })", R"(k:{"containerPort":80,"protocol":"TCP"})",
       R"([containerPort=80,protocol="TCP"])"},
      {R"(v:"example.com/fin")", R"(v:"example.com/fin")", R"([="example.com/fin"])"},
      {"v:3", "v:3", "[=3]"},
      {"i:2", "i:2", "[2]"},
      {".", "", ""},
      {"x:foo", "", ""},
      {"k:[1]", "", ""},
      {"k:{bad", "", ""},
      {"i:-1", "", ""},
      {"i:1x", "", ""},
  };
  for (const Case& c : cases) {
    std::optional<PathElement> e = PathElement::Parse(c.in);
    if (c.encoded.empty()) {
      EXPECT_FALSE(e.has_value()) << c.in;
      continue;
    }
    ASSERT_TRUE(e.has_value()) << c.in;
    EXPECT_EQ(e->encoded(), c.encoded) << c.in;
    EXPECT_EQ(e->ToString(), c.printed) << c.in;
  }
}

TEST(PathElementTest, AccessorsAndPathString) {
  PathElement key = PathElement::Key({{"name", "web"}});
  EXPECT_TRUE(key.IsKey());
  EXPECT_EQ(key.KeyFields(), json({{"name", "web"}}));
  EXPECT_EQ(PathElement::Value("a").Val(), json("a"));
  EXPECT_EQ(PathElement::Index(4).IndexValue(), 4);
  EXPECT_EQ(F("spec").FieldName(), "spec");
  EXPECT_EQ(PathToString({F("spec"), F("containers"), key, F("image")}), R"(.spec.containers[name="web"].image)");
}

// --- fieldsV1 ------------------------------------------------------------------------------

TEST(FieldSetTest, ToFieldsV1MarksMembersWithChildren) {
  PathElement web = PathElement::Key({{"name", "web"}});
  FieldSet s = Set({P({F("metadata"), F("labels"), F("app")}),
                    P({F("spec"), F("containers"), web}),
                    P({F("spec"), F("containers"), web, F("image")}),
                    P({F("spec"), F("containers"), web, F("name")}),
                    P({F("metadata"), F("finalizers"), PathElement::Value("a")})});
  json expected = R"({"f:metadata":{"f:finalizers":{"v:\"a\"":{}},"f:labels":{"f:app":{}}},
                      "f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{}}}}})"_json;
  EXPECT_EQ(s.ToFieldsV1(), expected);
  EXPECT_EQ(FieldSet().ToFieldsV1(), json::object());
}

TEST(FieldSetTest, FieldsV1RoundTrips) {
  const std::vector<json> docs = {
      json::object(),
      R"({"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{}}})"_json,
      R"({"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},
          "f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}})"_json,
      R"({"f:metadata":{"f:finalizers":{".":{},"v:\"a\"":{},"v:\"b\"":{}}},"f:spec":{"f:args":{}}})"_json,
      R"({"f:list":{"i:0":{},"i:1":{"f:x":{}}}})"_json,
  };
  for (const json& doc : docs) {
    Result<FieldSet> parsed = FieldSet::FromFieldsV1(doc);
    ASSERT_TRUE(parsed.ok()) << doc.dump();
    EXPECT_EQ(parsed.value().ToFieldsV1(), doc);
    Result<FieldSet> again = FieldSet::FromFieldsV1(parsed.value().ToFieldsV1());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.value(), parsed.value());
  }
}

TEST(FieldSetTest, FromFieldsV1ReadsMembers) {
  Result<FieldSet> s = FieldSet::FromFieldsV1(R"({"f:metadata":{"f:labels":{".":{},"f:app":{}}}})"_json);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.value(), Set({P({F("metadata"), F("labels")}), P({F("metadata"), F("labels"), F("app")})}));
}

TEST(FieldSetTest, FromFieldsV1RefusesMalformed) {
  const std::vector<json> bad = {json::array(), json("x"), R"({"f:a":1})"_json, R"({"q:a":{}})"_json,
                                 R"({"f:a":{"k:nope":{}}})"_json};
  for (const json& doc : bad) {
    Result<FieldSet> s = FieldSet::FromFieldsV1(doc);
    ASSERT_FALSE(s.ok()) << doc.dump();
    EXPECT_EQ(s.error().code, 400);
  }
}

// --- Set operations --------------------------------------------------------------------------

TEST(FieldSetTest, SetOperations) {
  SetPath a = {F("a")}, ab = {F("a"), F("b")}, ac = {F("a"), F("c")}, d = {F("d")};
  FieldSet x = Set({a, ab, d});
  FieldSet y = Set({ab, ac});
  struct Case {
    const char* name;
    FieldSet got;
    FieldSet want;
  };
  const std::vector<Case> cases = {
      {"union", x.Union(y), Set({a, ab, ac, d})},
      {"difference", x.Difference(y), Set({a, d})},
      {"intersection", x.Intersection(y), Set({ab})},
      {"leaves", x.Leaves(), Set({ab, d})},
      {"with ancestors", Set({ac, P({F("e"), F("f"), F("g")})}).WithAncestors(),
       Set({a, ac, P({F("e")}), P({F("e"), F("f")}), P({F("e"), F("f"), F("g")})})},
      {"without subtrees", x.Union(y).WithoutSubtrees(Set({a})), Set({d})},
      {"without subtrees exact", x.Union(y).WithoutSubtrees(Set({ab})), Set({a, ac, d})},
  };
  for (const Case& c : cases) EXPECT_EQ(c.got, c.want) << c.name;

  EXPECT_TRUE(x.Has(a));
  EXPECT_FALSE(x.Has(ac));
  EXPECT_TRUE(y.HasPrefix(a));  // a itself is not in y, but a.b is
  EXPECT_TRUE(y.HasPrefix(ab));
  EXPECT_FALSE(y.HasPrefix(d));
  EXPECT_FALSE(Set({ab}).HasPrefix({F("a"), F("b"), F("c")}));
  FieldSet empty_path;
  empty_path.Insert({});
  EXPECT_TRUE(empty_path.Empty());
}

// --- FieldSetOf ----------------------------------------------------------------------------

TEST(FieldSetOfTest, ObjectFields) {
  const TestTypes types;
  json obj = R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "p", "labels": {"app": "web"}, "annotations": {}, "finalizers": ["a", "b"]},
    "spec": {
      "selector": {"app": "web", "tier": "fe"},
      "containers": [
        {"name": "web", "image": "nginx", "args": ["-v"],
         "ports": [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 53}]},
        {"name": "side", "resources": {}}
      ],
      "volumes": [{"name": "v"}],
      "nodeName": null
    }
  })"_json;
  json expected = R"({
    "f:apiVersion": {}, "f:kind": {},
    "f:metadata": {"f:name": {}, "f:labels": {"f:app": {}}, "f:annotations": {},
                   "f:finalizers": {"v:\"a\"": {}, "v:\"b\"": {}}},
    "f:spec": {
      "f:selector": {},
      "f:containers": {
        "k:{\"name\":\"web\"}": {".": {}, "f:name": {}, "f:image": {}, "f:args": {},
          "f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}, "f:protocol": {}},
                      "k:{\"containerPort\":53}": {".": {}, "f:containerPort": {}}}},
        "k:{\"name\":\"side\"}": {".": {}, "f:name": {}, "f:resources": {}}
      },
      "f:volumes": {},
      "f:nodeName": {}
    }
  })"_json;
  EXPECT_EQ(FieldSetOf(obj, types).ToFieldsV1(), expected);
}

TEST(FieldSetOfTest, AtAnInnerPlace) {
  const TestTypes types;
  json containers = R"([{"name": "web", "image": "nginx"}])"_json;
  FieldSet s = FieldSetOf(containers, types, {F("spec"), F("containers")}, {"spec", "containers"});
  PathElement web = PathElement::Key({{"name", "web"}});
  EXPECT_EQ(s, Set({P({F("spec"), F("containers"), web}), P({F("spec"), F("containers"), web, F("image")}),
                    P({F("spec"), F("containers"), web, F("name")})}));
}

TEST(FieldSetOfTest, MalformedMapListIsAtomic) {
  const TestTypes types;
  json list = R"(["not-an-object", {"name": "web"}])"_json;
  EXPECT_EQ(EffectiveListType(list, {"spec", "containers"}, types).kind, ListKind::kAtomic);
  json obj = {{"spec", {{"containers", list}}}};
  EXPECT_EQ(FieldSetOf(obj, types), Set({P({F("spec"), F("containers")})}));
  EXPECT_EQ(ListItemElement("x", ListType{}), std::nullopt);
}

}  // namespace
}  // namespace kubesim
