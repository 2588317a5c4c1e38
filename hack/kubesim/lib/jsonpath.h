// jsonpath.h — the Kubernetes JSONPath subset used by CRD additionalPrinterColumns (and by
// `kubectl get -o jsonpath`, whose single expressions this also accepts).
//
// Supported, on a JSON value:
//   .a.b  ['a']  ["key.with.dots"]  .labels.kubernetes\.io/name     children (['a','b'] = union)
//   [0]  [-1]  [0,2]  [1:3]  [::2]                                    indexes, unions, slices
//   [*]  .*                                                           every element / map value
//   ..name  ..*                                                       recursive descent
//   [?(@.type=="Ready")]  [?(@.n>=2)]  [?(@.spec.x)]                  filters on array elements
//   $ (root), @ (current), surrounding {…} as in `{.status.phase}`
// Filter operators: == != < <= > >=; literals: "…" or '…' strings, numbers, true/false/null.
//
// Evaluation never fails: a missing key, an index out of range, a filter on a non-array or a
// comparison of incompatible types simply matches nothing (real kubectl reports "not found" for
// a missing key unless allowMissingKeys; printer columns show an empty cell). Only parsing fails.
// Templates with text, `range … end` or several {…} blocks are not supported.
//
// Usage:
//   Result<JsonPath> p = JsonPath::Parse(".status.conditions[?(@.type==\"Ready\")].status");
//   if (!p.ok()) return p.error();                       // 400 BadRequest, kubectl-like message
//   std::vector<nlohmann::json> v = p.value().Evaluate(obj);   // {"True"}
//
//   // One-shot; a bad expression yields no values:
//   auto names = EvaluateJsonPath("{.items[*].metadata.name}", list);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

// api_error.h (shared) trips -Wmissing-field-initializers under -Wextra; keep our builds clean.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "api_error.h"
#pragma GCC diagnostic pop

namespace kubesim {

class JsonPath {
 public:
  // Parses an expression; errors are ApiError::BadRequest("error parsing jsonpath <expr>, ...").
  static Result<JsonPath> Parse(std::string_view expr);

  // All values the expression selects from `root`, in document order (map keys sorted).
  std::vector<nlohmann::json> Evaluate(const nlohmann::json& root) const;

  // One step of a parsed path. Public so that the parser and evaluator can share it; treat as
  // opaque.
  struct Step {
    enum class Kind { kChild, kIndex, kSlice, kWildcard, kRecursive, kFilter };
    Kind kind = Kind::kChild;
    std::vector<std::string> names;     // kChild (several = union); kRecursive: {name} or {} for ..*
    std::vector<std::int64_t> indexes;  // kIndex (several = union)
    std::optional<std::int64_t> start, end;  // kSlice
    std::int64_t step = 1;                   // kSlice
    // kFilter: `@<lhs> <op> <rhs>`; op empty means "lhs exists".
    std::vector<Step> lhs;
    std::string op;
    bool rhs_is_path = false;
    std::vector<Step> rhs_path;  // when rhs_is_path (relative to @)
    nlohmann::json rhs;          // literal otherwise
  };

 private:
  std::vector<Step> steps_;
};

// Parses and evaluates in one go; an unparsable expression returns no values.
std::vector<nlohmann::json> EvaluateJsonPath(std::string_view expr, const nlohmann::json& obj);

}  // namespace kubesim
