// selector.cpp — see selector.h.
#include "selector.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace kubesim {
namespace {

using nlohmann::json;

// --- validation, with k8s.io/apimachinery/pkg/util/validation's messages -------------------

constexpr std::string_view kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kQualifiedNameErr =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
constexpr std::string_view kDns1123SubdomainErr =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
constexpr std::string_view kLabelValueErr =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
    "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], anchored.
bool IsQualifiedNamePart(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool IsDns1123Subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    const std::string_view label = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (label.empty() || !lower_alnum(label.front()) || !lower_alnum(label.back())) return false;
    if (!std::all_of(label.begin(), label.end(), [&](char c) { return lower_alnum(c) || c == '-'; })) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

std::vector<std::string> QualifiedNameErrors(std::string_view value) {
  std::vector<std::string> errs;
  std::string_view name = value;
  const size_t slashes = static_cast<size_t>(std::count(value.begin(), value.end(), '/'));
  if (slashes > 1) {
    errs.push_back("a qualified name " + std::string(kQualifiedNameErr) +
                   " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
    return errs;
  }
  if (slashes == 1) {
    const size_t slash = value.find('/');
    const std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else if (prefix.size() > 253) {
      errs.push_back("prefix part must be no more than 253 characters");
    } else if (!IsDns1123Subdomain(prefix)) {
      errs.push_back("prefix part " + std::string(kDns1123SubdomainErr));
    }
  }
  if (name.empty()) errs.push_back("name part must be non-empty");
  else if (name.size() > 63) errs.push_back("name part must be no more than 63 characters");
  if (!IsQualifiedNamePart(name)) errs.push_back("name part " + std::string(kQualifiedNameErr));
  return errs;
}

std::vector<std::string> LabelValueErrors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back("must be no more than 63 characters");
  if (!value.empty() && !IsQualifiedNamePart(value)) errs.push_back(std::string(kLabelValueErr));
  return errs;
}

// Go's %q for the strings we meet (printable ASCII mostly).
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// field.Invalid(path, value, detail).Error()
std::string InvalidValue(std::string_view path, std::string_view value, std::string_view detail) {
  return std::string(path) + ": Invalid value: " + Quote(value) + ": " + std::string(detail);
}

std::optional<int64_t> ParseInt64(std::string_view s) {
  int64_t v = 0;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  if (!s.empty() && *begin == '+') ++begin;  // strconv.ParseInt accepts a leading sign
  auto [ptr, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc() || ptr != end || begin == end) return std::nullopt;
  return v;
}

// labels.NewRequirement: validates and normalises (sorted, unique values). Errors are the text
// of the Go error (without the "unable to parse requirement: " prefix).
Result<LabelRequirement> NewRequirement(std::string key, SelectorOperator op, std::vector<std::string> values,
                                        std::string_view key_path) {
  std::vector<std::string> errs;
  // field.Invalid(path, vals, ...) prints the slice with Go's %#v.
  std::string go_values = "[]string{";
  for (size_t i = 0; i < values.size(); ++i) go_values += (i ? ", " : "") + Quote(values[i]);
  go_values += "}";
  auto invalid_values = [&](std::string_view detail) { return "values: Invalid value: " + go_values + ": " + std::string(detail); };
  if (auto key_errs = QualifiedNameErrors(key); !key_errs.empty()) {
    errs.push_back(InvalidValue(key_path, key, Join(key_errs, "; ")));
  }
  switch (op) {
    case SelectorOperator::kIn:
    case SelectorOperator::kNotIn:
      if (values.empty()) errs.push_back(invalid_values("for 'in', 'notin' operators, values set can't be empty"));
      break;
    case SelectorOperator::kEquals:
    case SelectorOperator::kDoubleEquals:
    case SelectorOperator::kNotEquals:
      if (values.size() != 1) errs.push_back(invalid_values("exact-match compatibility requires one single value"));
      break;
    case SelectorOperator::kExists:
    case SelectorOperator::kDoesNotExist:
      if (!values.empty()) errs.push_back(invalid_values("values set must be empty for exists and does not exist"));
      break;
    case SelectorOperator::kGreaterThan:
    case SelectorOperator::kLessThan:
      if (values.size() != 1) errs.push_back(invalid_values("for 'Gt', 'Lt' operators, exactly one value is required"));
      for (size_t i = 0; i < values.size(); ++i) {
        if (!ParseInt64(values[i])) {
          errs.push_back(InvalidValue("values[" + std::to_string(i) + "]", values[i],
                                      "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      }
      break;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (auto value_errs = LabelValueErrors(values[i]); !value_errs.empty()) {
      errs.push_back(InvalidValue("values[" + std::to_string(i) + "]", values[i], Join(value_errs, "; ")));
    }
  }
  if (errs.size() == 1) return ApiError::BadRequest(errs.front());
  if (!errs.empty()) return ApiError::BadRequest("[" + Join(errs, ", ") + "]");
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return LabelRequirement{std::move(key), op, std::move(values)};
}

// --- label selector lexer and parser (same tokens, states and messages as the Go parser) -----

enum class Tok {
  kError, kEnd, kClosedPar, kComma, kDoesNotExist, kDoubleEquals, kEquals, kGreaterThan, kIdentifier,
  kIn, kLessThan, kNotEquals, kNotIn, kOpenPar,
};

struct Token {
  Tok tok;
  std::string literal;
};

bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsSpecialSymbol(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

std::optional<Tok> SymbolToken(std::string_view s) {
  if (s == "!") return Tok::kDoesNotExist;
  if (s == "!=") return Tok::kNotEquals;
  if (s == "(") return Tok::kOpenPar;
  if (s == ")") return Tok::kClosedPar;
  if (s == ",") return Tok::kComma;
  if (s == "=") return Tok::kEquals;
  if (s == "==") return Tok::kDoubleEquals;
  if (s == ">") return Tok::kGreaterThan;
  if (s == "<") return Tok::kLessThan;
  return std::nullopt;
}

std::vector<Token> Lex(std::string_view in) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    while (i < in.size() && IsWhitespace(in[i])) ++i;
    if (i >= in.size() || in[i] == '\0') {
      out.push_back({Tok::kEnd, ""});
      return out;
    }
    if (IsSpecialSymbol(in[i])) {
      // Longest run of symbols that still forms a token.
      std::string buffer;
      std::optional<Token> last;
      while (i < in.size() && IsSpecialSymbol(in[i])) {
        buffer += in[i];
        if (auto t = SymbolToken(buffer)) {
          last = Token{*t, buffer};
          ++i;
        } else if (last) {
          break;
        } else {
          ++i;
        }
      }
      if (!last) {
        out.push_back({Tok::kError, "error expected: keyword found '" + buffer + "'"});
        out.push_back({Tok::kEnd, ""});
        return out;
      }
      out.push_back(*last);
      continue;
    }
    size_t start = i;
    while (i < in.size() && !IsWhitespace(in[i]) && !IsSpecialSymbol(in[i]) && in[i] != '\0') ++i;
    std::string word(in.substr(start, i - start));
    if (word == "in") out.push_back({Tok::kIn, word});
    else if (word == "notin") out.push_back({Tok::kNotIn, word});
    else out.push_back({Tok::kIdentifier, std::move(word)});
  }
}

// Values context reads the keywords "in"/"notin" as plain identifiers.
enum class Context { kKeyAndOperator, kValues };

class Parser {
 public:
  explicit Parser(std::string_view text) : tokens_(Lex(text)) {}

  Result<LabelSelector> Parse() {
    std::vector<LabelRequirement> reqs;
    while (true) {
      const Token t = Lookahead(Context::kValues);
      switch (t.tok) {
        case Tok::kIdentifier:
        case Tok::kDoesNotExist: {
          Result<LabelRequirement> r = ParseRequirement();
          if (!r.ok()) return ApiError::BadRequest("unable to parse requirement: " + r.error().message);
          reqs.push_back(std::move(r).value());
          const Token sep = Consume(Context::kValues);
          if (sep.tok == Tok::kEnd) return LabelSelector(std::move(reqs));
          if (sep.tok != Tok::kComma) {
            return ApiError::BadRequest("found '" + sep.literal + "', expected: ',' or 'end of string'");
          }
          const Token next = Lookahead(Context::kValues);
          if (next.tok != Tok::kIdentifier && next.tok != Tok::kDoesNotExist) {
            return ApiError::BadRequest("found '" + next.literal + "', expected: identifier after ','");
          }
          break;
        }
        case Tok::kEnd:
          return LabelSelector(std::move(reqs));
        default:
          return ApiError::BadRequest("found '" + t.literal + "', expected: !, identifier, or 'end of string'");
      }
    }
  }

 private:
  Token Lookahead(Context ctx) const { return InContext(tokens_[std::min(pos_, tokens_.size() - 1)], ctx); }
  Token Consume(Context ctx) {
    Token t = Lookahead(ctx);
    if (pos_ < tokens_.size() - 1) ++pos_;
    return t;
  }
  static Token InContext(Token t, Context ctx) {
    if (ctx == Context::kValues && (t.tok == Tok::kIn || t.tok == Tok::kNotIn)) t.tok = Tok::kIdentifier;
    return t;
  }
  static ApiError Err(std::string msg) { return ApiError::BadRequest(std::move(msg)); }

  Result<LabelRequirement> ParseRequirement() {
    // Key, and the unary operators ("key", "!key").
    std::optional<SelectorOperator> op;
    Token t = Consume(Context::kValues);
    if (t.tok == Tok::kDoesNotExist) {
      op = SelectorOperator::kDoesNotExist;
      t = Consume(Context::kValues);
    }
    if (t.tok != Tok::kIdentifier) return Err("found '" + t.literal + "', expected: identifier");
    std::string key = t.literal;
    if (auto errs = QualifiedNameErrors(key); !errs.empty()) return Err(InvalidValue("<nil>", key, Join(errs, "; ")));
    const Tok after = Lookahead(Context::kValues).tok;
    if (after == Tok::kEnd || after == Tok::kComma) {
      if (!op) op = SelectorOperator::kExists;
    }
    if (op) return NewRequirement(std::move(key), *op, {}, "key");

    // Binary operator.
    const Token o = Consume(Context::kKeyAndOperator);
    switch (o.tok) {
      case Tok::kIn: op = SelectorOperator::kIn; break;
      case Tok::kNotIn: op = SelectorOperator::kNotIn; break;
      case Tok::kEquals: op = SelectorOperator::kEquals; break;
      case Tok::kDoubleEquals: op = SelectorOperator::kDoubleEquals; break;
      case Tok::kNotEquals: op = SelectorOperator::kNotEquals; break;
      case Tok::kGreaterThan: op = SelectorOperator::kGreaterThan; break;
      case Tok::kLessThan: op = SelectorOperator::kLessThan; break;
      default: return Err("found '" + o.literal + "', expected: in, notin, =, ==, !=, gt, lt");
    }
    Result<std::vector<std::string>> values = (*op == SelectorOperator::kIn || *op == SelectorOperator::kNotIn)
                                                  ? ParseValues()
                                                  : ParseExactValue();
    if (!values.ok()) return values.error();
    // The Go parser collects values in a set and validates them in sorted order.
    std::vector<std::string> sorted = std::move(values).value();
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    return NewRequirement(std::move(key), *op, std::move(sorted), "key");
  }

  // "(" [identifier] {"," [identifier]} ")"; empty entries read as "".
  Result<std::vector<std::string>> ParseValues() {
    const Token open = Consume(Context::kValues);
    if (open.tok != Tok::kOpenPar) return Err("found '" + open.literal + "' expected: '('");
    const Token first = Lookahead(Context::kValues);
    if (first.tok == Tok::kClosedPar) {
      Consume(Context::kValues);
      return std::vector<std::string>{""};
    }
    if (first.tok != Tok::kIdentifier && first.tok != Tok::kComma) {
      return Err("found '" + first.literal + "', expected: ',', ')' or identifier");
    }
    std::vector<std::string> values;
    while (true) {
      const Token t = Consume(Context::kValues);
      if (t.tok == Tok::kIdentifier) {
        values.push_back(t.literal);
        const Token next = Lookahead(Context::kValues);
        if (next.tok == Tok::kComma) continue;
        if (next.tok == Tok::kClosedPar) break;
        return Err("found '" + next.literal + "', expected: ',' or ')'");
      }
      if (t.tok == Tok::kComma) {
        if (values.empty()) values.push_back("");  // "(,"
        const Token next = Lookahead(Context::kValues);
        if (next.tok == Tok::kClosedPar) {  // ",)"
          values.push_back("");
          break;
        }
        if (next.tok == Tok::kComma) {  // ",,"
          Consume(Context::kValues);
          values.push_back("");
        }
        continue;
      }
      return Err("found '" + t.literal + "', expected: ',', or identifier");
    }
    const Token close = Consume(Context::kValues);
    if (close.tok != Tok::kClosedPar) return Err("found '" + close.literal + "', expected: ')'");
    return values;
  }

  // A single value; "a=" (followed by ',' or the end) is the empty value.
  Result<std::vector<std::string>> ParseExactValue() {
    const Tok next = Lookahead(Context::kValues).tok;
    if (next == Tok::kEnd || next == Tok::kComma) return std::vector<std::string>{""};
    const Token t = Consume(Context::kValues);
    if (t.tok == Tok::kIdentifier) return std::vector<std::string>{t.literal};
    return Err("found '" + t.literal + "', expected: identifier");
  }

  std::vector<Token> tokens_;  // always ends with kEnd
  size_t pos_ = 0;
};

const std::string* LabelOf(const json& labels, const std::string& key) {
  if (!labels.is_object()) return nullptr;
  auto it = labels.find(key);
  if (it == labels.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

const char* OperatorText(SelectorOperator op) {
  switch (op) {
    case SelectorOperator::kEquals: return "=";
    case SelectorOperator::kDoubleEquals: return "==";
    case SelectorOperator::kNotEquals: return "!=";
    case SelectorOperator::kIn: return " in ";
    case SelectorOperator::kNotIn: return " notin ";
    case SelectorOperator::kGreaterThan: return ">";
    case SelectorOperator::kLessThan: return "<";
    case SelectorOperator::kExists:
    case SelectorOperator::kDoesNotExist: return "";
  }
  return "";
}

// --- field selectors ---------------------------------------------------------------------------

// Splits on ',' not preceded by a backslash escape.
std::vector<std::string_view> SplitTerms(std::string_view s) {
  std::vector<std::string_view> terms;
  if (s.empty()) return terms;
  size_t start = 0;
  bool in_slash = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (in_slash) in_slash = false;
    else if (s[i] == '\\') in_slash = true;
    else if (s[i] == ',') {
      terms.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.push_back(s.substr(start));
  return terms;
}

Result<std::string> UnescapeValue(std::string_view s) {
  std::string out;
  bool in_slash = false;
  for (char c : s) {
    if (in_slash) {
      if (c != '\\' && c != ',' && c != '=') {
        return ApiError::BadRequest("invalid field selector: invalid escape sequence: \\" + std::string(1, c));
      }
      out += c;
      in_slash = false;
    } else if (c == '\\') {
      in_slash = true;
    } else if (c == ',' || c == '=') {
      return ApiError::BadRequest("invalid field selector: unescaped character in value: " + std::string(1, c));
    } else {
      out += c;
    }
  }
  if (in_slash) return ApiError::BadRequest("invalid field selector: invalid escape sequence: \\");
  return out;
}

}  // namespace

// --- LabelRequirement / LabelSelector -------------------------------------------------------------

bool LabelRequirement::Matches(const json& labels) const {
  const std::string* v = LabelOf(labels, key);
  auto in_values = [&] { return v != nullptr && std::binary_search(values.begin(), values.end(), *v); };
  switch (op) {
    case SelectorOperator::kIn:
    case SelectorOperator::kEquals:
    case SelectorOperator::kDoubleEquals:
      return in_values();
    case SelectorOperator::kNotIn:
    case SelectorOperator::kNotEquals:
      return !in_values();
    case SelectorOperator::kExists:
      return v != nullptr;
    case SelectorOperator::kDoesNotExist:
      return v == nullptr;
    case SelectorOperator::kGreaterThan:
    case SelectorOperator::kLessThan: {
      if (v == nullptr || values.size() != 1) return false;
      const std::optional<int64_t> have = ParseInt64(*v);
      const std::optional<int64_t> want = ParseInt64(values.front());
      if (!have || !want) return false;
      return op == SelectorOperator::kGreaterThan ? *have > *want : *have < *want;
    }
  }
  return false;
}

std::string LabelRequirement::String() const {
  if (op == SelectorOperator::kExists) return key;
  if (op == SelectorOperator::kDoesNotExist) return "!" + key;
  std::string out = key + OperatorText(op);
  if (op == SelectorOperator::kIn || op == SelectorOperator::kNotIn) return out + "(" + Join(values, ",") + ")";
  return out + (values.empty() ? "" : values.front());
}

LabelSelector::LabelSelector(std::vector<LabelRequirement> requirements) : requirements_(std::move(requirements)) {
  std::stable_sort(requirements_.begin(), requirements_.end(),
                   [](const LabelRequirement& a, const LabelRequirement& b) { return a.key < b.key; });
}

LabelSelector LabelSelector::Nothing() {
  LabelSelector s;
  s.nothing_ = true;
  return s;
}

bool LabelSelector::Matches(const json& labels_object) const {
  if (nothing_) return false;
  return std::all_of(requirements_.begin(), requirements_.end(),
                     [&](const LabelRequirement& r) { return r.Matches(labels_object); });
}

std::string LabelSelector::String() const {
  std::vector<std::string> parts;
  for (const auto& r : requirements_) parts.push_back(r.String());
  return Join(parts, ",");
}

Result<LabelSelector> ParseLabelSelector(std::string_view text) { return Parser(text).Parse(); }

Result<LabelSelector> ParseLabelSelectorJson(const json& selector) {
  if (selector.is_null()) return LabelSelector::Nothing();
  if (!selector.is_object()) return ApiError::BadRequest("a label selector must be an object");
  std::vector<LabelRequirement> reqs;
  if (auto ml = selector.find("matchLabels"); ml != selector.end() && !ml->is_null()) {
    if (!ml->is_object()) return ApiError::BadRequest("matchLabels must be an object");
    for (const auto& [k, v] : ml->items()) {
      if (!v.is_string()) return ApiError::BadRequest("matchLabels." + k + " must be a string");
      Result<LabelRequirement> r = NewRequirement(k, SelectorOperator::kEquals, {v.get<std::string>()}, "key");
      if (!r.ok()) return r.error();
      reqs.push_back(std::move(r).value());
    }
  }
  if (auto me = selector.find("matchExpressions"); me != selector.end() && !me->is_null()) {
    if (!me->is_array()) return ApiError::BadRequest("matchExpressions must be an array");
    for (const json& expr : *me) {
      if (!expr.is_object()) return ApiError::BadRequest("matchExpressions entries must be objects");
      const std::string key = expr.value("key", "");
      const std::string op_text = expr.value("operator", "");
      SelectorOperator op;
      if (op_text == "In") op = SelectorOperator::kIn;
      else if (op_text == "NotIn") op = SelectorOperator::kNotIn;
      else if (op_text == "Exists") op = SelectorOperator::kExists;
      else if (op_text == "DoesNotExist") op = SelectorOperator::kDoesNotExist;
      else return ApiError::BadRequest(Quote(op_text) + " is not a valid label selector operator");
      std::vector<std::string> values;
      if (auto vs = expr.find("values"); vs != expr.end() && !vs->is_null()) {
        if (!vs->is_array()) return ApiError::BadRequest("matchExpressions values must be an array");
        for (const json& v : *vs) {
          if (!v.is_string()) return ApiError::BadRequest("matchExpressions values must be strings");
          values.push_back(v.get<std::string>());
        }
      }
      Result<LabelRequirement> r = NewRequirement(key, op, std::move(values), "key");
      if (!r.ok()) return r.error();
      reqs.push_back(std::move(r).value());
    }
  }
  return LabelSelector(std::move(reqs));
}

LabelSelector FromLabelSelectorJson(const json& selector) {
  Result<LabelSelector> r = ParseLabelSelectorJson(selector);
  return r.ok() ? std::move(r).value() : LabelSelector::Nothing();
}

LabelSelector FromLabelMap(const json& labels) {
  if (labels.is_null()) return LabelSelector();
  if (!labels.is_object()) return LabelSelector::Nothing();
  std::vector<LabelRequirement> reqs;
  for (const auto& [k, v] : labels.items()) {
    if (!v.is_string()) return LabelSelector::Nothing();
    reqs.push_back({k, SelectorOperator::kEquals, {v.get<std::string>()}});
  }
  return LabelSelector(std::move(reqs));
}

// --- FieldRequirement / FieldSelector -----------------------------------------------------------

std::string FieldValue(const json& object, std::string_view path) {
  const json* cur = &object;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string part(path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (!cur->is_object()) return "";
    auto it = cur->find(part);
    if (it == cur->end()) return "";
    cur = &*it;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_boolean()) return cur->get<bool>() ? "true" : "false";
  if (cur->is_number()) return cur->dump();
  return "";
}

bool FieldRequirement::Matches(const json& object) const {
  const bool equal = FieldValue(object, field) == value;
  return op == SelectorOperator::kNotEquals ? !equal : equal;
}

bool FieldSelector::Matches(const json& object) const {
  return std::all_of(requirements_.begin(), requirements_.end(),
                     [&](const FieldRequirement& r) { return r.Matches(object); });
}

Result<FieldSelector> ParseFieldSelector(std::string_view text, const std::vector<std::string>& supported_fields) {
  std::vector<FieldRequirement> reqs;
  for (std::string_view term : SplitTerms(text)) {
    if (term.empty()) continue;
    // The first operator found, left to right; at one position "!=" and "==" win over "=".
    size_t at = std::string_view::npos;
    SelectorOperator op = SelectorOperator::kEquals;
    size_t op_len = 0;
    for (size_t i = 0; i < term.size() && at == std::string_view::npos; ++i) {
      const std::string_view rest = term.substr(i);
      if (rest.substr(0, 2) == "!=") at = i, op = SelectorOperator::kNotEquals, op_len = 2;
      else if (rest.substr(0, 2) == "==") at = i, op = SelectorOperator::kDoubleEquals, op_len = 2;
      else if (rest.substr(0, 1) == "=") at = i, op = SelectorOperator::kEquals, op_len = 1;
    }
    if (at == std::string_view::npos) {
      return ApiError::BadRequest("invalid selector: '" + std::string(text) + "'; can't understand '" +
                                  std::string(term) + "'");
    }
    std::string field(term.substr(0, at));
    Result<std::string> value = UnescapeValue(term.substr(at + op_len));
    if (!value.ok()) return value.error();
    const bool supported = field == "metadata.name" || field == "metadata.namespace" ||
                           std::find(supported_fields.begin(), supported_fields.end(), field) != supported_fields.end();
    if (!supported) return ApiError::BadRequest("field label not supported: " + field);
    reqs.push_back({std::move(field), op, std::move(value).value()});
  }
  return FieldSelector(std::move(reqs));
}

}  // namespace kubesim
