// Tests for structural_schema.h: one valid and one invalid case per keyword, with the exact
// field paths and messages of the real API server; pruning; defaulting; CRD schema checks; a
// realistic Environment CRD end to end.
#include "structural_schema.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kubesim {
namespace {

using nlohmann::json;

// Causes rendered as "field [reason] message", so that EXPECT_EQ compares and prints them.
std::vector<std::string> R(const std::vector<StatusCause>& causes) {
  std::vector<std::string> out;
  for (const auto& c : causes) out.push_back(c.field + " [" + c.reason + "] " + c.message);
  return out;
}

// A custom resource whose spec.x holds `value`, and a schema giving spec.x the schema `x`.
json SchemaWithX(const json& x) {
  return {{"type", "object"},
          {"properties", {{"spec", {{"type", "object"}, {"properties", {{"x", x}}}}}}}};
}
json ObjectWithX(const json& value) {
  return {{"apiVersion", "justdriving.io/v1"},
          {"kind", "JustDrivingEnvironment"},
          {"metadata", {{"name", "prod"}}},
          {"spec", {{"x", value}}}};
}

struct KeywordCase {
  std::string name;
  json schema;  // for spec.x
  json value;   // spec.x
  std::vector<StatusCause> want;
};

class KeywordTest : public ::testing::TestWithParam<KeywordCase> {};

TEST_P(KeywordTest, ValidatesLikeTheApiServer) {
  const KeywordCase& c = GetParam();
  EXPECT_EQ(R(ValidateAgainstSchema(SchemaWithX(c.schema), ObjectWithX(c.value))), R(c.want));
}

StatusCause TypeErr(const std::string& field, const std::string& want, const std::string& got) {
  return {"FieldValueTypeInvalid",
          "Invalid value: \"" + got + "\": " + field + " in body must be of type " + want + ": \"" + got + "\"", field};
}
StatusCause InvalidErr(const std::string& field, const std::string& value, const std::string& detail) {
  return {"FieldValueInvalid", "Invalid value: " + value + ": " + field + " in body " + detail, field};
}

const json kTierEnum = {{"type", "string"}, {"enum", {"local", "staging", "production"}}};

INSTANTIATE_TEST_SUITE_P(
    Keywords, KeywordTest,
    ::testing::Values(
        // type
        KeywordCase{"integer_ok", {{"type", "integer"}}, 3, {}},
        KeywordCase{"integer_bad", {{"type", "integer"}}, "string", {TypeErr("spec.x", "integer", "string")}},
        KeywordCase{"integer_accepts_whole_float", {{"type", "integer"}}, 3.0, {}},
        KeywordCase{"integer_rejects_fraction", {{"type", "integer"}}, 3.5, {TypeErr("spec.x", "integer", "number")}},
        KeywordCase{"number_accepts_integer", {{"type", "number"}}, 3, {}},
        KeywordCase{"number_bad", {{"type", "number"}}, "3", {TypeErr("spec.x", "number", "string")}},
        KeywordCase{"string_ok", {{"type", "string"}}, "a", {}},
        KeywordCase{"string_bad", {{"type", "string"}}, 5, {TypeErr("spec.x", "string", "integer")}},
        KeywordCase{"boolean_ok", {{"type", "boolean"}}, true, {}},
        KeywordCase{"boolean_bad", {{"type", "boolean"}}, "true", {TypeErr("spec.x", "boolean", "string")}},
        KeywordCase{"object_ok", {{"type", "object"}}, json::object(), {}},
        KeywordCase{"object_bad", {{"type", "object"}}, json::array(), {TypeErr("spec.x", "object", "array")}},
        KeywordCase{"array_ok", {{"type", "array"}, {"items", {{"type", "string"}}}}, json::array(), {}},
        KeywordCase{"array_bad", {{"type", "array"}, {"items", {{"type", "string"}}}}, json::object(),
                    {TypeErr("spec.x", "array", "object")}},
        // nullable
        KeywordCase{"null_not_nullable", {{"type", "string"}}, nullptr, {TypeErr("spec.x", "string", "null")}},
        KeywordCase{"null_nullable", {{"type", "string"}, {"nullable", true}}, nullptr, {}},
        // enum
        KeywordCase{"enum_ok", kTierEnum, "staging", {}},
        KeywordCase{"enum_bad",
                    kTierEnum,
                    "prod",
                    {{"FieldValueNotSupported",
                      "Unsupported value: \"prod\": supported values: \"local\", \"staging\", \"production\"",
                      "spec.x"}}},
        KeywordCase{"enum_numbers_quoted",
                    {{"type", "integer"}, {"enum", {1, 2}}},
                    3,
                    {{"FieldValueNotSupported", "Unsupported value: 3: supported values: \"1\", \"2\"", "spec.x"}}},
        KeywordCase{"type_and_enum_both_reported",
                    {{"type", "integer"}, {"enum", {1, 2}}},
                    "x",
                    {TypeErr("spec.x", "integer", "string"),
                     {"FieldValueNotSupported", "Unsupported value: \"x\": supported values: \"1\", \"2\"", "spec.x"}}},
        // pattern
        KeywordCase{"pattern_ok", {{"type", "string"}, {"pattern", "^[a-z]"}}, "eu-west", {}},
        KeywordCase{"pattern_is_unanchored_search", {{"type", "string"}, {"pattern", "[0-9]"}}, "x1", {}},
        KeywordCase{"pattern_bad_first_char", {{"type", "string"}, {"pattern", "^[a-z]"}}, "1x",
                    {InvalidErr("spec.x", "\"1x\"", "should match '^[a-z]'")}},
        // minimum / maximum
        KeywordCase{"minimum_ok", {{"type", "integer"}, {"minimum", 1}}, 1, {}},
        KeywordCase{"minimum_bad", {{"type", "integer"}, {"minimum", 1}}, 0,
                    {InvalidErr("spec.x", "0", "should be greater than or equal to 1")}},
        KeywordCase{"exclusive_minimum_bad", {{"type", "integer"}, {"minimum", 1}, {"exclusiveMinimum", true}}, 1,
                    {InvalidErr("spec.x", "1", "should be greater than 1")}},
        KeywordCase{"maximum_ok", {{"type", "integer"}, {"maximum", 10}}, 10, {}},
        KeywordCase{"maximum_bad", {{"type", "integer"}, {"maximum", 10}}, 11,
                    {InvalidErr("spec.x", "11", "should be less than or equal to 10")}},
        KeywordCase{"exclusive_maximum_bad", {{"type", "integer"}, {"maximum", 10}, {"exclusiveMaximum", true}}, 10,
                    {InvalidErr("spec.x", "10", "should be less than 10")}},
        KeywordCase{"float_minimum_bad", {{"type", "number"}, {"minimum", 0.5}}, 0.25,
                    {InvalidErr("spec.x", "0.25", "should be greater than or equal to 0.5")}},
        KeywordCase{"float_rendered_like_go", {{"type", "number"}, {"maximum", 1000000}}, 2e6,
                    {InvalidErr("spec.x", "2e+06", "should be less than or equal to 1e+06")}},
        KeywordCase{"multiple_of_bad", {{"type", "integer"}, {"multipleOf", 5}}, 7,
                    {InvalidErr("spec.x", "7", "should be a multiple of 5")}},
        // minLength / maxLength (runes, not bytes, despite the 1.32 wording)
        KeywordCase{"max_length_ok_runes", {{"type", "string"}, {"maxLength", 3}}, "h\xc3\xa9\xc3\xa9", {}},
        KeywordCase{"max_length_bad", {{"type", "string"}, {"maxLength", 63}}, std::string(64, 'a'),
                    {{"FieldValueTooLong", "Too long: may not be more than 63 bytes", "spec.x"}}},
        KeywordCase{"max_length_one", {{"type", "string"}, {"maxLength", 1}}, "ab",
                    {{"FieldValueTooLong", "Too long: may not be more than 1 byte", "spec.x"}}},
        KeywordCase{"min_length_ok", {{"type", "string"}, {"minLength", 2}}, "ab", {}},
        KeywordCase{"min_length_bad", {{"type", "string"}, {"minLength", 2}}, "a",
                    {InvalidErr("spec.x", "\"a\"", "should be at least 2 chars long")}},
        KeywordCase{"string_checks_stop_at_first",
                    {{"type", "string"}, {"maxLength", 2}, {"pattern", "^[0-9]+$"}},
                    "abc",
                    {{"FieldValueTooLong", "Too long: may not be more than 2 bytes", "spec.x"}}},
        // minItems / maxItems / uniqueItems
        KeywordCase{"min_items_ok", {{"type", "array"}, {"items", {{"type", "integer"}}}, {"minItems", 1}}, {1}, {}},
        KeywordCase{"min_items_bad", {{"type", "array"}, {"items", {{"type", "integer"}}}, {"minItems", 1}},
                    json::array(), {InvalidErr("spec.x", "0", "should have at least 1 items")}},
        KeywordCase{"max_items_ok", {{"type", "array"}, {"items", {{"type", "integer"}}}, {"maxItems", 2}}, {1, 2}, {}},
        KeywordCase{"max_items_bad", {{"type", "array"}, {"items", {{"type", "integer"}}}, {"maxItems", 2}}, {1, 2, 3},
                    {{"FieldValueTooMany", "Too many: 3: must have at most 2 items", "spec.x"}}},
        KeywordCase{"max_items_one", {{"type", "array"}, {"items", {{"type", "integer"}}}, {"maxItems", 1}}, {1, 2},
                    {{"FieldValueTooMany", "Too many: 2: must have at most 1 item", "spec.x"}}},
        KeywordCase{"unique_items_ok", {{"type", "array"}, {"items", {{"type", "string"}}}, {"uniqueItems", true}},
                    {"a", "b"}, {}},
        KeywordCase{"unique_items_bad", {{"type", "array"}, {"items", {{"type", "string"}}}, {"uniqueItems", true}},
                    {"a", "a"}, {InvalidErr("spec.x", "\"\"", "shouldn't contain duplicates")}},
        // minProperties / maxProperties
        KeywordCase{"min_properties_ok", {{"type", "object"}, {"minProperties", 1}, {"additionalProperties", {{"type", "string"}}}},
                    {{"a", "1"}}, {}},
        KeywordCase{"min_properties_bad", {{"type", "object"}, {"minProperties", 1}, {"additionalProperties", {{"type", "string"}}}},
                    json::object(), {InvalidErr("spec.x", "0", "should have at least 1 properties")}},
        KeywordCase{"max_properties_bad", {{"type", "object"}, {"maxProperties", 1}, {"additionalProperties", {{"type", "string"}}}},
                    {{"a", "1"}, {"b", "2"}},
                    {{"FieldValueTooMany", "Too many: 2: must have at most 1 item", "spec.x"}}},
        // items / properties / required
        KeywordCase{"items_ok", {{"type", "array"}, {"items", {{"type", "integer"}}}}, {1, 2}, {}},
        KeywordCase{"items_bad", {{"type", "array"}, {"items", {{"type", "integer"}}}}, {1, "a"},
                    {TypeErr("spec.x[1]", "integer", "string")}},
        KeywordCase{"required_ok",
                    {{"type", "object"}, {"required", {"host"}}, {"properties", {{"host", {{"type", "string"}}}}}},
                    {{"host", "a"}}, {}},
        KeywordCase{"required_missing",
                    {{"type", "object"}, {"required", {"host"}}, {"properties", {{"host", {{"type", "string"}}}}}},
                    json::object(), {{"FieldValueRequired", "Required value", "spec.x.host"}}},
        KeywordCase{"required_present_as_null_is_type_error",
                    {{"type", "object"}, {"required", {"host"}}, {"properties", {{"host", {{"type", "string"}}}}}},
                    {{"host", nullptr}}, {TypeErr("spec.x.host", "string", "null")}},
        // additionalProperties
        KeywordCase{"additional_properties_ok", {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}},
                    {{"a", "1"}}, {}},
        KeywordCase{"additional_properties_bad", {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}},
                    {{"a", 1}}, {TypeErr("spec.x.a", "string", "integer")}},
        KeywordCase{"additional_properties_false", {{"type", "object"}, {"additionalProperties", false}}, {{"a", 1}},
                    {{"FieldValueInvalid", "Invalid value: \"a\": spec.x.a in body is a forbidden property", "spec.x"}}},
        // x-kubernetes-int-or-string
        KeywordCase{"int_or_string_int", {{"x-kubernetes-int-or-string", true}}, 5, {}},
        KeywordCase{"int_or_string_string", {{"x-kubernetes-int-or-string", true}}, "50%", {}},
        KeywordCase{"int_or_string_bad", {{"x-kubernetes-int-or-string", true}}, true,
                    {TypeErr("spec.x", "integer,string", "boolean")}},
        KeywordCase{"int_or_string_null", {{"x-kubernetes-int-or-string", true}}, nullptr,
                    {TypeErr("spec.x", "integer,string", "null")}},
        // x-kubernetes-preserve-unknown-fields without a type accepts anything
        KeywordCase{"preserve_unknown_any", {{"x-kubernetes-preserve-unknown-fields", true}}, {1, "a", nullptr}, {}},
        // format
        KeywordCase{"date_time_ok", {{"type", "string"}, {"format", "date-time"}}, "2024-02-29T13:04:05.5+01:00", {}},
        KeywordCase{"date_time_bad", {{"type", "string"}, {"format", "date-time"}}, "yesterday",
                    {TypeErr("spec.x", "date-time", "yesterday")}},
        KeywordCase{"byte_ok", {{"type", "string"}, {"format", "byte"}}, "aGVsbG8=", {}},
        KeywordCase{"byte_bad", {{"type", "string"}, {"format", "byte"}}, "not base64!",
                    {TypeErr("spec.x", "byte", "not base64!")}},
        KeywordCase{"int32_not_range_checked", {{"type", "integer"}, {"format", "int32"}}, 3000000000LL, {}},
        KeywordCase{"int64_ok", {{"type", "integer"}, {"format", "int64"}}, 7, {}},
        // x-kubernetes-embedded-resource
        KeywordCase{"embedded_ok",
                    {{"type", "object"}, {"x-kubernetes-embedded-resource", true}, {"x-kubernetes-preserve-unknown-fields", true}},
                    {{"apiVersion", "v1"}, {"kind", "ConfigMap"}}, {}},
        KeywordCase{"embedded_missing_type_meta",
                    {{"type", "object"}, {"x-kubernetes-embedded-resource", true}, {"x-kubernetes-preserve-unknown-fields", true}},
                    json::object(),
                    {{"FieldValueRequired", "Required value: must not be empty", "spec.x.apiVersion"},
                     {"FieldValueRequired", "Required value: must not be empty", "spec.x.kind"}}}),
    [](const ::testing::TestParamInfo<KeywordCase>& info) { return info.param.name; });

