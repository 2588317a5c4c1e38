// jsonpath.cpp — see jsonpath.h.
#include "jsonpath.h"

#include <utility>

namespace kubesim {
namespace {

using nlohmann::json;
using Step = JsonPath::Step;

bool IsOperandEnd(char c) { return c == ' ' || c == '=' || c == '!' || c == '<' || c == '>' || c == ')'; }

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  bool AtEnd() const { return pos_ >= s_.size(); }
  const std::string& error() const { return err_; }

  // Steps up to the end of the input, or (for a filter operand) up to an operator or ')'.
  bool ParseSteps(std::vector<Step>& out, bool operand) {
    while (!AtEnd()) {
      char c = Peek();
      if (operand && IsOperandEnd(c)) return true;
      if (c == '.') {
        if (Peek(1) == '.') {
          pos_ += 2;
          Step rec;
          rec.kind = Step::Kind::kRecursive;
          out.push_back(std::move(rec));
          if (Peek() == '*') {
            ++pos_;
            out.push_back(Wildcard());
          } else if (Peek() != '[') {
            std::string name = ParseName(operand);
            if (name.empty()) return Fail("missing field name after ..");
            out.push_back(Child({std::move(name)}));
          }
          continue;
        }
        ++pos_;
        if (Peek() == '*') {
          ++pos_;
          out.push_back(Wildcard());
          continue;
        }
        if (AtEnd() || Peek() == '[' || (operand && IsOperandEnd(Peek()))) continue;  // "." alone: current
        std::string name = ParseName(operand);
        if (name.empty()) return Fail(std::string("unrecognized character '") + Peek() + "'");
        out.push_back(Child({std::move(name)}));
        continue;
      }
      if (c == '[') {
        if (!ParseBracket(out)) return false;
        continue;
      }
      if (out.empty() && c != ' ' && c != ']' && c != ')' && c != '\'' && c != '"') {  // "status.x"
        std::string name = ParseName(operand);
        if (name.empty()) return Fail(std::string("unrecognized character '") + c + "'");
        out.push_back(Child({std::move(name)}));
        continue;
      }
      return Fail(std::string("unrecognized character '") + c + "'");
    }
    return true;
  }

 private:
  char Peek(size_t ahead = 0) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }

  bool Fail(std::string msg) {
    if (err_.empty()) err_ = std::move(msg);
    return false;
  }

  void SkipSpaces() {
    while (Peek() == ' ') ++pos_;
  }

  bool Expect(char c) {
    SkipSpaces();
    if (Peek() != c) return Fail(std::string("expected '") + c + "'");
    ++pos_;
    return true;
  }

  static Step Child(std::vector<std::string> names) {
    Step st;
    st.kind = Step::Kind::kChild;
    st.names = std::move(names);
    return st;
  }

  static Step Wildcard() {
    Step st;
    st.kind = Step::Kind::kWildcard;
    return st;
  }

  // A dot-notation name; `\.` stands for a literal dot.
  std::string ParseName(bool operand) {
    std::string n;
    while (!AtEnd()) {
      char c = Peek();
      if (c == '\\' && Peek(1) == '.') {
        n += '.';
        pos_ += 2;
        continue;
      }
      if (c == '.' || c == '[' || c == ']' || (operand && IsOperandEnd(c)) || c == ' ') break;
      n += c;
      ++pos_;
    }
    return n;
  }

  bool ParseQuoted(std::string& out) {
    char quote = Peek();
    ++pos_;
    while (!AtEnd() && Peek() != quote) {
      if (Peek() == '\\' && pos_ + 1 < s_.size()) ++pos_;
      out += Peek();
      ++pos_;
    }
    if (AtEnd()) return Fail("unclosed quote");
    ++pos_;
    return true;
  }

  bool ParseInt(std::int64_t& out) {
    SkipSpaces();
    size_t start = pos_;
    if (Peek() == '-' || Peek() == '+') ++pos_;
    size_t digits = pos_;
    while (Peek() >= '0' && Peek() <= '9') ++pos_;
    if (pos_ == digits) {
      pos_ = start;
      return false;
    }
    out = std::stoll(std::string(s_.substr(start, pos_ - start)));
    return true;
  }

