// selector.h — label and field selectors, as the list/watch `labelSelector` and `fieldSelector`
// query parameters and metav1.LabelSelector (Deployments, ReplicaSets...) define them.
//
// Label selector grammar (k8s.io/apimachinery/pkg/labels), requirements ANDed by ',':
//   key=value  key==value  key!=value  key in (v1,v2)  key notin (v1)  key  !key  key>5  key<5
// Whitespace between tokens is ignored. Keys must be qualified names (`[prefix/]name`), values
// valid label values; errors are 400 BadRequest with the real server's text, e.g.
//   unable to parse requirement: found '', expected: in, notin, =, ==, !=, gt, lt
// `!=` and `notin` also match objects without the label. An empty selector matches everything.
//
// Field selector grammar (k8s.io/apimachinery/pkg/fields), terms ANDed by ',':
//   field=value  field==value  field!=value
// with `\,` `\=` `\\` escapes in values. Fields are dotted paths into the object
// (metadata.name, status.phase); a missing field reads as "". Only fields the resource supports
// may be used (metadata.name and metadata.namespace always are); any other →
//   400 BadRequest "field label not supported: spec.foo".
// As on the real server, a field selector is not trimmed: "metadata.name = x" names the field
// "metadata.name ".
//
// Usage:
//   Result<LabelSelector> ls = ParseLabelSelector(query["labelSelector"]);
//   if (!ls.ok()) return ls.error();
//   Result<FieldSelector> fs = ParseFieldSelector(query["fieldSelector"], {"status.phase"});
//   if (!fs.ok()) return fs.error();
//   for (const json& obj : objects)
//     if (ls.value().Matches(obj["metadata"].value("labels", json::object())) && fs.value().Matches(obj)) ...
//
//   LabelSelector owned = FromLabelSelectorJson(deployment["spec"]["selector"]);
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_error.h"

namespace kubesim {

enum class SelectorOperator {
  kEquals,        // =
  kDoubleEquals,  // ==
  kNotEquals,     // !=
  kIn,            // in
  kNotIn,         // notin
  kExists,        // key
  kDoesNotExist,  // !key
  kGreaterThan,   // >  (integer comparison)
  kLessThan,      // <  (integer comparison)
};

// One ANDed term of a label selector. `values` is sorted and de-duplicated.
struct LabelRequirement {
  std::string key;
  SelectorOperator op = SelectorOperator::kExists;
  std::vector<std::string> values;

  // `labels` is an object of string values (metadata.labels); null counts as no labels.
  bool Matches(const nlohmann::json& labels) const;
  // The canonical text: "a=b", "a!=b", "a in (x,y)", "!a", "a>5", ...
  std::string String() const;
};

class LabelSelector {
 public:
  // Matches everything.
  LabelSelector() = default;
  explicit LabelSelector(std::vector<LabelRequirement> requirements);
  // Matches nothing (a null metav1.LabelSelector).
  static LabelSelector Nothing();

  bool Matches(const nlohmann::json& labels_object) const;
  bool MatchesEverything() const { return !nothing_ && requirements_.empty(); }
  bool MatchesNothing() const { return nothing_; }
  // Requirements sorted by key, as the real server keeps them.
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }
  // Canonical text, requirements joined by ','; "" for everything and for nothing.
  std::string String() const;

 private:
  std::vector<LabelRequirement> requirements_;
  bool nothing_ = false;
};

// Parses the `labelSelector` query parameter.
Result<LabelSelector> ParseLabelSelector(std::string_view text);

// metav1.LabelSelector {matchLabels, matchExpressions[{key, operator In|NotIn|Exists|DoesNotExist,
// values}]}: null matches nothing, {} matches everything. Errors (unknown operator, invalid key
// or value, values given to Exists...) are 400 BadRequest.
Result<LabelSelector> ParseLabelSelectorJson(const nlohmann::json& selector);
// As ParseLabelSelectorJson, but an invalid selector matches nothing (validation is the
// caller's business; selecting nothing is the safe reading).
LabelSelector FromLabelSelectorJson(const nlohmann::json& selector);
// A plain label map (a Service's spec.selector, matchLabels): every pair must be equal. An empty
// or null map matches everything, so a caller for which "no selector" means "select nothing"
// (Services) must check for that first. Non-string values make it match nothing.
LabelSelector FromLabelMap(const nlohmann::json& labels);

// One ANDed term of a field selector; op is kEquals, kDoubleEquals or kNotEquals.
struct FieldRequirement {
  std::string field;
  SelectorOperator op = SelectorOperator::kEquals;
  std::string value;  // unescaped

  bool Matches(const nlohmann::json& object) const;
};

class FieldSelector {
 public:
  FieldSelector() = default;  // matches everything
  explicit FieldSelector(std::vector<FieldRequirement> requirements) : requirements_(std::move(requirements)) {}

  bool Matches(const nlohmann::json& object) const;
  bool MatchesEverything() const { return requirements_.empty(); }
  const std::vector<FieldRequirement>& requirements() const { return requirements_; }

 private:
  std::vector<FieldRequirement> requirements_;
};

// Parses the `fieldSelector` query parameter. `supported_fields` lists the dotted field paths
// the resource supports besides metadata.name and metadata.namespace.
Result<FieldSelector> ParseFieldSelector(std::string_view text, const std::vector<std::string>& supported_fields);

// The value a field selector compares for `path` ("status.phase"): strings as they are,
// booleans and numbers as text, anything missing or not scalar as "".
std::string FieldValue(const nlohmann::json& object, std::string_view path);

}  // namespace kubesim