TEST(ValidateAgainstSchema, RootRequiredAndRootTypeErrors) {
  json schema = {{"type", "object"}, {"required", {"spec"}}, {"properties", {{"spec", {{"type", "object"}}}}}};
  EXPECT_EQ(R(ValidateAgainstSchema(schema, {{"apiVersion", "a/v1"}, {"kind", "K"}})),
            R((std::vector<StatusCause>{{"FieldValueRequired", "Required value", "spec"}})));
  // Errors about the root itself have no field path: the server prints "<nil>".
  EXPECT_EQ(R(ValidateAgainstSchema(schema, json::array())),
            R((std::vector<StatusCause>{{"FieldValueTypeInvalid",
                                       "Invalid value: \"array\":  in body must be of type object: \"array\"", "<nil>"}})));
}

TEST(InvalidMessage, MatchesApiServerFormat) {
  std::vector<StatusCause> two = {
      {"FieldValueNotSupported",
       "Unsupported value: \"prod\": supported values: \"local\", \"staging\", \"production\"", "spec.tier"},
      {"FieldValueInvalid", "Invalid value: 0: spec.minTLSDays in body should be greater than or equal to 1",
       "spec.minTLSDays"}};
  EXPECT_EQ(InvalidMessage("JustDrivingEnvironment", "justdriving.io", "prod", two),
            "JustDrivingEnvironment.justdriving.io \"prod\" is invalid: [spec.tier: Unsupported value: \"prod\": "
            "supported values: \"local\", \"staging\", \"production\", spec.minTLSDays: Invalid value: 0: "
            "spec.minTLSDays in body should be greater than or equal to 1]");
  EXPECT_EQ(InvalidMessage("JustDrivingEnvironment", "justdriving.io", "prod", {two[1]}),
            "JustDrivingEnvironment.justdriving.io \"prod\" is invalid: spec.minTLSDays: Invalid value: 0: "
            "spec.minTLSDays in body should be greater than or equal to 1");
  // Duplicates collapse (and then a single message gets no brackets); core group; no causes.
  EXPECT_EQ(InvalidMessage("ConfigMap", "", "x", {two[1], two[1]}),
            "ConfigMap \"x\" is invalid: spec.minTLSDays: Invalid value: 0: spec.minTLSDays in body should be "
            "greater than or equal to 1");
  EXPECT_EQ(InvalidMessage("ConfigMap", "", "x", {}), "ConfigMap \"x\" is invalid");
}

