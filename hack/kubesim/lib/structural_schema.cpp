// structural_schema.cpp — see structural_schema.h.
//
// The behaviour follows apiextensions-apiserver (pruning, defaulting, structural checks) and the
// kube-openapi validator it uses for custom resources, as converted to field errors by
// apiextensions (kubeOpenAPIResultToFieldErrors) and rendered by apimachinery's field.Error
// (k8s 1.32). The code is our own; only the observable messages are matched.
#include "structural_schema.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <regex>
#include <set>
#include <utility>

namespace kubesim {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Schema accessors. A schema node is a JSON object; "no schema" is nullptr.

const json* Child(const json* s, const char* key) {
  if (s == nullptr || !s->is_object()) return nullptr;
  auto it = s->find(key);
  return it == s->end() ? nullptr : &*it;
}

bool Flag(const json* s, const char* key) {
  const json* v = Child(s, key);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

std::string StringField(const json* s, const char* key) {
  const json* v = Child(s, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

const json* Properties(const json* s) {
  const json* p = Child(s, "properties");
  return p != nullptr && p->is_object() ? p : nullptr;
}

const json* Property(const json* s, const std::string& name) {
  const json* props = Properties(s);
  if (props == nullptr) return nullptr;
  auto it = props->find(name);
  return it == props->end() ? nullptr : &*it;
}

// additionalProperties: absent, a boolean, or a schema.
struct AdditionalProperties {
  bool present = false;
  bool allows = true;
  const json* schema = nullptr;
};

AdditionalProperties Additional(const json* s) {
  AdditionalProperties ap;
  const json* v = Child(s, "additionalProperties");
  if (v == nullptr) return ap;
  ap.present = true;
  if (v->is_boolean()) {
    ap.allows = v->get<bool>();
  } else if (v->is_object()) {
    ap.schema = v;
  }
  return ap;
}

const json* Items(const json* s) {
  const json* v = Child(s, "items");
  return v != nullptr && v->is_object() ? v : nullptr;
}

bool IsMetaField(const std::string& k) { return k == "apiVersion" || k == "kind" || k == "metadata"; }

// ---------------------------------------------------------------------------------------------
// Go-style rendering of values, as they appear in Kubernetes error messages.

// strconv.Quote (ASCII control characters escaped; other bytes passed through).
std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string ToChars(double f, std::chars_format fmt) {
  char buf[128];
  auto r = std::to_chars(buf, buf + sizeof buf, f, fmt);
  return std::string(buf, r.ptr);
}

// Decimal exponent of the shortest representation of f (f != 0, finite).
int DecimalExponent(double f) {
  std::string sci = ToChars(f, std::chars_format::scientific);
  return std::stoi(sci.substr(sci.find('e') + 1));
}

// fmt's %v for a float64: %g with the shortest precision, i.e. the shortest round-trip digits,
// in exponent form when the decimal exponent is < -4 or >= 6 (1000000 -> "1e+06", 0.5 -> "0.5").
std::string GoFloat(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  if (f == 0) return std::signbit(f) ? "-0" : "0";
  int exp = DecimalExponent(f);
  if (exp < -4 || exp >= 6) return ToChars(f, std::chars_format::scientific);
  return ToChars(f, std::chars_format::fixed);
}

// encoding/json's float64 encoding: 'f' unless abs < 1e-6 or abs >= 1e21; "e-07" -> "e-7".
std::string GoJsonFloat(double f) {
  if (!std::isfinite(f)) return "null";  // Go refuses; never happens for parsed JSON
  double a = std::fabs(f);
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    std::string s = ToChars(f, std::chars_format::scientific);
    size_t n = s.size();
    if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') s.erase(n - 2, 1);
    return s;
  }
  return ToChars(f, std::chars_format::fixed);
}

std::string GoJsonString(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else if (c == 0xe2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                   (static_cast<unsigned char>(s[i + 2]) == 0xa8 || static_cast<unsigned char>(s[i + 2]) == 0xa9)) {
          out += static_cast<unsigned char>(s[i + 2]) == 0xa8 ? "\\u2028" : "\\u2029";
          i += 2;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

// json.Marshal of a decoded JSON value (object keys sorted, as nlohmann::json keeps them).
std::string GoJson(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case json::value_t::number_integer: return std::to_string(v.get<std::int64_t>());
    case json::value_t::number_unsigned: return std::to_string(v.get<std::uint64_t>());
    case json::value_t::number_float: return GoJsonFloat(v.get<double>());
    case json::value_t::string: return GoJsonString(v.get<std::string>());
    case json::value_t::array: {
      std::string out = "[";
      for (size_t i = 0; i < v.size(); ++i) {
        if (i > 0) out += ',';
        out += GoJson(v[i]);
      }
      return out + "]";
    }
    case json::value_t::object: {
      std::string out = "{";
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ',';
        first = false;
        out += GoJsonString(it.key()) + ":" + GoJson(it.value());
      }
      return out + "}";
    }
    default: return "null";
  }
}

// How field.Error.ErrorBody renders a bad value (k8s 1.32): %v for numbers and booleans, %q for
// strings, JSON for anything else (null included).
std::string GoValue(const json& v) {
  switch (v.type()) {
    case json::value_t::string: return GoQuote(v.get<std::string>());
    case json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case json::value_t::number_integer: return std::to_string(v.get<std::int64_t>());
    case json::value_t::number_unsigned: return std::to_string(v.get<std::uint64_t>());
    case json::value_t::number_float: return GoFloat(v.get<double>());
    default: return GoJson(v);
  }
}

// ---------------------------------------------------------------------------------------------
// field.Error constructors, already rendered as StatusCauses.

StatusCause Required(std::string field, std::string_view detail = {}) {
  std::string msg = "Required value";
  if (!detail.empty()) msg += ": " + std::string(detail);
  return {"FieldValueRequired", std::move(msg), std::move(field)};
}

StatusCause WithValue(const char* reason, const char* type, std::string field, const json& bad,
                      std::string_view detail) {
  std::string msg = std::string(type) + ": " + GoValue(bad);
  if (!detail.empty()) msg += ": " + std::string(detail);
  return {reason, std::move(msg), std::move(field)};
}

StatusCause Invalid(std::string field, const json& bad, std::string_view detail) {
  return WithValue("FieldValueInvalid", "Invalid value", std::move(field), bad, detail);
}

StatusCause TypeInvalid(std::string field, const json& bad, std::string_view detail) {
  return WithValue("FieldValueTypeInvalid", "Invalid value", std::move(field), bad, detail);
}

StatusCause NotSupported(std::string field, const json& bad, const std::vector<std::string>& valid) {
  std::string detail;
  if (!valid.empty()) {
    detail = "supported values: ";
    for (size_t i = 0; i < valid.size(); ++i) {
      if (i > 0) detail += ", ";
      detail += GoQuote(valid[i]);
    }
  }
  return WithValue("FieldValueNotSupported", "Unsupported value", std::move(field), bad, detail);
}

StatusCause Forbidden(std::string field, std::string_view detail) {
  return {"FieldValueForbidden", "Forbidden: " + std::string(detail), std::move(field)};
}

StatusCause TooLong(std::string field, std::int64_t max) {
  std::string msg = "Too long: may not be more than " + std::to_string(max) + (max == 1 ? " byte" : " bytes");
  return {"FieldValueTooLong", std::move(msg), std::move(field)};
}

StatusCause TooMany(std::string field, std::int64_t actual, std::int64_t max) {
  std::string msg = "Too many: " + std::to_string(actual) + ": must have at most " + std::to_string(max) +
                    (max == 1 ? " item" : " items");
  return {"FieldValueTooMany", std::move(msg), std::move(field)};
}

// field.Path helpers.
std::string PathChild(const std::string& base, const std::string& name) {
  return base.empty() ? name : base + "." + name;
}
std::string PathKey(const std::string& base, const std::string& key) { return base + "[" + key + "]"; }
std::string PathIndex(const std::string& base, size_t i) { return base + "[" + std::to_string(i) + "]"; }

// ---------------------------------------------------------------------------------------------
// Numbers.

bool IsInteger(const json& x) { return x.is_number_integer(); }  // signed or unsigned

std::int64_t AsInt64(const json& x) {
  if (x.is_number_unsigned()) {
    auto u = x.get<std::uint64_t>();
    return u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
               ? std::numeric_limits<std::int64_t>::max()
               : static_cast<std::int64_t>(u);
  }
  if (x.is_number_integer()) return x.get<std::int64_t>();
  double f = x.get<double>();
  if (!(f > -9.2e18)) return std::numeric_limits<std::int64_t>::min();
  if (!(f < 9.2e18)) return std::numeric_limits<std::int64_t>::max();
  return static_cast<std::int64_t>(f);  // truncation, like Go's int64(f)
}

// Go's int64(f) for a schema bound; clamped instead of implementation-defined.
std::int64_t TruncBound(double f) {
  if (!(f > -9.2e18)) return std::numeric_limits<std::int64_t>::min();
  if (!(f < 9.2e18)) return std::numeric_limits<std::int64_t>::max();
  return static_cast<std::int64_t>(f);
}

// swag.IsFloat64AJSONInteger.
bool IsWholeJsonNumber(double f) {
  if (!std::isfinite(f) || std::fabs(f) > 9007199254740992.0) return false;
  return f == std::trunc(f);
}

const char* DataType(const json& x) {
  switch (x.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    default: return "";
  }
}

// Number of UTF-8 code points (utf8.RuneCount, ignoring invalid sequences' subtleties).
std::int64_t RuneCount(const std::string& s) {
  std::int64_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

bool OptionalInt(const json* s, const char* key, std::int64_t& out) {
  const json* v = Child(s, key);
  if (v == nullptr || !v->is_number()) return false;
  out = AsInt64(*v);
  return true;
}

bool OptionalNumber(const json* s, const char* key, double& out) {
  const json* v = Child(s, key);
  if (v == nullptr || !v->is_number()) return false;
  out = v->get<double>();
  return true;
}

// ---------------------------------------------------------------------------------------------
// Formats (strfmt subset).

bool AllDigits(const std::string& s, size_t pos, size_t n) {
  if (pos + n > s.size()) return false;
  for (size_t i = pos; i < pos + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

int Num(const std::string& s, size_t pos, size_t n) { return std::stoi(s.substr(pos, n)); }

bool IsDate(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !AllDigits(s, 0, 4) || !AllDigits(s, 5, 2) ||
      !AllDigits(s, 8, 2))
    return false;
  int y = Num(s, 0, 4), m = Num(s, 5, 2), d = Num(s, 8, 2);
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  int max = kDays[m - 1];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) max = 29;
  return d <= max;
}

// hh:mm:ss[.frac](z|Z|+hh:mm|-hh:mm)
bool IsTimeOfDay(const std::string& t) {
  if (t.size() < 9 || !AllDigits(t, 0, 2) || t[2] != ':' || !AllDigits(t, 3, 2) || t[5] != ':' ||
      !AllDigits(t, 6, 2))
    return false;
  if (Num(t, 0, 2) > 23 || Num(t, 3, 2) > 59 || Num(t, 6, 2) > 59) return false;
  size_t i = 8;
  if (i < t.size() && t[i] == '.') {
    size_t start = ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == start) return false;
  }
  std::string zone = t.substr(i);
  if (zone == "Z" || zone == "z") return true;
  return zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && AllDigits(zone, 1, 2) && zone[3] == ':' &&
         AllDigits(zone, 4, 2);
}

bool IsDateTime(const std::string& s) {
  size_t t = s.find_first_of("Tt");
  return t != std::string::npos && IsDate(s.substr(0, t)) && IsTimeOfDay(s.substr(t + 1));
}

bool IsBase64(std::string s) {  // base64.StdEncoding (which skips \r and \n)
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n'; }), s.end());
  if (s.size() % 4 != 0) return false;
  size_t pad = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (c == '=') {
      ++pad;
    } else if (!alpha || pad > 0) {
      return false;
    }
  }
  return pad <= 2;
}

bool IsUUID(const std::string& s) {
  static const std::regex kUUID("^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$",
                                std::regex::icase);
  return std::regex_match(s, kUUID);
}

bool IsIPv4(const std::string& s) {
  size_t pos = 0;
  for (int part = 0; part < 4; ++part) {
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    size_t len = pos - start;
    if (len == 0 || len > 3 || (len > 1 && s[start] == '0') || Num(s, start, len) > 255) return false;
    if (part < 3) {
      if (pos >= s.size() || s[pos] != '.') return false;
      ++pos;
    }
  }
  return pos == s.size();
}

// Returns 1 valid, 0 invalid, -1 when the format is not checked here.
int CheckFormat(const std::string& format, const std::string& v) {
  if (format == "date-time" || format == "datetime") return IsDateTime(v);
  if (format == "date") return IsDate(v);
  if (format == "byte") return IsBase64(v);
  if (format == "uuid" || format == "uuid3" || format == "uuid4" || format == "uuid5") return IsUUID(v);
  if (format == "ipv4") return IsIPv4(v);
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Validation (kube-openapi SchemaValidator semantics).

class SchemaValidator {
 public:
  // `base` is the field path the whole value sits at ("" for a custom resource, whose root
  // errors then read "<nil>"; "....default" when validating a default value).
  SchemaValidator(std::string base, std::vector<StatusCause>& out) : base_(std::move(base)), out_(out) {}

  // `name` is kube-openapi's path string: "" for the root, "spec.tier", ".key" for
  // additionalProperties at the root, "spec.domains[0]".
  void Validate(const json& s, const json& x, const std::string& name) {
    if (x.is_null()) {
      CheckType(s, x, name);
      CheckEnum(s, x, name);
      return;
    }
    CheckType(s, x, name);
    if (x.is_string()) {
      CheckString(s, x, name);
      CheckFormatOf(s, x, name);
    }
    if (x.is_number()) CheckNumber(s, x, name);
    if (x.is_array()) CheckArray(s, x, name);
    CheckEnum(s, x, name);
    if (x.is_object()) CheckObject(s, x, name);
  }

 private:
  // apiextensions: errPath = fldPath.Child(strings.TrimPrefix(name, ".")).
  std::string Field(const std::string& name) const {
    std::string n = (!name.empty() && name[0] == '.') ? name.substr(1) : name;
    if (name.empty() || name == ".") return base_.empty() ? "<nil>" : base_;
    return PathChild(base_, n);
  }

  static std::string TypeMessage(const std::string& name, const std::string& type, const std::string& data) {
    return name + " in body must be of type " + type + ": " + GoQuote(data);
  }

  void CheckType(const json& s, const json& x, const std::string& name) {
    std::vector<std::string> types;
    if (Flag(&s, "x-kubernetes-int-or-string")) {
      types = {"integer", "string"};
    } else if (std::string t = StringField(&s, "type"); !t.empty()) {
      types = {t};
    }
    std::string format = StringField(&s, "format");
    if (types.empty() && format.empty()) return;
    auto contains = [&](const std::string& t) { return std::find(types.begin(), types.end(), t) != types.end(); };
    std::string joined;
    for (const auto& t : types) joined += (joined.empty() ? "" : ",") + t;

    if (x.is_null()) {
      if (!types.empty() && !contains("null") && !Flag(&s, "nullable"))
        out_.push_back(TypeInvalid(Field(name), "null", TypeMessage(name, joined, "null")));
      return;
    }
    std::string sch_type = DataType(x);
    std::string data_format = x.is_number_float() ? "float64" : (IsInteger(x) ? "int64" : "");
    bool is_float_int = x.is_number_float() && IsWholeJsonNumber(x.get<double>()) && contains("integer");
    bool is_int_float = IsInteger(x) && contains("number");
    if (!x.is_string() && !x.is_array() && !format.empty() &&
        !(contains(sch_type) || data_format == format || is_float_int || is_int_float)) {
      out_.push_back(TypeInvalid(Field(name), data_format, TypeMessage(name, format, data_format)));
      return;
    }
    if (!(contains("number") || contains("integer")) && !format.empty() && (x.is_string() || x.is_array())) return;
    if (!(contains(sch_type) || is_float_int || is_int_float))
      out_.push_back(TypeInvalid(Field(name), sch_type, TypeMessage(name, joined, sch_type)));
  }

  // maxLength, minLength, pattern: the first failure only.
  void CheckString(const json& s, const json& x, const std::string& name) {
    const std::string& v = x.get_ref<const std::string&>();
    std::int64_t limit = 0;
    if (OptionalInt(&s, "maxLength", limit) && RuneCount(v) > limit) {
      out_.push_back(TooLong(Field(name), limit));
      return;
    }
    if (OptionalInt(&s, "minLength", limit) && RuneCount(v) < limit) {
      out_.push_back(Invalid(Field(name), x, name + " in body should be at least " + std::to_string(limit) +
                                                 " chars long"));
      return;
    }
    std::string pattern = StringField(&s, "pattern");
    if (pattern.empty()) return;
    try {
      std::regex re(pattern, std::regex::ECMAScript);
      if (!std::regex_search(v, re))
        out_.push_back(Invalid(Field(name), x, name + " in body should match '" + pattern + "'"));
    } catch (const std::regex_error& e) {
      out_.push_back(Invalid(Field(name), x,
                             name + " in body should match '" + pattern + ", but pattern is invalid: " + e.what() + "'"));
    }
  }

  void CheckFormatOf(const json& s, const json& x, const std::string& name) {
    std::string format = StringField(&s, "format");
    if (format.empty()) return;
    const std::string& v = x.get_ref<const std::string&>();
    if (CheckFormat(format, v) == 0) out_.push_back(TypeInvalid(Field(name), x, TypeMessage(name, format, v)));
  }

  // multipleOf, minimum, maximum (in that order); integers compare against int64(bound).
  void CheckNumber(const json& s, const json& x, const std::string& name) {
    bool is_int = IsInteger(x);
    double bound = 0;
    if (OptionalNumber(&s, "multipleOf", bound)) {
      if (bound < 0) {
        out_.push_back(Invalid(Field(name), bound,
                               "factor MultipleOf declared for " + name + " must be positive: " + GoFloat(bound)));
      } else if (is_int) {
        std::int64_t factor = TruncBound(bound), v = AsInt64(x);
        if (factor != 0 && (v / factor) * factor != v)
          out_.push_back(
              Invalid(Field(name), x, name + " in body should be a multiple of " + std::to_string(factor)));
      } else if (bound != 0) {
        double v = x.get<double>();
        double mult = bound < 1 ? 1 / bound * v : v / bound;
        if (!IsWholeJsonNumber(mult))
          out_.push_back(Invalid(Field(name), x, name + " in body should be a multiple of " + GoFloat(bound)));
      }
    }
    struct Bound {
      const char* key;
      const char* exclusive_key;
      bool is_min;
    };
    for (const Bound& b : {Bound{"minimum", "exclusiveMinimum", true}, Bound{"maximum", "exclusiveMaximum", false}}) {
      if (!OptionalNumber(&s, b.key, bound)) continue;
      bool exclusive = Flag(&s, b.exclusive_key);
      bool fail;
      std::string shown;
      if (is_int) {
        std::int64_t v = AsInt64(x), lim = TruncBound(bound);
        fail = b.is_min ? (exclusive ? v <= lim : v < lim) : (exclusive ? v >= lim : v > lim);
        shown = std::to_string(lim);
      } else {
        double v = x.get<double>();
        fail = b.is_min ? (exclusive ? v <= bound : v < bound) : (exclusive ? v >= bound : v > bound);
        shown = GoFloat(bound);
      }
      if (!fail) continue;
      std::string relation = b.is_min ? (exclusive ? "greater than " : "greater than or equal to ")
                                      : (exclusive ? "less than " : "less than or equal to ");
      out_.push_back(Invalid(Field(name), x, name + " in body should be " + relation + shown));
    }
  }

  void CheckArray(const json& s, const json& x, const std::string& name) {
    if (const json* items = Items(&s)) {
      for (size_t i = 0; i < x.size(); ++i) Validate(*items, x[i], PathIndex(name, i));
    }
    auto size = static_cast<std::int64_t>(x.size());
    std::int64_t limit = 0;
    if (OptionalInt(&s, "minItems", limit) && size < limit)
      out_.push_back(Invalid(Field(name), size, name + " in body should have at least " + std::to_string(limit) + " items"));
    if (OptionalInt(&s, "maxItems", limit) && size > limit) out_.push_back(TooMany(Field(name), size, limit));
    if (Flag(&s, "uniqueItems")) {
      for (size_t i = 1; i < x.size(); ++i) {
        if (std::find(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(i), x[i]) != x.begin() + static_cast<std::ptrdiff_t>(i)) {
          out_.push_back(Invalid(Field(name), "", name + " in body shouldn't contain duplicates"));
          break;
        }
      }
    }
  }

  // Go converts the value to the enum value's type before comparing (so 1.0 matches 1).
  static bool EnumEquals(const json& x, const json& e) {
    if (x.is_null()) return false;
    if (x.is_number() && e.is_number()) {
      if (IsInteger(e)) return AsInt64(x) == AsInt64(e);
      return x.get<double>() == e.get<double>();
    }
    return x == e;
  }

  void CheckEnum(const json& s, const json& x, const std::string& name) {
    const json* e = Child(&s, "enum");
    if (e == nullptr || !e->is_array() || e->empty()) return;
    for (const auto& v : *e)
      if (EnumEquals(x, v)) return;
    std::vector<std::string> values;
    for (const auto& v : *e) values.push_back(v.is_string() ? v.get<std::string>() : GoJson(v));
    out_.push_back(NotSupported(Field(name), x, values));
  }

  void CheckObject(const json& s, const json& x, const std::string& name) {
    auto n = static_cast<std::int64_t>(x.size());
    std::int64_t limit = 0;
    if (OptionalInt(&s, "minProperties", limit) && n < limit) {
      out_.push_back(
          Invalid(Field(name), n, name + " in body should have at least " + std::to_string(limit) + " properties"));
      return;
    }
    if (OptionalInt(&s, "maxProperties", limit) && n > limit) {
      out_.push_back(TooMany(Field(name), n, limit));
      return;
    }
    const json* props = Properties(&s);
    AdditionalProperties ap = Additional(&s);
    for (auto it = x.begin(); it != x.end(); ++it) {
      if (props != nullptr && props->contains(it.key())) continue;
      if (ap.present && !ap.allows) {
        out_.push_back(Invalid(Field(name), it.key(), name + "." + it.key() + " in body is a forbidden property"));
      } else if (ap.schema != nullptr) {
        Validate(*ap.schema, it.value(), name + "." + it.key());
      }
    }
    if (props != nullptr) {
      for (auto it = props->begin(); it != props->end(); ++it) {
        auto v = x.find(it.key());
        if (v != x.end()) Validate(it.value(), *v, name.empty() ? it.key() : name + "." + it.key());
      }
    }
    if (const json* req = Child(&s, "required"); req != nullptr && req->is_array()) {
      for (const auto& k : *req)
        if (k.is_string() && !x.contains(k.get<std::string>())) out_.push_back(Required(Field(name + "." + k.get<std::string>())));
    }
  }

  std::string base_;
  std::vector<StatusCause>& out_;
};

// schemaobjectmeta.Validate: nested x-kubernetes-embedded-resource objects need apiVersion/kind.
void ValidateEmbedded(const json* s, const json& x, const std::string& path, bool is_root,
                      std::vector<StatusCause>& out) {
  if (s == nullptr) return;
  if (x.is_object()) {
    if (!is_root && Flag(s, "x-kubernetes-embedded-resource")) {
      if (!x.contains("apiVersion")) out.push_back(Required(PathChild(path, "apiVersion"), "must not be empty"));
      if (!x.contains("kind")) out.push_back(Required(PathChild(path, "kind"), "must not be empty"));
      if (auto it = x.find("apiVersion"); it != x.end()) {
        if (!it->is_string()) {
          out.push_back(Invalid(PathChild(path, "apiVersion"), *it, "must be a string"));
        } else if (it->get<std::string>().empty()) {
          out.push_back(Invalid(PathChild(path, "apiVersion"), *it, "must not be empty"));
        } else if (std::string gv = it->get<std::string>(); std::count(gv.begin(), gv.end(), '/') > 1) {
          out.push_back(Invalid(PathChild(path, "apiVersion"), *it, "unexpected GroupVersion string: " + gv));
        }
      }
      if (auto it = x.find("kind"); it != x.end()) {
        if (!it->is_string()) {
          out.push_back(Invalid(PathChild(path, "kind"), *it, "must be a string"));
        } else if (it->get<std::string>().empty()) {
          out.push_back(Invalid(PathChild(path, "kind"), *it, "must not be empty"));
        }
      }
    }
    AdditionalProperties ap = Additional(s);
    for (auto it = x.begin(); it != x.end(); ++it) {
      if (const json* prop = Property(s, it.key())) {
        ValidateEmbedded(prop, it.value(), PathChild(path, it.key()), false, out);
      } else if (ap.present) {
        ValidateEmbedded(ap.schema, it.value(), PathKey(path, it.key()), false, out);
      }
    }
  } else if (x.is_array()) {
    for (size_t i = 0; i < x.size(); ++i) ValidateEmbedded(Items(s), x[i], PathIndex(path, i), false, out);
  }
}

// ---------------------------------------------------------------------------------------------
// Pruning.

class Pruner {
 public:
  explicit Pruner(std::vector<std::string>* unknown) : unknown_(unknown) {}

  void Prune(json& x, const json* s, const std::string& path, bool is_root) {
    if (s != nullptr && Flag(s, "x-kubernetes-preserve-unknown-fields")) {
      SkipPrune(x, s, path, is_root);
      return;
    }
    if (x.is_object()) {
      std::vector<std::string> drop;
      bool embedded = is_root || Flag(s, "x-kubernetes-embedded-resource");
      AdditionalProperties ap = Additional(s);
      for (auto it = x.begin(); it != x.end(); ++it) {
        const std::string& k = it.key();
        if (s != nullptr && embedded && IsMetaField(k)) continue;
        if (const json* prop = Property(s, k)) {
          Prune(it.value(), prop, Join(path, k), false);
        } else if (s != nullptr && ap.present) {
          Prune(it.value(), ap.schema, Join(path, k), false);
        } else {
          drop.push_back(k);
        }
      }
      for (const auto& k : drop) {
        if (unknown_ != nullptr) unknown_->push_back(Join(path, k));
        x.erase(k);
      }
    } else if (x.is_array()) {
      for (size_t i = 0; i < x.size(); ++i) Prune(x[i], s == nullptr ? nullptr : Items(s), PathIndex(path, i), false);
    }
  }

 private:
  static std::string Join(const std::string& path, const std::string& k) { return path.empty() ? k : path + "." + k; }

  // Under x-kubernetes-preserve-unknown-fields: keep unknown fields, still prune inside known ones.
  void SkipPrune(json& x, const json* s, const std::string& path, bool is_root) {
    if (x.is_object()) {
      bool embedded = is_root || Flag(s, "x-kubernetes-embedded-resource");
      AdditionalProperties ap = Additional(s);
      for (auto it = x.begin(); it != x.end(); ++it) {
        if (embedded && IsMetaField(it.key())) continue;
        if (const json* prop = Property(s, it.key())) {
          Prune(it.value(), prop, Join(path, it.key()), false);
        } else if (ap.present) {
          Prune(it.value(), ap.schema, Join(path, it.key()), false);
        }
      }
    } else if (x.is_array()) {
      const json* items = Items(s);
      if (items == nullptr) return;
      for (size_t i = 0; i < x.size(); ++i) SkipPrune(x[i], items, PathIndex(path, i), false);
    }
  }

  std::vector<std::string>* unknown_;
};

void DropNulls(json& x, const json* s) {
  if (s == nullptr) return;
  if (x.is_object()) {
    std::vector<std::string> drop;
    for (auto it = x.begin(); it != x.end(); ++it) {
      const json* prop = Property(s, it.key());
      if (prop != nullptr && it->is_null() && !prop->contains("default") && !Flag(prop, "nullable"))
        drop.push_back(it.key());
    }
    for (const auto& k : drop) x.erase(k);
    AdditionalProperties ap = Additional(s);
    for (auto it = x.begin(); it != x.end(); ++it) {
      if (const json* prop = Property(s, it.key())) {
        DropNulls(it.value(), prop);
      } else if (ap.present) {
        DropNulls(it.value(), ap.schema);
      }
    }
  } else if (x.is_array()) {
    for (auto& v : x) DropNulls(v, Items(s));
  }
}

// ---------------------------------------------------------------------------------------------
// Defaulting.

bool NonNullableNull(const json& x, const json* s) { return x.is_null() && s != nullptr && !Flag(s, "nullable"); }

void Default(json& x, const json* s) {
  if (s == nullptr) return;
  if (x.is_object()) {
    if (const json* props = Properties(s)) {
      for (auto it = props->begin(); it != props->end(); ++it) {
        const json* def = Child(&it.value(), "default");
        if (def == nullptr) continue;
        auto v = x.find(it.key());
        if (v == x.end() || NonNullableNull(*v, &it.value())) x[it.key()] = *def;
      }
    }
    AdditionalProperties ap = Additional(s);
    for (auto it = x.begin(); it != x.end(); ++it) {
      if (const json* prop = Property(s, it.key())) {
        Default(it.value(), prop);
      } else if (ap.present) {
        if (NonNullableNull(it.value(), ap.schema)) {
          const json* def = Child(ap.schema, "default");
          it.value() = def != nullptr ? *def : json(nullptr);
        }
        Default(it.value(), ap.schema);
      }
    }
  } else if (x.is_array()) {
    const json* items = Items(s);
    for (auto& v : x) {
      if (NonNullableNull(v, items)) {
        const json* def = Child(items, "default");
        if (def != nullptr) v = *def;
      }
      Default(v, items);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// CRD schema checks (ValidateCustomResourceDefinitionOpenAPISchema + ValidateStructural).

struct SchemaContext {
  bool allow_defaults = true;
  std::string forbidden_defaults_reason;
  bool inside_resource_meta = false;
};

const std::vector<std::string>& OpenAPIV3Types() {
  static const std::vector<std::string> kTypes = {"array", "boolean", "integer", "number", "object", "string"};
  return kTypes;
}

void CheckOpenAPISchema(const json& s, const std::string& path, const SchemaContext& ctx, bool is_root,
                        std::vector<StatusCause>& out) {
  if (!s.is_object()) return;
  std::string type = StringField(&s, "type");
  if (!type.empty() && std::find(OpenAPIV3Types().begin(), OpenAPIV3Types().end(), type) == OpenAPIV3Types().end())
    out.push_back(NotSupported(PathChild(path, "type"), type, OpenAPIV3Types()));

  if (const json* def = Child(&s, "default")) {
    if (ctx.allow_defaults) {
      if (!ctx.inside_resource_meta) {
        json clone = *def;
        Pruner(nullptr).Prune(clone, &s, "", Flag(&s, "x-kubernetes-embedded-resource"));
        if (clone != *def) out.push_back(Invalid(PathChild(path, "default"), *def, "must not have unknown fields"));
      }
      SchemaValidator(PathChild(path, "default"), out).Validate(s, *def, "");
    } else {
      std::string detail = "must not be set";
      if (!ctx.forbidden_defaults_reason.empty()) detail += " " + ctx.forbidden_defaults_reason;
      out.push_back(Forbidden(PathChild(path, "default"), detail));
    }
  }
  for (const char* k : {"id", "additionalItems", "patternProperties", "definitions", "dependencies", "$ref"}) {
    if (s.contains(k)) out.push_back(Forbidden(PathChild(path, k), std::string(k) + " is not supported"));
  }
  if (type == "null") out.push_back(Forbidden(PathChild(path, "type"), "type cannot be set to null, use nullable as an alternative"));
  if (const json* items = Child(&s, "items"); items != nullptr && items->is_array())
    out.push_back(Forbidden(PathChild(path, "items"), "items must be a schema object and not an array"));
  if (ctx.inside_resource_meta && Flag(&s, "x-kubernetes-embedded-resource"))
    out.push_back(Forbidden(PathChild(path, "x-kubernetes-embedded-resource"), "must not be used inside of resource meta"));

  if (Flag(&s, "uniqueItems"))
    out.push_back(Forbidden(PathChild(path, "uniqueItems"),
                            "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"));

  const json* props = Properties(&s);
  AdditionalProperties ap = Additional(&s);
  if (ap.present) {
    if (props != nullptr && !props->empty() && (!ap.allows || ap.schema != nullptr))
      out.push_back(Forbidden(PathChild(path, "additionalProperties"), "additionalProperties and properties are mutual exclusive"));
    SchemaContext sub = ctx;
    if (ctx.inside_resource_meta) {
      sub.allow_defaults = false;
      sub.forbidden_defaults_reason = "inside additionalProperties applying to object metadata";
    }
    if (ap.schema != nullptr) CheckOpenAPISchema(*ap.schema, PathChild(path, "additionalProperties"), sub, false, out);
  }
  if (props != nullptr) {
    for (auto it = props->begin(); it != props->end(); ++it) {
      SchemaContext sub = ctx;
      if ((is_root || Flag(&s, "x-kubernetes-embedded-resource")) && IsMetaField(it.key())) {
        sub.inside_resource_meta = true;
        if (is_root) {
          sub.allow_defaults = false;
          sub.forbidden_defaults_reason = "in top-level " + it.key();
        }
      }
      CheckOpenAPISchema(it.value(), PathKey(PathChild(path, "properties"), it.key()), sub, false, out);
    }
  }
  if (const json* n = Child(&s, "not")) CheckOpenAPISchema(*n, PathChild(path, "not"), ctx, false, out);
  for (const char* junctor : {"allOf", "oneOf", "anyOf"}) {
    const json* list = Child(&s, junctor);
    if (list == nullptr || !list->is_array()) continue;
    for (size_t i = 0; i < list->size(); ++i)
      CheckOpenAPISchema((*list)[i], PathIndex(PathChild(path, junctor), i), ctx, false, out);
  }
  if (const json* items = Items(&s)) CheckOpenAPISchema(*items, PathChild(path, "items"), ctx, false, out);
  if (const json* p = Child(&s, "x-kubernetes-preserve-unknown-fields"); p != nullptr && p->is_boolean() && !p->get<bool>())
    out.push_back(Invalid(PathChild(path, "x-kubernetes-preserve-unknown-fields"), false, "must be true or undefined"));
}

enum class Level { kRoot, kItem, kField };

void CheckPattern(const json& s, const std::string& path, std::vector<StatusCause>& out) {
  std::string pattern = StringField(&s, "pattern");
  if (pattern.empty()) return;
  try {
    std::regex re(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    out.push_back(Invalid(PathChild(path, "pattern"), pattern,
                          std::string("must be a valid regular expression, but isn't: ") + e.what()));
  }
}

bool IsIntOrStringAnyOf(const json* list) {
  return list != nullptr && list->is_array() && list->size() == 2 && (*list)[0] == json{{"type", "integer"}} &&
         (*list)[1] == json{{"type", "string"}};
}

void CheckValueValidation(const json& s, const std::string& path, bool skip_any_of, bool skip_first_all_of_any_of,
                          std::vector<StatusCause>& out);

// A schema under allOf/anyOf/oneOf/not may only restrict values.
void CheckNestedValueValidation(const json& s, const std::string& path, bool skip_any_of, std::vector<StatusCause>& out) {
  if (!s.is_object()) return;
  CheckValueValidation(s, path, skip_any_of, false, out);
  if (const json* items = Items(&s)) CheckNestedValueValidation(*items, PathChild(path, "items"), false, out);
  if (const json* props = Properties(&s)) {
    for (auto it = props->begin(); it != props->end(); ++it)
      CheckNestedValueValidation(it.value(), PathKey(PathChild(path, "properties"), it.key()), false, out);
  }
  struct Rule {
    const char* key;
    const char* detail;
  };
  static constexpr Rule kForbidden[] = {
      {"type", "must be empty to be structural"},
      {"additionalProperties", "must be undefined to be structural"},
      {"default", "must be undefined to be structural"},
      {"title", "must be empty to be structural"},
      {"description", "must be empty to be structural"},
      {"nullable", "must be false to be structural"},
      {"x-kubernetes-preserve-unknown-fields", "must be false to be structural"},
      {"x-kubernetes-embedded-resource", "must be false to be structural"},
      {"x-kubernetes-int-or-string", "must be false to be structural"},
      {"x-kubernetes-list-map-keys", "must be empty to be structural"},
      {"x-kubernetes-list-type", "must be undefined to be structural"},
  };
  for (const Rule& r : kForbidden) {
    const json* v = Child(&s, r.key);
    if (v == nullptr || (v->is_boolean() && !v->get<bool>()) || (v->is_string() && v->get<std::string>().empty()) ||
        (v->is_array() && v->empty()))
      continue;
    out.push_back(Forbidden(PathChild(path, r.key), r.detail));
  }
  if (Property(&s, "metadata") != nullptr)
    out.push_back(Forbidden(PathKey(PathChild(path, "properties"), "metadata"), "must not be specified in a nested context"));
}

void CheckValueValidation(const json& s, const std::string& path, bool skip_any_of, bool skip_first_all_of_any_of,
                          std::vector<StatusCause>& out) {
  if (!skip_any_of) {
    if (const json* list = Child(&s, "anyOf"); list != nullptr && list->is_array())
      for (size_t i = 0; i < list->size(); ++i)
        CheckNestedValueValidation((*list)[i], PathIndex(PathChild(path, "anyOf"), i), false, out);
  }
  if (const json* list = Child(&s, "allOf"); list != nullptr && list->is_array())
    for (size_t i = 0; i < list->size(); ++i)
      CheckNestedValueValidation((*list)[i], PathIndex(PathChild(path, "allOf"), i), skip_first_all_of_any_of && i == 0, out);
  if (const json* list = Child(&s, "oneOf"); list != nullptr && list->is_array())
    for (size_t i = 0; i < list->size(); ++i)
      CheckNestedValueValidation((*list)[i], PathIndex(PathChild(path, "oneOf"), i), false, out);
  if (const json* n = Child(&s, "not")) CheckNestedValueValidation(*n, PathChild(path, "not"), false, out);
  CheckPattern(s, path, out);
}

void CheckStructuralInvariants(const json& s, Level lvl, const std::string& path, std::vector<StatusCause>& out) {
  if (!s.is_object()) return;
  std::string type = StringField(&s, "type");
  bool embedded = Flag(&s, "x-kubernetes-embedded-resource");
  bool preserve = Flag(&s, "x-kubernetes-preserve-unknown-fields");
  bool int_or_string = Flag(&s, "x-kubernetes-int-or-string");

  if (type == "array" && Items(&s) == nullptr) out.push_back(Required(PathChild(path, "items"), "must be specified"));
  if (const json* items = Items(&s)) CheckStructuralInvariants(*items, Level::kItem, PathChild(path, "items"), out);
  if (const json* props = Properties(&s)) {
    for (auto it = props->begin(); it != props->end(); ++it)
      CheckStructuralInvariants(it.value(), Level::kField, PathKey(PathChild(path, "properties"), it.key()), out);
  }
  AdditionalProperties ap = Additional(&s);
  if (ap.present) {
    if (lvl == Level::kRoot) out.push_back(Forbidden(PathChild(path, "additionalProperties"), "must not be used at the root"));
    if (ap.schema != nullptr) CheckStructuralInvariants(*ap.schema, Level::kField, PathChild(path, "additionalProperties"), out);
  }
  if (int_or_string && preserve)
    out.push_back(Invalid(PathChild(path, "x-kubernetes-preserve-unknown-fields"), true,
                          "must be false if x-kubernetes-int-or-string is true"));
  if (int_or_string && embedded)
    out.push_back(Invalid(PathChild(path, "x-kubernetes-embedded-resource"), true,
                          "must be false if x-kubernetes-int-or-string is true"));

  const json* all_of = Child(&s, "allOf");
  bool skip_any_of = IsIntOrStringAnyOf(Child(&s, "anyOf"));
  bool skip_first_all_of_any_of = all_of != nullptr && all_of->is_array() && !all_of->empty() &&
                                  IsIntOrStringAnyOf(Child(&(*all_of)[0], "anyOf"));
  CheckValueValidation(s, path, skip_any_of, skip_first_all_of_any_of, out);

  bool check_metadata = lvl == Level::kRoot || embedded;
  if (embedded && type != "object") {
    if (type.empty()) {
      out.push_back(Required(PathChild(path, "type"), "must be object if x-kubernetes-embedded-resource is true"));
    } else {
      out.push_back(Invalid(PathChild(path, "type"), type, "must be object if x-kubernetes-embedded-resource is true"));
    }
  } else if (type.empty() && !int_or_string && !preserve) {
    const char* detail = lvl == Level::kRoot   ? "must not be empty at the root"
                         : lvl == Level::kItem ? "must not be empty for specified array items"
                                               : "must not be empty for specified object fields";
    out.push_back(Required(PathChild(path, "type"), detail));
  }
  if (embedded && ap.present)
    out.push_back(Forbidden(PathChild(path, "additionalProperties"), "must not be used if x-kubernetes-embedded-resource is set"));
  if (lvl == Level::kRoot && !type.empty() && type != "object")
    out.push_back(Invalid(PathChild(path, "type"), type, "must be object at the root"));

  std::string props_path = PathChild(path, "properties");
  if (check_metadata) {
    if (const json* kind = Property(&s, "kind"); kind != nullptr && StringField(kind, "type") != "string")
      out.push_back(Invalid(PathChild(PathKey(props_path, "kind"), "type"), StringField(kind, "type"), "must be string"));
    if (const json* av = Property(&s, "apiVersion"); av != nullptr && StringField(av, "type") != "string")
      out.push_back(Invalid(PathChild(PathKey(props_path, "apiVersion"), "type"), StringField(av, "type"), "must be string"));
    if (const json* md = Property(&s, "metadata"); md != nullptr && StringField(md, "type") != "object")
      out.push_back(Invalid(PathChild(PathKey(props_path, "metadata"), "type"), StringField(md, "type"), "must be object"));
  }
  if (const json* md = Property(&s, "metadata"); md != nullptr && lvl == Level::kRoot && md->is_object()) {
    // Only name and generateName may be restricted; nothing else may be said about metadata.
    bool ok = true;
    for (auto it = md->begin(); it != md->end(); ++it) {
      if (it.key() == "type" || it.key() == "default") continue;
      if (it.key() == "properties" && it->is_object()) {
        for (auto p = it->begin(); p != it->end(); ++p)
          if (p.key() != "name" && p.key() != "generateName") ok = false;
        continue;
      }
      ok = false;
    }
    if (!ok)
      out.push_back(Forbidden(PathKey(props_path, "metadata"),
                              "must not specify anything other than name and generateName, but metadata is implicitly specified"));
  }
  if (embedded && !preserve && (Properties(&s) == nullptr || Properties(&s)->empty()))
    out.push_back(Required(PathChild(path, "properties"),
                           "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"));
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::vector<StatusCause> ValidateAgainstSchema(const json& schema, const json& obj) {
  std::vector<StatusCause> out;
  if (!schema.is_object()) return out;
  SchemaValidator("", out).Validate(schema, obj, "");
  ValidateEmbedded(&schema, obj, "", true, out);
  return out;
}

std::string InvalidMessage(std::string_view kind, std::string_view group, std::string_view name,
                           const std::vector<StatusCause>& causes) {
  std::string qualified(kind);
  if (!group.empty()) qualified += "." + std::string(group);
  std::string msg = qualified + " " + GoQuote(name) + " is invalid";
  std::vector<std::string> distinct;
  std::set<std::string> seen;
  for (const auto& c : causes) {
    std::string line = c.field + ": " + c.message;
    if (seen.insert(line).second) distinct.push_back(std::move(line));
  }
  if (distinct.empty()) return msg;
  msg += ": ";
  if (distinct.size() == 1) return msg + distinct[0];
  msg += "[";
  for (size_t i = 0; i < distinct.size(); ++i) msg += (i > 0 ? ", " : "") + distinct[i];
  return msg + "]";
}

ApiError InvalidError(std::string_view kind, std::string_view group, std::string_view name,
                      std::vector<StatusCause> causes) {
  std::string message = InvalidMessage(kind, group, name, causes);  // before `causes` is moved
  ApiError e = ApiError::Invalid(std::move(message), std::move(causes));
  e.details_name = std::string(name);
  e.details_group = std::string(group);
  e.details_kind = std::string(kind);
  return e;
}

void PruneUnknownFields(const json& schema, json& obj) { Pruner(nullptr).Prune(obj, &schema, "", true); }

std::vector<std::string> UnknownFieldPaths(const json& schema, const json& obj) {
  std::vector<std::string> unknown;
  json copy = obj;
  Pruner(&unknown).Prune(copy, &schema, "", true);
  std::sort(unknown.begin(), unknown.end());
  return unknown;
}

void PruneNonNullableNulls(const json& schema, json& obj) { DropNulls(obj, &schema); }

void ApplyDefaults(const json& schema, json& obj) { Default(obj, &schema); }

std::vector<StatusCause> CheckStructural(const json& schema, std::string_view field_prefix) {
  std::vector<StatusCause> out;
  std::string path(field_prefix);
  if (!schema.is_object()) {
    out.push_back(Required(path, "schemas are required"));
    return out;
  }
  if (Flag(&schema, "nullable")) out.push_back(Forbidden(PathChild(path, "nullable"), "nullable cannot be true at the root"));
  CheckOpenAPISchema(schema, path, SchemaContext{}, true, out);

  std::vector<StatusCause> structural;
  CheckStructuralInvariants(schema, Level::kRoot, path, structural);
  std::stable_sort(structural.begin(), structural.end(), [](const StatusCause& a, const StatusCause& b) {
    return a.field + ": " + a.message < b.field + ": " + b.message;
  });
  out.insert(out.end(), structural.begin(), structural.end());
  return out;
}

}  // namespace kubesim