  bool ParseBracket(std::vector<Step>& out) {
    ++pos_;  // '['
    SkipSpaces();
    if (Peek() == '*') {
      ++pos_;
      out.push_back(Wildcard());
      return Expect(']');
    }
    if (Peek() == '?') {
      ++pos_;
      if (!Expect('(')) return false;
      Step st;
      if (!ParseFilter(st)) return false;
      out.push_back(std::move(st));
      return Expect(')') && Expect(']');
    }
    if (Peek() == '\'' || Peek() == '"') {
      std::vector<std::string> names;
      while (true) {
        SkipSpaces();
        if (Peek() != '\'' && Peek() != '"') return Fail("expected a quoted name");
        std::string name;
        if (!ParseQuoted(name)) return false;
        names.push_back(std::move(name));
        SkipSpaces();
        if (Peek() == ',') {
          ++pos_;
          continue;
        }
        break;
      }
      out.push_back(Child(std::move(names)));
      return Expect(']');
    }
    // Integers: [i], [i,j], [a:b], [a:b:c].
    Step st;
    std::int64_t first = 0;
    bool has_first = ParseInt(first);
    SkipSpaces();
    if (Peek() == ':') {
      st.kind = Step::Kind::kSlice;
      if (has_first) st.start = first;
      ++pos_;
      std::int64_t v = 0;
      if (ParseInt(v)) st.end = v;
      SkipSpaces();
      if (Peek() == ':') {
        ++pos_;
        if (ParseInt(v)) st.step = v;
        if (st.step <= 0) return Fail("slice step must be positive");
      }
      out.push_back(std::move(st));
      return Expect(']');
    }
    if (!has_first) return AtEnd() ? Fail("unclosed array expect ]") : Fail("invalid array index");
    st.kind = Step::Kind::kIndex;
    st.indexes.push_back(first);
    while (Peek() == ',') {
      ++pos_;
      std::int64_t v = 0;
      if (!ParseInt(v)) return Fail("invalid array index");
      st.indexes.push_back(v);
      SkipSpaces();
    }
    out.push_back(std::move(st));
    if (AtEnd()) return Fail("unclosed array expect ]");
    return Expect(']');
  }