TEST(InvalidError, FillsStatusDetails) {
  ApiError e = InvalidError("JustDrivingEnvironment", "justdriving.io", "prod",
                            {{"FieldValueRequired", "Required value", "spec.tier"}});
  EXPECT_EQ(e.code, 422);
  EXPECT_EQ(e.reason, "Invalid");
  EXPECT_EQ(e.message, "JustDrivingEnvironment.justdriving.io \"prod\" is invalid: spec.tier: Required value");
  json status = e.ToStatus();
  EXPECT_EQ(status["details"]["kind"], "JustDrivingEnvironment");
  EXPECT_EQ(status["details"]["group"], "justdriving.io");
  EXPECT_EQ(status["details"]["name"], "prod");
  EXPECT_EQ(status["details"]["causes"][0]["field"], "spec.tier");
}

// ---------------------------------------------------------------------------------------------
// Pruning.

struct PruneCase {
  std::string name;
  json schema;
  json obj;
  json want;
  std::vector<std::string> unknown;
};

class PruneTest : public ::testing::TestWithParam<PruneCase> {};

TEST_P(PruneTest, PrunesAndReportsUnknownFields) {
  const PruneCase& c = GetParam();
  EXPECT_EQ(UnknownFieldPaths(c.schema, c.obj), c.unknown);
  json obj = c.obj;
  PruneUnknownFields(c.schema, obj);
  EXPECT_EQ(obj, c.want);
}

const json kSpecAB = {
    {"type", "object"},
    {"properties", {{"spec", {{"type", "object"}, {"properties", {{"a", {{"type", "string"}}}}}}}}}};

INSTANTIATE_TEST_SUITE_P(
    Pruning, PruneTest,
    ::testing::Values(
        PruneCase{"unknown_spec_field",
                  kSpecAB,
                  {{"apiVersion", "g/v1"}, {"kind", "K"}, {"metadata", {{"name", "n"}, {"whatever", 1}}},
                   {"spec", {{"a", "x"}, {"foo", 1}}}, {"junk", true}},
                  {{"apiVersion", "g/v1"}, {"kind", "K"}, {"metadata", {{"name", "n"}, {"whatever", 1}}},
                   {"spec", {{"a", "x"}}}},
                  {"junk", "spec.foo"}},
        PruneCase{"list_elements",
                  {{"type", "object"},
                   {"properties",
                    {{"spec",
                      {{"type", "object"},
                       {"properties",
                        {{"items",
                          {{"type", "array"},
                           {"items", {{"type", "object"}, {"properties", {{"host", {{"type", "string"}}}}}}}}}}}}}}}},
                  {{"spec", {{"items", {{{"host", "a"}, {"extra", 1}}, {{"host", "b"}}}}}}},
                  {{"spec", {{"items", {{{"host", "a"}}, {{"host", "b"}}}}}}},
                  {"spec.items[0].extra"}},
        PruneCase{"preserve_unknown_fields_keeps_unknown_but_prunes_known_subtrees",
                  {{"type", "object"},
                   {"properties",
                    {{"values",
                      {{"type", "object"},
                       {"x-kubernetes-preserve-unknown-fields", true},
                       {"properties",
                        {{"known", {{"type", "object"}, {"properties", {{"a", {{"type", "integer"}}}}}}}}}}}}}},
                  {{"values", {{"anything", {{"deep", 1}}}, {"known", {{"a", 1}, {"b", 2}}}}}},
                  {{"values", {{"anything", {{"deep", 1}}}, {"known", {{"a", 1}}}}}},
                  {"values.known.b"}},
        PruneCase{"additional_properties_keep_keys_prune_values",
                  {{"type", "object"},
                   {"properties",
                    {{"labels", {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}},
                     {"ports",
                      {{"type", "object"},
                       {"additionalProperties", {{"type", "object"}, {"properties", {{"port", {{"type", "integer"}}}}}}}}}}}},
                  {{"labels", {{"app", "x"}, {"tier", "y"}}}, {"ports", {{"http", {{"port", 80}, {"junk", 1}}}}}},
                  {{"labels", {{"app", "x"}, {"tier", "y"}}}, {"ports", {{"http", {{"port", 80}}}}}},
                  {"ports.http.junk"}},
        PruneCase{"embedded_resource_keeps_type_and_object_meta",
                  {{"type", "object"},
                   {"properties",
                    {{"template",
                      {{"type", "object"},
                       {"x-kubernetes-embedded-resource", true},
                       {"properties", {{"data", {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}}}}}}}}},
                  {{"template", {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "c"}, {"odd", 1}}},
                                 {"data", {{"k", "v"}}}, {"binaryData", json::object()}}}},
                  {{"template", {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "c"}, {"odd", 1}}},
                                 {"data", {{"k", "v"}}}}}},
                  {"template.binaryData"}}),
    [](const ::testing::TestParamInfo<PruneCase>& info) { return info.param.name; });