  bool ParseFilter(Step& st) {
    st.kind = Step::Kind::kFilter;
    SkipSpaces();
    if (Peek() != '@') return Fail("filter must start with @");
    ++pos_;
    if (!ParseSteps(st.lhs, true)) return false;
    SkipSpaces();
    if (Peek() == ')') return true;  // existence test
    for (const char* op : {"==", "!=", "<=", ">=", "<", ">"}) {
      std::string_view o(op);
      if (s_.substr(pos_, o.size()) == o) {
        st.op = op;
        pos_ += o.size();
        break;
      }
    }
    if (st.op.empty()) return Fail("unrecognized filter operator");
    SkipSpaces();
    if (Peek() == '@') {
      ++pos_;
      st.rhs_is_path = true;
      return ParseSteps(st.rhs_path, true);
    }
    if (Peek() == '\'' || Peek() == '"') {
      std::string lit;
      if (!ParseQuoted(lit)) return false;
      st.rhs = lit;
      return true;
    }
    size_t start = pos_;
    while (!AtEnd() && !IsOperandEnd(Peek())) ++pos_;
    json lit = json::parse(s_.substr(start, pos_ - start), nullptr, /*allow_exceptions=*/false);
    if (lit.is_discarded() || lit.is_structured()) return Fail("invalid literal in filter");
    st.rhs = std::move(lit);
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string err_;
};

using Nodes = std::vector<const json*>;

Nodes EvalSteps(const std::vector<Step>& steps, Nodes cur);

// The node and every non-empty container below it, in pre-order (as k8s evalRecursive).
void CollectRecursive(const json* node, Nodes& out) {
  if (!node->is_structured() || node->empty()) return;
  out.push_back(node);
  for (const auto& child : *node) CollectRecursive(&child, out);
}

bool Compare(const json& l, const std::string& op, const json& r) {
  int cmp = 0;
  if (l.is_number() && r.is_number()) {
    if (l.is_number_integer() && r.is_number_integer()) {
      auto a = l.get<std::int64_t>(), b = r.get<std::int64_t>();
      cmp = a < b ? -1 : (a > b ? 1 : 0);
    } else {
      double a = l.get<double>(), b = r.get<double>();
      cmp = a < b ? -1 : (a > b ? 1 : 0);
    }
  } else if (l.is_string() && r.is_string()) {
    int c = l.get_ref<const std::string&>().compare(r.get_ref<const std::string&>());
    cmp = c < 0 ? -1 : (c > 0 ? 1 : 0);
  } else if (l.type() == r.type()) {
    if (op != "==" && op != "!=") return false;
    cmp = l == r ? 0 : 1;
  } else {
    return false;  // incompatible types for comparison
  }
  if (op == "==") return cmp == 0;
  if (op == "!=") return cmp != 0;
  if (op == "<") return cmp < 0;
  if (op == "<=") return cmp <= 0;
  if (op == ">") return cmp > 0;
  if (op == ">=") return cmp >= 0;
  return false;
}

bool FilterMatches(const Step& st, const json& elem) {
  Nodes left = EvalSteps(st.lhs, {&elem});
  if (st.op.empty()) return !left.empty();
  if (left.size() != 1) return false;
  if (st.rhs_is_path) {
    Nodes right = EvalSteps(st.rhs_path, {&elem});
    return right.size() == 1 && Compare(*left[0], st.op, *right[0]);
  }
  return Compare(*left[0], st.op, st.rhs);
}

Nodes Apply(const Step& st, const Nodes& cur) {
  Nodes next;
  for (const json* node : cur) {
    switch (st.kind) {
      case Step::Kind::kChild:
        if (!node->is_object()) break;
        for (const auto& name : st.names) {
          auto it = node->find(name);
          if (it != node->end()) next.push_back(&*it);
        }
        break;
      case Step::Kind::kIndex:
        if (!node->is_array()) break;
        for (std::int64_t idx : st.indexes) {
          auto size = static_cast<std::int64_t>(node->size());
          std::int64_t i = idx < 0 ? size + idx : idx;
          if (i >= 0 && i < size) next.push_back(&(*node)[static_cast<size_t>(i)]);
        }
        break;
      case Step::Kind::kSlice: {
        if (!node->is_array()) break;
        auto size = static_cast<std::int64_t>(node->size());
        auto norm = [size](std::int64_t v) {
          if (v < 0) v += size;
          return v < 0 ? 0 : (v > size ? size : v);
        };
        std::int64_t b = norm(st.start.value_or(0)), e = norm(st.end.value_or(size));
        for (std::int64_t i = b; i < e; i += st.step) next.push_back(&(*node)[static_cast<size_t>(i)]);
        break;
      }
      case Step::Kind::kWildcard:
        if (node->is_structured())
          for (const auto& child : *node) next.push_back(&child);
        break;
      case Step::Kind::kRecursive:
        CollectRecursive(node, next);
        break;
      case Step::Kind::kFilter:
        if (!node->is_array()) break;
        for (const auto& elem : *node)
          if (FilterMatches(st, elem)) next.push_back(&elem);
        break;
    }
  }
  return next;
}

Nodes EvalSteps(const std::vector<Step>& steps, Nodes cur) {
  for (const Step& st : steps) {
    cur = Apply(st, cur);
    if (cur.empty()) break;
  }
  return cur;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<JsonPath> JsonPath::Parse(std::string_view expr) {
  std::string_view body = Trim(expr);
  if (body.size() >= 2 && body.front() == '{' && body.back() == '}') body = Trim(body.substr(1, body.size() - 2));
  if (!body.empty() && (body.front() == '$' || body.front() == '@')) body.remove_prefix(1);
  Parser parser(body);
  JsonPath path;
  if (!parser.ParseSteps(path.steps_, false) || !parser.AtEnd())
    return ApiError::BadRequest("error parsing jsonpath " + std::string(expr) + ", " +
                                (parser.error().empty() ? std::string("unexpected input") : parser.error()));
  return path;
}

std::vector<json> JsonPath::Evaluate(const json& root) const {
  std::vector<json> out;
  for (const json* v : EvalSteps(steps_, {&root})) out.push_back(*v);
  return out;
}

std::vector<json> EvaluateJsonPath(std::string_view expr, const json& obj) {
  Result<JsonPath> p = JsonPath::Parse(expr);
  if (!p.ok()) return {};
  return p.value().Evaluate(obj);
}

}  // namespace kubesim