TEST(PruneNonNullableNulls, DropsOnlyNonNullableWithoutDefault) {
  json schema = {{"type", "object"},
                 {"properties",
                  {{"plain", {{"type", "string"}}},
                   {"nullable", {{"type", "string"}, {"nullable", true}}},
                   {"defaulted", {{"type", "string"}, {"default", "d"}}}}}};
  json obj = {{"plain", nullptr}, {"nullable", nullptr}, {"defaulted", nullptr}, {"unknown", nullptr}};
  PruneNonNullableNulls(schema, obj);
  EXPECT_EQ(obj, (json{{"nullable", nullptr}, {"defaulted", nullptr}, {"unknown", nullptr}}));
}

// ---------------------------------------------------------------------------------------------
// Defaulting.

struct DefaultCase {
  std::string name;
  json schema;
  json obj;
  json want;
};

class DefaultTest : public ::testing::TestWithParam<DefaultCase> {};

TEST_P(DefaultTest, AppliesDefaults) {
  const DefaultCase& c = GetParam();
  json obj = c.obj;
  ApplyDefaults(c.schema, obj);
  EXPECT_EQ(obj, c.want);
}

const json kNestedDefaults = {
    {"type", "object"},
    {"properties",
     {{"spec",
       {{"type", "object"},
        {"default", json::object()},
        {"properties",
         {{"minTLSDays", {{"type", "integer"}, {"default", 14}}},
          {"tls", {{"type", "object"}, {"default", {{"enabled", true}}},
                   {"properties", {{"enabled", {{"type", "boolean"}}}, {"issuer", {{"type", "string"}, {"default", "letsencrypt"}}}}}}},
          {"comment", {{"type", "string"}, {"nullable", true}, {"default", "none"}}}}}}}}}};

INSTANTIATE_TEST_SUITE_P(
    Defaulting, DefaultTest,
    ::testing::Values(
        DefaultCase{"parent_default_then_nested_defaults",
                    kNestedDefaults,
                    {{"kind", "K"}},
                    {{"kind", "K"},
                     {"spec", {{"minTLSDays", 14}, {"tls", {{"enabled", true}, {"issuer", "letsencrypt"}}}, {"comment", "none"}}}}},
        DefaultCase{"existing_values_win",
                    kNestedDefaults,
                    {{"spec", {{"minTLSDays", 30}, {"tls", {{"enabled", false}, {"issuer", "mine"}}}}}},
                    {{"spec", {{"minTLSDays", 30}, {"tls", {{"enabled", false}, {"issuer", "mine"}}}, {"comment", "none"}}}}},
        DefaultCase{"null_replaced_unless_nullable",
                    kNestedDefaults,
                    {{"spec", {{"minTLSDays", nullptr}, {"comment", nullptr}}}},
                    {{"spec", {{"minTLSDays", 14}, {"comment", nullptr}, {"tls", {{"enabled", true}, {"issuer", "letsencrypt"}}}}}}},
        DefaultCase{"array_items",
                    {{"type", "object"},
                     {"properties",
                      {{"domains",
                        {{"type", "array"},
                         {"items",
                          {{"type", "object"},
                           {"default", {{"host", "localhost"}}},
                           {"properties", {{"host", {{"type", "string"}}}, {"port", {{"type", "integer"}, {"default", 443}}}}}}}}}}}},
                    {{"domains", {{{"host", "a"}}, nullptr, {{"host", "b"}, {"port", 80}}}}},
                    {{"domains", {{{"host", "a"}, {"port", 443}}, {{"host", "localhost"}, {"port", 443}}, {{"host", "b"}, {"port", 80}}}}}},
        DefaultCase{"additional_properties_values",
                    {{"type", "object"},
                     {"properties",
                      {{"limits",
                        {{"type", "object"},
                         {"additionalProperties",
                          {{"type", "object"}, {"properties", {{"max", {{"type", "integer"}, {"default", 10}}}}}}}}}}}},
                    {{"limits", {{"cpu", json::object()}, {"mem", {{"max", 2}}}}}},
                    {{"limits", {{"cpu", {{"max", 10}}}, {"mem", {{"max", 2}}}}}}}),
    [](const ::testing::TestParamInfo<DefaultCase>& info) { return info.param.name; });

// ---------------------------------------------------------------------------------------------
// CRD schema checks.

struct StructuralCase {
  std::string name;
  json schema;
  std::vector<StatusCause> want;
};

class StructuralTest : public ::testing::TestWithParam<StructuralCase> {};

TEST_P(StructuralTest, ChecksCrdSchema) {
  const StructuralCase& c = GetParam();
  EXPECT_EQ(R(CheckStructural(c.schema)), R(c.want));
}

const std::string kRoot = "spec.validation.openAPIV3Schema";

json WithSpec(const json& spec) { return {{"type", "object"}, {"properties", {{"spec", spec}}}}; }

INSTANTIATE_TEST_SUITE_P(
    Structural, StructuralTest,
    ::testing::Values(
        StructuralCase{"ok", WithSpec({{"type", "object"}, {"properties", {{"a", {{"type", "string"}}}}}}), {}},
        StructuralCase{"ok_without_type_when_preserving_or_int_or_string",
                       WithSpec({{"type", "object"},
                                 {"properties",
                                  {{"any", {{"x-kubernetes-preserve-unknown-fields", true}}},
                                   {"port", {{"x-kubernetes-int-or-string", true}}}}}}),
                       {}},
        StructuralCase{"missing_type_field",
                       WithSpec({{"properties", {{"a", {{"type", "string"}}}}}}),
                       {{"FieldValueRequired", "Required value: must not be empty for specified object fields",
                         kRoot + ".properties[spec].type"}}},
        StructuralCase{"missing_type_items",
                       WithSpec({{"type", "object"}, {"properties", {{"list", {{"type", "array"}, {"items", json::object()}}}}}}),
                       {{"FieldValueRequired", "Required value: must not be empty for specified array items",
                         kRoot + ".properties[spec].properties[list].items.type"}}},
        StructuralCase{"array_without_items",
                       WithSpec({{"type", "object"}, {"properties", {{"list", {{"type", "array"}}}}}}),
                       {{"FieldValueRequired", "Required value: must be specified",
                         kRoot + ".properties[spec].properties[list].items"}}},
        StructuralCase{"missing_type_root",
                       {{"properties", {{"spec", {{"type", "object"}}}}}},
                       {{"FieldValueRequired", "Required value: must not be empty at the root", kRoot + ".type"}}},
        StructuralCase{"root_not_object",
                       {{"type", "string"}},
                       {{"FieldValueInvalid", "Invalid value: \"string\": must be object at the root", kRoot + ".type"}}},
        StructuralCase{"properties_and_additional_properties",
                       WithSpec({{"type", "object"},
                                 {"properties", {{"a", {{"type", "string"}}}}},
                                 {"additionalProperties", {{"type", "string"}}}}),
                       {{"FieldValueForbidden", "Forbidden: additionalProperties and properties are mutual exclusive",
                         kRoot + ".properties[spec].additionalProperties"}}},
        StructuralCase{"unique_items",
                       WithSpec({{"type", "array"}, {"uniqueItems", true}, {"items", {{"type", "string"}}}}),
                       {{"FieldValueForbidden",
                         "Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
                         kRoot + ".properties[spec].uniqueItems"}}},
        StructuralCase{"unknown_type",
                       WithSpec({{"type", "dict"}}),
                       {{"FieldValueNotSupported",
                         "Unsupported value: \"dict\": supported values: \"array\", \"boolean\", \"integer\", \"number\", "
                         "\"object\", \"string\"",
                         kRoot + ".properties[spec].type"}}},
        StructuralCase{"ref_not_supported",
                       WithSpec({{"type", "object"}, {"$ref", "#/definitions/x"}}),
                       {{"FieldValueForbidden", "Forbidden: $ref is not supported", kRoot + ".properties[spec].$ref"}}},
        StructuralCase{"default_violates_schema",
                       WithSpec({{"type", "object"},
                                 {"properties", {{"minTLSDays", {{"type", "integer"}, {"minimum", 1}, {"default", 0}}}}}}),
                       {{"FieldValueInvalid", "Invalid value: 0:  in body should be greater than or equal to 1",
                         kRoot + ".properties[spec].properties[minTLSDays].default"}}},
        StructuralCase{"default_with_unknown_fields",
                       WithSpec({{"type", "object"},
                                 {"default", {{"a", "x"}, {"b", 1}}},
                                 {"properties", {{"a", {{"type", "string"}}}}}}),
                       {{"FieldValueInvalid", "Invalid value: {\"a\":\"x\",\"b\":1}: must not have unknown fields",
                         kRoot + ".properties[spec].default"}}},
        StructuralCase{"metadata_may_only_restrict_name",
                       {{"type", "object"},
                        {"properties", {{"metadata", {{"type", "object"}, {"properties", {{"labels", {{"type", "object"}}}}}}}}}},
                       {{"FieldValueForbidden",
                         "Forbidden: must not specify anything other than name and generateName, but metadata is "
                         "implicitly specified",
                         kRoot + ".properties[metadata]"}}},
        StructuralCase{"metadata_name_restriction_ok",
                       {{"type", "object"},
                        {"properties", {{"metadata", {{"type", "object"}, {"properties", {{"name", {{"type", "string"}, {"maxLength", 20}}}}}}}}}},
                       {}},
        StructuralCase{"default_in_top_level_metadata",
                       {{"type", "object"}, {"properties", {{"metadata", {{"type", "object"}, {"default", json::object()}}}}}},
                       {{"FieldValueForbidden", "Forbidden: must not be set in top-level metadata",
                         kRoot + ".properties[metadata].default"}}},
        StructuralCase{"preserve_unknown_fields_false",
                       WithSpec({{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", false}}),
                       {{"FieldValueInvalid", "Invalid value: false: must be true or undefined",
                         kRoot + ".properties[spec].x-kubernetes-preserve-unknown-fields"}}},
        StructuralCase{"nullable_root",
                       {{"type", "object"}, {"nullable", true}},
                       {{"FieldValueForbidden", "Forbidden: nullable cannot be true at the root", kRoot + ".nullable"}}},
        StructuralCase{"type_in_any_of",
                       WithSpec({{"type", "string"}, {"anyOf", {{{"type", "string"}}}}}),
                       {{"FieldValueForbidden", "Forbidden: must be empty to be structural",
                         kRoot + ".properties[spec].anyOf[0].type"}}},
        StructuralCase{"int_or_string_any_of_pattern_allowed",
                       WithSpec({{"x-kubernetes-int-or-string", true},
                                 {"anyOf", {{{"type", "integer"}}, {{"type", "string"}}}}}),
                       {}},
        StructuralCase{"errors_are_sorted",
                       WithSpec({{"type", "object"},
                                 {"properties", {{"b", json::object()}, {"a", {{"type", "array"}}}}}}),
                       {{"FieldValueRequired", "Required value: must be specified",
                         kRoot + ".properties[spec].properties[a].items"},
                        {"FieldValueRequired", "Required value: must not be empty for specified object fields",
                         kRoot + ".properties[spec].properties[b].type"}}}),
    [](const ::testing::TestParamInfo<StructuralCase>& info) { return info.param.name; });

TEST(CheckStructural, UsesTheGivenFieldPrefix) {
  EXPECT_EQ(R(CheckStructural(WithSpec(json::object()), "spec.versions[1].schema.openAPIV3Schema")),
            R((std::vector<StatusCause>{{"FieldValueRequired",
                                       "Required value: must not be empty for specified object fields",
                                       "spec.versions[1].schema.openAPIV3Schema.properties[spec].type"}})));
}

// ---------------------------------------------------------------------------------------------
// A realistic CRD: JustDrivingEnvironment.

const json kEnvironmentSchema = json::parse(R"({
  "type": "object",
  "properties": {
    "apiVersion": {"type": "string"},
    "kind": {"type": "string"},
    "metadata": {"type": "object"},
    "spec": {
      "type": "object",
      "required": ["tier"],
      "properties": {
        "tier": {"type": "string", "enum": ["local", "staging", "production"]},
        "minTLSDays": {"type": "integer", "minimum": 1, "default": 14},
        "region": {"type": "string", "pattern": "^[a-z]"},
        "domains": {
          "type": "array",
          "maxItems": 10,
          "items": {
            "type": "object",
            "required": ["host"],
            "properties": {
              "host": {"type": "string", "maxLength": 63, "pattern": "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"},
              "wildcard": {"type": "boolean", "default": false}
            }
          }
        },
        "values": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
      }
    },
    "status": {
      "type": "object",
      "properties": {
        "phase": {"type": "string"},
        "conditions": {"type": "array", "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}
      }
    }
  }
})");

json Environment(const json& spec) {
  return {{"apiVersion", "justdriving.io/v1alpha1"},
          {"kind", "JustDrivingEnvironment"},
          {"metadata", {{"name", "prod"}, {"namespace", "default"}}},
          {"spec", spec}};
}

// The server-side pipeline for a create: default, prune, drop nulls, validate.
std::vector<StatusCause> Admit(json& obj) {
  ApplyDefaults(kEnvironmentSchema, obj);
  PruneUnknownFields(kEnvironmentSchema, obj);
  PruneNonNullableNulls(kEnvironmentSchema, obj);
  return ValidateAgainstSchema(kEnvironmentSchema, obj);
}

TEST(EnvironmentCrd, SchemaIsStructural) { EXPECT_TRUE(CheckStructural(kEnvironmentSchema).empty()); }

TEST(EnvironmentCrd, ValidObjectIsDefaultedAndPruned) {
  json obj = Environment({{"tier", "staging"},
                          {"region", nullptr},
                          {"domains", {{{"host", "app.example.com"}, {"legacy", true}}}},
                          {"values", {{"replicas", 3}, {"image", {{"tag", "v1"}}}}},
                          {"colour", "blue"}});
  EXPECT_EQ(UnknownFieldPaths(kEnvironmentSchema, obj), (std::vector<std::string>{"spec.colour", "spec.domains[0].legacy"}));
  EXPECT_TRUE(Admit(obj).empty());
  EXPECT_EQ(obj["spec"], (json{{"tier", "staging"},
                               {"minTLSDays", 14},
                               {"domains", {{{"host", "app.example.com"}, {"wildcard", false}}}},
                               {"values", {{"replicas", 3}, {"image", {{"tag", "v1"}}}}}}));
  EXPECT_EQ(obj["metadata"], (json{{"name", "prod"}, {"namespace", "default"}}));
}

TEST(EnvironmentCrd, InvalidObjectGetsRealCausesAndMessage) {
  json obj = Environment({{"tier", "prod"},
                          {"minTLSDays", 0},
                          {"region", "EU"},
                          {"domains", {{{"host", "Bad_Host"}}, {{"wildcard", true}}}}});
  std::vector<StatusCause> causes = Admit(obj);
  // Properties are visited in key order (the real server's order is Go-map random).
  std::vector<StatusCause> want = {
      {"FieldValueInvalid", "Invalid value: \"Bad_Host\": spec.domains[0].host in body should match "
                            "'^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'", "spec.domains[0].host"},
      {"FieldValueRequired", "Required value", "spec.domains[1].host"},
      {"FieldValueInvalid", "Invalid value: 0: spec.minTLSDays in body should be greater than or equal to 1",
       "spec.minTLSDays"},
      {"FieldValueInvalid", "Invalid value: \"EU\": spec.region in body should match '^[a-z]'", "spec.region"},
      {"FieldValueNotSupported",
       "Unsupported value: \"prod\": supported values: \"local\", \"staging\", \"production\"", "spec.tier"},
  };
  EXPECT_EQ(R(causes), R(want));
  EXPECT_EQ(InvalidMessage("JustDrivingEnvironment", "justdriving.io", "prod", {causes[4], causes[2]}),
            "JustDrivingEnvironment.justdriving.io \"prod\" is invalid: [spec.tier: Unsupported value: \"prod\": "
            "supported values: \"local\", \"staging\", \"production\", spec.minTLSDays: Invalid value: 0: "
            "spec.minTLSDays in body should be greater than or equal to 1]");
}

TEST(EnvironmentCrd, MissingTierAndWrongTypes) {
  json obj = Environment({{"minTLSDays", "30"}, {"domains", "a.example.com"}});
  EXPECT_EQ(R(Admit(obj)),
            R((std::vector<StatusCause>{
                {"FieldValueTypeInvalid", "Invalid value: \"string\": spec.domains in body must be of type array: \"string\"",
                 "spec.domains"},
                {"FieldValueTypeInvalid",
                 "Invalid value: \"string\": spec.minTLSDays in body must be of type integer: \"string\"",
                 "spec.minTLSDays"},
                {"FieldValueRequired", "Required value", "spec.tier"}})));
}

TEST(EnvironmentCrd, NullWithoutPruningFailsTypeValidation) {
  json obj = Environment({{"tier", "local"}, {"region", nullptr}});
  EXPECT_EQ(R(ValidateAgainstSchema(kEnvironmentSchema, obj)),
            R((std::vector<StatusCause>{{"FieldValueTypeInvalid",
                                       "Invalid value: \"null\": spec.region in body must be of type string: \"null\"",
                                       "spec.region"}})));
}

}  // namespace
}  // namespace kubesim
