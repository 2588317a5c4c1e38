#include "kube/fake_client.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <ostream>
#include <stdexcept>
#include <string_view>

namespace jd::kube {

using nlohmann::json;

// Selectors, as far as the fake understands them (see the header). Named namespace (not anonymous)
// because FakeClient::Channel holds them.
namespace fake_detail {

enum class LabelOp { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist };

struct LabelRequirement {
  std::string key;
  LabelOp op = LabelOp::kExists;
  std::vector<std::string> values;

  bool Matches(const json& labels) const {
    const json* value = nullptr;
    if (labels.is_object()) {
      auto it = labels.find(key);
      if (it != labels.end() && it->is_string()) value = &*it;
    }
    auto in = [&] {
      return value && std::find(values.begin(), values.end(), value->get<std::string>()) != values.end();
    };
    switch (op) {
      case LabelOp::kEquals:
      case LabelOp::kIn: return in();
      case LabelOp::kNotEquals:
      case LabelOp::kNotIn: return !in();
      case LabelOp::kExists: return value != nullptr;
      case LabelOp::kDoesNotExist: return value == nullptr;
    }
    return false;
  }
};

struct LabelSelector {
  std::vector<LabelRequirement> requirements;
  bool Matches(const json& obj) const {
    if (requirements.empty()) return true;
    json labels = json::object();
    if (auto md = obj.find("metadata"); md != obj.end() && md->is_object())
      if (auto l = md->find("labels"); l != md->end()) labels = *l;
    return std::all_of(requirements.begin(), requirements.end(),
                       [&](const LabelRequirement& r) { return r.Matches(labels); });
  }
};

struct FieldTerm {
  std::string field;  // metadata.name or metadata.namespace
  bool negate = false;
  std::string value;
};

struct FieldSelector {
  std::vector<FieldTerm> terms;
  bool Matches(const json& obj) const {
    for (const FieldTerm& t : terms) {
      std::string actual;
      if (auto md = obj.find("metadata"); md != obj.end() && md->is_object()) {
        auto f = md->find(t.field == "metadata.name" ? "name" : "namespace");
        if (f != md->end() && f->is_string()) actual = f->get<std::string>();
      }
      if ((actual == t.value) == t.negate) return false;
    }
    return true;
  }
};

}  // namespace fake_detail

namespace {

using fake_detail::FieldSelector;
using fake_detail::FieldTerm;
using fake_detail::LabelOp;
using fake_detail::LabelRequirement;
using fake_detail::LabelSelector;

ApiError MakeError(ErrorKind kind, int code, std::string reason, std::string message,
                   std::vector<StatusCause> causes = {}) {
  ApiError e;
  e.kind = kind;
  e.code = code;
  e.reason = std::move(reason);
  e.message = std::move(message);
  e.causes = std::move(causes);
  return e;
}

ApiError BadRequest(std::string message) {
  return MakeError(ErrorKind::kBadRequest, 400, "BadRequest", std::move(message));
}

std::string GroupResource(const ResourceRef& ref) {
  return ref.group.empty() ? ref.resource : ref.resource + "." + ref.group;
}

ApiError NotFoundError(const ResourceRef& ref, const std::string& name) {
  return MakeError(ErrorKind::kNotFound, 404, "NotFound", GroupResource(ref) + " \"" + name + "\" not found");
}

ApiError NoStatusEndpoint() {
  return MakeError(ErrorKind::kNotFound, 404, "NotFound", "the server could not find the requested resource");
}

ApiError AlreadyExistsError(const ResourceRef& ref, const std::string& name) {
  return MakeError(ErrorKind::kAlreadyExists, 409, "AlreadyExists",
                   GroupResource(ref) + " \"" + name + "\" already exists");
}

ApiError ModifiedError(const ResourceRef& ref, const std::string& name) {
  return MakeError(ErrorKind::kConflict, 409, "Conflict",
                   "Operation cannot be fulfilled on " + GroupResource(ref) + " \"" + name +
                       "\": the object has been modified; please apply your changes to the latest version and "
                       "try again");
}

ApiError ConflictError(std::string message) {
  return MakeError(ErrorKind::kConflict, 409, "Conflict", std::move(message));
}

// `Kind "name" is invalid: field: message` (no "field: " when the cause names none), with the cause.
ApiError InvalidError(const ResourceRef& ref, const json& obj, const std::string& name, StatusCause cause) {
  std::string kind = obj.is_object() && obj.contains("kind") && obj["kind"].is_string()
                         ? obj["kind"].get<std::string>()
                         : GroupResource(ref);
  std::string message = kind + " \"" + name + "\" is invalid: " + (cause.field.empty() ? "" : cause.field + ": ") +
                        cause.message;
  return MakeError(ErrorKind::kInvalid, 422, "Invalid", std::move(message), {std::move(cause)});
}

std::string MetaStr(const json& obj, const char* field) {
  if (!obj.is_object()) return "";
  auto md = obj.find("metadata");
  if (md == obj.end() || !md->is_object()) return "";
  auto f = md->find(field);
  return f != md->end() && f->is_string() ? f->get<std::string>() : "";
}

bool HasMeta(const json& obj, const char* field) {
  auto md = obj.find("metadata");
  return md != obj.end() && md->is_object() && md->contains(field) && !(*md)[field].is_null();
}

std::vector<std::string> Finalizers(const json& obj) {
  std::vector<std::string> out;
  auto md = obj.find("metadata");
  if (md == obj.end() || !md->is_object()) return out;
  auto f = md->find("finalizers");
  if (f == md->end() || !f->is_array()) return out;
  for (const auto& v : *f)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

// ObjectMeta's maps and lists are omitempty.
void DropEmptyMeta(json& md) {
  for (const char* f : {"labels", "annotations", "finalizers", "ownerReferences"})
    if (md.contains(f) && (md[f].is_null() || md[f].empty())) md.erase(f);
}

// What metadata.generation counts.
json SpecPart(const json& obj, bool status_subresource) {
  json out = obj;
  out.erase("metadata");
  out.erase("apiVersion");
  out.erase("kind");
  if (status_subresource) out.erase("status");
  return out;
}

int64_t Generation(const json& obj) {
  auto md = obj.find("metadata");
  if (md == obj.end() || !md->is_object()) return 0;
  auto g = md->find("generation");
  return g != md->end() && g->is_number_integer() ? g->get<int64_t>() : 0;
}

std::string Rfc3339(WallTime t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The n-th generateName suffix: 5 characters of the apiserver's alphabet, counting from "bbbbb".
std::string NameSuffix(uint64_t n) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out(5, kAlphabet[0]);
  for (int i = 4; i >= 0 && n > 0; --i) {
    out[i] = kAlphabet[n % kAlphabet.size()];
    n /= kAlphabet.size();
  }
  return out;
}

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Parses a labelSelector (grammar in the header). Errors are 400 BadRequest naming the selector.
ApiResult<LabelSelector> ParseLabelSelector(std::string_view text) {
  LabelSelector sel;
  const std::string whole(text);
  auto bad = [&](const std::string& why) -> ApiError {
    return BadRequest("invalid label selector \"" + whole + "\": " + why);
  };
  const std::size_t n = text.size();
  std::size_t i = 0;
  auto skip = [&] {
    while (i < n && IsSpace(text[i])) ++i;
  };
  auto is_delim = [&](char c) { return IsSpace(c) || c == '=' || c == '!' || c == ',' || c == '(' || c == ')'; };
  skip();
  if (i == n) return sel;
  while (true) {
    skip();
    LabelRequirement r;
    const bool negated = i < n && text[i] == '!';
    if (negated) {
      ++i;
      skip();
    }
    const std::size_t key_start = i;
    while (i < n && !is_delim(text[i])) ++i;
    r.key = std::string(text.substr(key_start, i - key_start));
    if (r.key.empty()) return bad("a requirement has no key");
    skip();
    if (negated) {
      r.op = LabelOp::kDoesNotExist;
    } else if (i == n || text[i] == ',') {
      r.op = LabelOp::kExists;
    } else if (text[i] == '=' || (text[i] == '!' && i + 1 < n && text[i + 1] == '=')) {
      r.op = text[i] == '=' ? LabelOp::kEquals : LabelOp::kNotEquals;
      i += (text[i] == '!' || (i + 1 < n && text[i + 1] == '=')) ? 2 : 1;
      skip();
      const std::size_t v = i;
      while (i < n && text[i] != ',' && !IsSpace(text[i])) ++i;
      r.values.emplace_back(text.substr(v, i - v));
      if (r.values.back().find_first_of("()=!") != std::string::npos)
        return bad("value \"" + r.values.back() + "\" of key \"" + r.key + "\" is not a label value");
    } else {
      const std::size_t w = i;
      while (i < n && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
      const std::string_view word = text.substr(w, i - w);
      if (word == "in") r.op = LabelOp::kIn;
      else if (word == "notin") r.op = LabelOp::kNotIn;
      else return bad("after key \"" + r.key + "\" expected one of =, ==, !=, in, notin, ','");
      skip();
      if (i == n || text[i] != '(') return bad("expected '(' after \"" + r.key + " " + std::string(word) + "\"");
      const std::size_t close = text.find(')', i);
      if (close == std::string_view::npos) return bad("missing ')' after \"" + r.key + " " + std::string(word) + "\"");
      std::string_view list = text.substr(i + 1, close - i - 1);
      while (true) {
        const std::size_t comma = list.find(',');
        std::string_view v = Trim(list.substr(0, comma));
        if (!v.empty()) r.values.emplace_back(v);
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
      }
      if (r.values.empty()) return bad("the set of values of \"" + r.key + " " + std::string(word) + "\" is empty");
      i = close + 1;
    }
    sel.requirements.push_back(std::move(r));
    skip();
    if (i == n) break;
    if (text[i] != ',') return bad(std::string("unexpected '") + text[i] + "' after a requirement");
    ++i;
  }
  return sel;
}

// Parses a fieldSelector: metadata.name / metadata.namespace with =, ==, !=.
ApiResult<FieldSelector> ParseFieldSelector(std::string_view text) {
  FieldSelector sel;
  if (Trim(text).empty()) return sel;
  while (true) {
    const std::size_t comma = text.find(',');
    const std::string_view term = text.substr(0, comma);
    FieldTerm t;
    std::size_t op = term.find("!=");
    std::size_t op_len = 2;
    if (op != std::string_view::npos) {
      t.negate = true;
    } else if ((op = term.find("==")) == std::string_view::npos) {
      op = term.find('=');
      op_len = 1;
    }
    if (op == std::string_view::npos)
      return BadRequest("invalid field selector \"" + std::string(term) + "\": expected field=value or field!=value");
    t.field = std::string(term.substr(0, op));
    t.value = std::string(term.substr(op + op_len));
    if (t.field != "metadata.name" && t.field != "metadata.namespace")
      return BadRequest("field label not supported: " + t.field);
    sel.terms.push_back(std::move(t));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return sel;
}

bool IsOp(const json& op, std::initializer_list<const char*> names) {
  return std::any_of(names.begin(), names.end(), [&](const char* n) { return op == n; });
}

// Applies a patch document to `target`. Malformed documents are 400, inapplicable ones 422.
ApiResult<json> ApplyPatchDocument(const ResourceRef& ref, const json& target, PatchType type, const json& patch) {
  const std::string name = MetaStr(target, "name");
  if (type != PatchType::kJson) {
    if (!patch.is_object())
      return BadRequest(std::string("the patch must be a JSON object, got ") + patch.type_name());
    json out = target;
    out.merge_patch(patch);
    return out;
  }
  if (!patch.is_array())
    return BadRequest(std::string("invalid JSON patch: the document must be an array of operations, got ") +
                      patch.type_name());
  for (std::size_t i = 0; i < patch.size(); ++i) {
    const json& op = patch[i];
    const std::string at = "invalid JSON patch: operation " + std::to_string(i) + ": ";
    if (!op.is_object() || !op.contains("op") || !op["op"].is_string())
      return BadRequest(at + "missing \"op\"");
    if (!IsOp(op["op"], {"add", "remove", "replace", "move", "copy", "test"}))
      return BadRequest(at + "unknown op \"" + op["op"].get<std::string>() + "\"");
    if (!op.contains("path") || !op["path"].is_string()) return BadRequest(at + "missing \"path\"");
    if (IsOp(op["op"], {"add", "replace", "test"}) && !op.contains("value"))
      return BadRequest(at + "missing \"value\"");
    if (IsOp(op["op"], {"move", "copy"}) && (!op.contains("from") || !op["from"].is_string()))
      return BadRequest(at + "missing \"from\"");
  }
  try {
    return target.patch(patch);
  } catch (const json::parse_error& e) {  // a malformed JSON pointer
    return BadRequest(std::string("invalid JSON patch: ") + e.what());
  } catch (const json::exception& e) {  // a path that does not exist, an index out of range, a failed test
    return InvalidError(ref, target, name, {"", "FieldValueInvalid", std::string("the JSON patch does not apply: ") + e.what()});
  }
}

}  // namespace

std::string ToString(const Action& a) {
  std::string out = a.verb + " " + a.resource;
  if (!a.ns.empty() || !a.name.empty()) out += " ";
  if (!a.ns.empty()) out += a.ns + (a.name.empty() ? "" : "/");
  return out + a.name;
}

std::ostream& operator<<(std::ostream& os, const Action& a) { return os << ToString(a); }

// One write, as the watches see it.
struct FakeClient::HistoryEntry {
  uint64_t rv = 0;
  WatchEvent::Type type = WatchEvent::Type::kAdded;
  Key key;
  json object;              // after the write (for kDeleted: the last state)
  std::optional<json> old;  // kModified: before the write
};

// The shared state of one watch stream. Filters are immutable; the rest is guarded by `mu`.
struct FakeClient::Channel {
  std::string group, resource, ns;  // ns "" = every namespace
  fake_detail::LabelSelector labels;
  fake_detail::FieldSelector fields;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<WatchEvent> queue;
  bool closed = false;     // the server ended the watch: drain, then kEnd
  bool cancelled = false;  // the client ended it: kEnd at once

  bool Selects(const Key& key, const json& obj) const {
    return std::get<0>(key) == group && std::get<1>(key) == resource && (ns.empty() || std::get<2>(key) == ns) &&
           labels.Matches(obj) && fields.Matches(obj);
  }

  // What this stream sees of a write (nothing, or one event).
  std::optional<WatchEvent> Translate(const HistoryEntry& e) const {
    const bool now = Selects(e.key, e.object);
    if (e.type != WatchEvent::Type::kModified) {
      if (!now) return std::nullopt;
      return WatchEvent{e.type, e.object, std::nullopt};
    }
    const bool before = e.old && Selects(e.key, *e.old);
    if (now && before) return WatchEvent{WatchEvent::Type::kModified, e.object, std::nullopt};
    if (now) return WatchEvent{WatchEvent::Type::kAdded, e.object, std::nullopt};
    if (before) return WatchEvent{WatchEvent::Type::kDeleted, e.object, std::nullopt};
    return std::nullopt;
  }

  // False once the stream has ended (the channel can be forgotten).
  bool Push(WatchEvent event) {
    std::lock_guard lock(mu);
    if (closed || cancelled) return false;
    queue.push_back(std::move(event));
    cv.notify_all();
    return true;
  }

  void Close() {
    std::lock_guard lock(mu);
    closed = true;
    cv.notify_all();
  }

  bool Open() {
    std::lock_guard lock(mu);
    return !closed && !cancelled;
  }
};

class FakeClient::Stream final : public WatchStream {
 public:
  explicit Stream(std::shared_ptr<Channel> channel) : ch_(std::move(channel)) {}
  ~Stream() override { Cancel(); }

  ApiResult<WatchRead> Next(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(ch_->mu);
    ch_->cv.wait_for(lock, timeout, [&] { return ch_->cancelled || ch_->closed || !ch_->queue.empty(); });
    if (ch_->cancelled) return WatchRead{WatchRead::Kind::kEnd, {}};
    if (!ch_->queue.empty()) {
      WatchRead r{WatchRead::Kind::kEvent, std::move(ch_->queue.front())};
      ch_->queue.pop_front();
      return r;
    }
    if (ch_->closed) return WatchRead{WatchRead::Kind::kEnd, {}};
    return WatchRead{WatchRead::Kind::kTimeout, {}};
  }

  void Cancel() override {
    std::lock_guard lock(ch_->mu);
    ch_->cancelled = true;
    ch_->queue.clear();
    ch_->cv.notify_all();
  }

 private:
  std::shared_ptr<Channel> ch_;
};

FakeClient::FakeClient(const Clock& clock, std::string default_namespace)
    : clock_(clock), default_namespace_(std::move(default_namespace)) {}

FakeClient::~FakeClient() { CloseAllWatches(); }

// ---------------------------------------------------------------------------------------------
// Recording and faults

std::optional<ApiError> FakeClient::Intercept(Action action) {
  Reactor reactor;
  {
    std::lock_guard lock(hooks_mu_);
    actions_.push_back(action);
    for (auto it = failures_.begin(); it != failures_.end(); ++it) {
      if ((it->verb == "*" || it->verb == action.verb) && (it->resource == "*" || it->resource == action.resource)) {
        ApiError e = std::move(it->error);
        failures_.erase(it);
        return e;
      }
    }
    reactor = reactor_;
  }
  if (reactor) return reactor(action);
  return std::nullopt;
}

std::vector<Action> FakeClient::Actions() const {
  std::lock_guard lock(hooks_mu_);
  return actions_;
}

void FakeClient::ClearActions() {
  std::lock_guard lock(hooks_mu_);
  actions_.clear();
}

void FakeClient::FailNext(std::string verb, std::string resource, ApiError error) {
  std::lock_guard lock(hooks_mu_);
  failures_.push_back({std::move(verb), std::move(resource), std::move(error)});
}

void FakeClient::SetReactor(Reactor reactor) {
  std::lock_guard lock(hooks_mu_);
  reactor_ = std::move(reactor);
}

// ---------------------------------------------------------------------------------------------
// Configuration and helpers

void FakeClient::EnableStatusSubresource(const ResourceRef& ref) {
  std::lock_guard lock(mu_);
  status_subresource_[{ref.group, ref.resource}] = true;
}

void FakeClient::DisableStatusSubresource(const ResourceRef& ref) {
  std::lock_guard lock(mu_);
  status_subresource_[{ref.group, ref.resource}] = false;
}

bool FakeClient::HasStatusSubresource(const ResourceRef& ref) const {
  std::lock_guard lock(mu_);
  return HasStatusLocked(ref);
}

bool FakeClient::HasStatusLocked(const ResourceRef& ref) const {
  if (auto it = status_subresource_.find({ref.group, ref.resource}); it != status_subresource_.end()) return it->second;
  if (ref.group == "apps" && ref.resource == "deployments") return true;
  if (ref.group == "batch" && ref.resource == "jobs") return true;
  constexpr std::string_view kOurs = ".justdriving.io";
  return ref.group == "justdriving.io" ||
         (ref.group.size() > kOurs.size() && ref.group.compare(ref.group.size() - kOurs.size(), kOurs.size(), kOurs) == 0);
}

std::string FakeClient::NamespaceFor(const ResourceRef& ref, const std::string& ns) const {
  return ref.namespaced ? ns : "";
}

std::string FakeClient::NamespaceOf(const ResourceRef& ref, const json& obj) const {
  if (!ref.namespaced) return "";
  std::string ns = MetaStr(obj, "namespace");
  return ns.empty() ? default_namespace_ : ns;
}

std::string FakeClient::NowTimestamp() const { return Rfc3339(clock_.WallNow()); }

std::string FakeClient::ResourceVersion() const {
  std::lock_guard lock(mu_);
  return std::to_string(rv_);
}

// ---------------------------------------------------------------------------------------------
// Commit: the only places the store changes

json FakeClient::CommitLocked(const Key& key, WatchEvent::Type type, json obj, std::optional<json> old) {
  obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
  objects_[key] = obj;
  HistoryEntry e{rv_, type, key, obj, std::move(old)};
  NotifyLocked(e);
  history_.push_back(std::move(e));
  return obj;
}

json FakeClient::RemoveLocked(const Key& key, json last) {
  last["metadata"]["resourceVersion"] = std::to_string(++rv_);
  objects_.erase(key);
  HistoryEntry e{rv_, WatchEvent::Type::kDeleted, key, last, std::nullopt};
  NotifyLocked(e);
  history_.push_back(std::move(e));
  return last;
}

void FakeClient::NotifyLocked(const HistoryEntry& entry) {
  std::erase_if(watches_, [&](const std::shared_ptr<Channel>& ch) {
    auto event = ch->Translate(entry);
    if (!event) return !ch->Open();
    return !ch->Push(std::move(*event));
  });
}

// ---------------------------------------------------------------------------------------------
// Reader

ApiResult<json> FakeClient::Get(const ResourceRef& ref, const std::string& ns, const std::string& name) {
  const std::string n = NamespaceFor(ref, ns);
  if (auto e = Intercept({"get", ref.resource, n, name})) return *e;
  std::lock_guard lock(mu_);
  auto it = objects_.find({ref.group, ref.resource, n, name});
  if (it == objects_.end()) return NotFoundError(ref, name);
  return it->second;
}

ApiResult<json> FakeClient::List(const ResourceRef& ref, const std::string& ns, const ListOptions& opts) {
  const std::string n = NamespaceFor(ref, ns);
  if (auto e = Intercept({"list", ref.resource, n, ""})) return *e;
  auto labels = ParseLabelSelector(opts.label_selector);
  if (!labels.ok()) return labels.error();
  auto fields = ParseFieldSelector(opts.field_selector);
  if (!fields.ok()) return fields.error();
  std::lock_guard lock(mu_);
  json items = json::array();
  for (auto it = objects_.lower_bound({ref.group, ref.resource, n, ""}); it != objects_.end(); ++it) {
    const auto& [g, r, object_ns, name] = it->first;
    if (g != ref.group || r != ref.resource || (!n.empty() && object_ns != n)) break;
    if (labels.value().Matches(it->second) && fields.value().Matches(it->second)) items.push_back(it->second);
  }
  return json{{"apiVersion", ref.group.empty() ? ref.version : ref.group + "/" + ref.version},
              {"metadata", {{"resourceVersion", std::to_string(rv_)}}},
              {"items", std::move(items)}};
}

std::vector<json> FakeClient::Objects(const ResourceRef& ref, const std::string& ns) const {
  const std::string n = NamespaceFor(ref, ns);
  std::lock_guard lock(mu_);
  std::vector<json> out;
  for (auto it = objects_.lower_bound({ref.group, ref.resource, n, ""}); it != objects_.end(); ++it) {
    const auto& [g, r, object_ns, name] = it->first;
    if (g != ref.group || r != ref.resource || (!n.empty() && object_ns != n)) break;
    out.push_back(it->second);
  }
  return out;
}

std::optional<json> FakeClient::Object(const ResourceRef& ref, const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = objects_.find({ref.group, ref.resource, NamespaceFor(ref, ns), name});
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

// ---------------------------------------------------------------------------------------------
// Writer

ApiResult<json> FakeClient::Create(const ResourceRef& ref, const json& obj, const WriteOptions& opts) {
  const std::string ns = NamespaceOf(ref, obj);
  if (auto e = Intercept({"create", ref.resource, ns, MetaStr(obj, "name")})) return *e;
  std::lock_guard lock(mu_);
  return CreateLocked(ref, obj, ns, opts.dry_run);
}

ApiResult<json> FakeClient::CreateLocked(const ResourceRef& ref, json obj, const std::string& ns, bool dry_run) {
  if (!obj.is_object()) return BadRequest(std::string("the object must be a JSON object, got ") + obj.type_name());
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) obj["metadata"] = json::object();
  json& md = obj["metadata"];
  std::string name = MetaStr(obj, "name");
  const std::string generate = MetaStr(obj, "generateName");
  if (name.empty() && generate.empty())
    return InvalidError(ref, obj, "",
                        {"metadata.name", "FieldValueRequired", "Required value: name or generateName is required"});
  if (!MetaStr(obj, "resourceVersion").empty())
    return MakeError(ErrorKind::kServerError, 500, "InternalError",
                     "resourceVersion should not be set on objects to be created");
  if (name.empty()) {
    uint64_t n = generated_names_;
    do {
      name = generate + NameSuffix(n++);
    } while (objects_.count({ref.group, ref.resource, ns, name}));
    if (!dry_run) generated_names_ = n;
  }
  const Key key{ref.group, ref.resource, ns, name};
  if (objects_.count(key)) return AlreadyExistsError(ref, name);

  md["name"] = name;
  if (ref.namespaced) md["namespace"] = ns;
  else md.erase("namespace");
  md["creationTimestamp"] = NowTimestamp();
  md["generation"] = 1;
  for (const char* f : {"deletionTimestamp", "deletionGracePeriodSeconds", "uid", "resourceVersion"}) md.erase(f);
  DropEmptyMeta(md);
  if (HasStatusLocked(ref)) obj.erase("status");
  if (dry_run) return obj;
  md["uid"] = "uid-" + std::to_string(++uids_);
  return CommitLocked(key, WatchEvent::Type::kAdded, std::move(obj), std::nullopt);
}

ApiResult<json> FakeClient::Update(const ResourceRef& ref, const json& obj, const WriteOptions& opts) {
  return UpdateImpl("update", ref, obj, opts, /*status_write=*/false);
}

ApiResult<json> FakeClient::UpdateStatus(const ResourceRef& ref, const json& obj, const WriteOptions& opts) {
  return UpdateImpl("update-status", ref, obj, opts, /*status_write=*/true);
}

ApiResult<json> FakeClient::UpdateImpl(const char* verb, const ResourceRef& ref, const json& obj,
                                       const WriteOptions& opts, bool status_write) {
  const std::string ns = NamespaceOf(ref, obj);
  const std::string name = MetaStr(obj, "name");
  if (auto e = Intercept({verb, ref.resource, ns, name})) return *e;
  if (name.empty()) {  // as RestClient: refused before any request
    ApiError e;
    e.kind = ErrorKind::kBadRequest;
    e.message = std::string(status_write ? "update of " + ref.resource + "/status" : "update of " + ref.resource) +
                ": metadata.name is empty";
    return e;
  }
  std::lock_guard lock(mu_);
  if (status_write && !HasStatusLocked(ref)) return NoStatusEndpoint();
  const Key key{ref.group, ref.resource, ns, name};
  auto it = objects_.find(key);
  if (it == objects_.end()) return NotFoundError(ref, name);
  const json old = it->second;
  return WriteExistingLocked(ref, key, old, obj, status_write, opts.dry_run);
}

ApiResult<json> FakeClient::WriteExistingLocked(const ResourceRef& ref, const Key& key, const json& old, json obj,
                                                bool status_write, bool dry_run) {
  const std::string& name = std::get<3>(key);
  if (!obj.is_object()) return BadRequest(std::string("the object must be a JSON object, got ") + obj.type_name());
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) obj["metadata"] = json::object();
  const std::string rv = MetaStr(obj, "resourceVersion");
  if (!rv.empty() && rv != MetaStr(old, "resourceVersion")) return ModifiedError(ref, name);
  const std::string uid = MetaStr(obj, "uid");
  if (!uid.empty() && uid != MetaStr(old, "uid"))
    return ConflictError("Precondition failed: UID in precondition: " + uid +
                         ", UID in object meta: " + MetaStr(old, "uid"));

  const bool status_sub = HasStatusLocked(ref);
  json next;
  if (status_write) {  // the status subresource changes status only
    next = old;
    if (obj.contains("status")) next["status"] = obj["status"];
    else next.erase("status");
  } else {
    next = std::move(obj);
    if (status_sub) {
      if (old.contains("status")) next["status"] = old["status"];
      else next.erase("status");
    }
  }
  json& md = next["metadata"];
  md["name"] = name;
  if (ref.namespaced) md["namespace"] = std::get<2>(key);
  else md.erase("namespace");
  for (const char* f : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"}) {
    if (HasMeta(old, f)) md[f] = old["metadata"][f];
    else md.erase(f);
  }
  md["resourceVersion"] = MetaStr(old, "resourceVersion");
  DropEmptyMeta(md);

  const bool deleting = HasMeta(old, "deletionTimestamp");
  if (deleting) {
    const auto old_finalizers = Finalizers(old);
    for (const auto& f : Finalizers(next))
      if (std::find(old_finalizers.begin(), old_finalizers.end(), f) == old_finalizers.end())
        return InvalidError(ref, next, name,
                            {"metadata.finalizers", "FieldValueForbidden",
                             "Forbidden: no new finalizers can be added if the object is being deleted, found new "
                             "finalizers []string{\"" + f + "\"}"});
  }
  if (SpecPart(next, status_sub) != SpecPart(old, status_sub)) md["generation"] = Generation(old) + 1;

  if (next == old) return old;  // nothing changed: not a write
  if (dry_run) return next;
  if (deleting && Finalizers(next).empty()) return RemoveLocked(key, std::move(next));
  return CommitLocked(key, WatchEvent::Type::kModified, std::move(next), old);
}

ApiResult<json> FakeClient::Patch(const ResourceRef& ref, const std::string& ns, const std::string& name,
                                  PatchType type, const json& patch, const PatchOptions& opts) {
  return PatchImpl("patch", ref, ns, name, type, patch, opts, /*status_write=*/false);
}

ApiResult<json> FakeClient::PatchStatus(const ResourceRef& ref, const std::string& ns, const std::string& name,
                                        PatchType type, const json& patch, const PatchOptions& opts) {
  return PatchImpl("patch-status", ref, ns, name, type, patch, opts, /*status_write=*/true);
}

ApiResult<json> FakeClient::PatchImpl(const char* verb, const ResourceRef& ref, const std::string& ns,
                                      const std::string& name, PatchType type, const json& patch,
                                      const PatchOptions& opts, bool status_write) {
  const std::string n = NamespaceFor(ref, ns);
  if (auto e = Intercept({verb, ref.resource, n, name})) return *e;
  if (type == PatchType::kApply && opts.field_manager.empty())
    return BadRequest("PATCH with Content-Type application/apply-patch+yaml requires the fieldManager query parameter");
  std::lock_guard lock(mu_);
  if (status_write && !HasStatusLocked(ref)) return NoStatusEndpoint();
  const Key key{ref.group, ref.resource, n, name};
  auto it = objects_.find(key);
  if (it == objects_.end()) {
    if (type != PatchType::kApply || status_write) return NotFoundError(ref, name);
    // Server-side apply of an absent object creates it.
    if (!patch.is_object()) return BadRequest(std::string("the applied object must be a JSON object, got ") + patch.type_name());
    const std::string patch_name = MetaStr(patch, "name");
    if (!patch_name.empty() && patch_name != name)
      return BadRequest("the name of the object (" + patch_name + ") does not match the name on the URL (" + name + ")");
    json obj = patch;
    if (!obj.contains("metadata") || !obj["metadata"].is_object()) obj["metadata"] = json::object();
    obj["metadata"]["name"] = name;
    obj["metadata"].erase("generateName");
    if (ref.namespaced) obj["metadata"]["namespace"] = n;
    return CreateLocked(ref, std::move(obj), n, opts.dry_run);
  }
  const json old = it->second;
  auto patched = ApplyPatchDocument(ref, old, type, patch);
  if (!patched.ok()) return patched.error();
  if (!patched.value().is_object())
    return BadRequest(std::string("the patched object must be a JSON object, got ") + patched.value().type_name());
  const std::string new_name = MetaStr(patched.value(), "name");
  if (new_name != name)
    return BadRequest("the name of the object (" + new_name + ") does not match the name on the URL (" + name + ")");
  if (ref.namespaced && MetaStr(patched.value(), "namespace") != n)
    return BadRequest("the namespace of the object (" + MetaStr(patched.value(), "namespace") +
                      ") does not match the namespace on the URL (" + n + ")");
  return WriteExistingLocked(ref, key, old, std::move(patched).value(), status_write, opts.dry_run);
}

ApiStatus FakeClient::Delete(const ResourceRef& ref, const std::string& ns, const std::string& name,
                             const DeleteOptions& opts) {
  const std::string n = NamespaceFor(ref, ns);
  if (auto e = Intercept({"delete", ref.resource, n, name})) return *e;
  std::lock_guard lock(mu_);
  return DeleteLocked(ref, {ref.group, ref.resource, n, name}, opts);
}

ApiStatus FakeClient::DeleteLocked(const ResourceRef& ref, const Key& key, const DeleteOptions& opts) {
  auto it = objects_.find(key);
  if (it == objects_.end()) return NotFoundError(ref, std::get<3>(key));
  json obj = it->second;
  if (opts.precondition_uid && *opts.precondition_uid != MetaStr(obj, "uid"))
    return ConflictError("Precondition failed: UID in precondition: " + *opts.precondition_uid +
                         ", UID in object meta: " + MetaStr(obj, "uid"));
  if (opts.precondition_resource_version && *opts.precondition_resource_version != MetaStr(obj, "resourceVersion"))
    return ConflictError("Precondition failed: ResourceVersion in precondition: " + *opts.precondition_resource_version +
                         ", ResourceVersion in object meta: " + MetaStr(obj, "resourceVersion"));
  if (opts.dry_run) return Done{};
  if (Finalizers(obj).empty()) {
    RemoveLocked(key, std::move(obj));
    return Done{};
  }
  if (HasMeta(obj, "deletionTimestamp")) return Done{};  // already being deleted
  const json old = obj;
  obj["metadata"]["deletionTimestamp"] = NowTimestamp();
  obj["metadata"]["deletionGracePeriodSeconds"] = 0;
  obj["metadata"]["generation"] = Generation(old) + 1;
  CommitLocked(key, WatchEvent::Type::kModified, std::move(obj), old);
  return Done{};
}

// ---------------------------------------------------------------------------------------------
// Watch

ApiResult<std::unique_ptr<WatchStream>> FakeClient::Watch(const ResourceRef& ref, const std::string& ns,
                                                          const WatchOptions& opts) {
  const std::string n = NamespaceFor(ref, ns);
  if (auto e = Intercept({"watch", ref.resource, n, ""})) return *e;
  auto labels = ParseLabelSelector(opts.label_selector);
  if (!labels.ok()) return labels.error();
  auto fields = ParseFieldSelector(opts.field_selector);
  if (!fields.ok()) return fields.error();
  auto ch = std::make_shared<Channel>();
  ch->group = ref.group;
  ch->resource = ref.resource;
  ch->ns = n;
  ch->labels = std::move(labels).value();
  ch->fields = std::move(fields).value();

  std::lock_guard lock(mu_);
  const std::string& from = opts.resource_version;
  // "0" (what a list of a never-written fake answers) continues from the start of history while
  // that is whole; otherwise it means "any", as "".
  if (from.empty() || (from == "0" && compacted_rv_ > 0)) {
    for (const auto& [key, obj] : objects_)
      if (ch->Selects(key, obj)) ch->Push({WatchEvent::Type::kAdded, obj, std::nullopt});
  } else {
    uint64_t since = 0;
    auto [end, ec] = std::from_chars(from.data(), from.data() + from.size(), since);
    if (ec != std::errc() || end != from.data() + from.size())
      return BadRequest("invalid resourceVersion \"" + from + "\": not a number");
    if (since < compacted_rv_)
      return MakeError(ErrorKind::kGone, 410, "Expired",
                       "too old resource version: " + from + " (" + std::to_string(compacted_rv_) + ")");
    for (const HistoryEntry& e : history_) {
      if (e.rv <= since) continue;
      if (auto event = ch->Translate(e)) ch->Push(std::move(*event));
    }
  }
  watches_.push_back(ch);
  return std::unique_ptr<WatchStream>(std::make_unique<Stream>(std::move(ch)));
}

void FakeClient::CloseAllWatches() {
  std::lock_guard lock(mu_);
  for (const auto& ch : watches_) ch->Close();
  watches_.clear();
}

std::size_t FakeClient::OpenWatches() const {
  std::lock_guard lock(mu_);
  return static_cast<std::size_t>(
      std::count_if(watches_.begin(), watches_.end(), [](const std::shared_ptr<Channel>& ch) { return ch->Open(); }));
}

void FakeClient::Compact() {
  std::lock_guard lock(mu_);
  compacted_rv_ = rv_;
  history_.clear();
}

// ---------------------------------------------------------------------------------------------
// Test conveniences

json FakeClient::Seed(const ResourceRef& ref, json obj) {
  if (!obj.is_object() || MetaStr(obj, "name").empty())
    throw std::invalid_argument("FakeClient::Seed(" + ref.resource + "): metadata.name is required");
  const std::string ns = NamespaceOf(ref, obj);
  std::lock_guard lock(mu_);
  json& md = obj["metadata"];
  if (ref.namespaced) md["namespace"] = ns;
  else md.erase("namespace");
  if (MetaStr(obj, "uid").empty()) md["uid"] = "uid-" + std::to_string(++uids_);
  if (MetaStr(obj, "creationTimestamp").empty()) md["creationTimestamp"] = NowTimestamp();
  if (Generation(obj) == 0) md["generation"] = 1;
  DropEmptyMeta(md);
  const Key key{ref.group, ref.resource, ns, MetaStr(obj, "name")};
  auto it = objects_.find(key);
  if (it == objects_.end()) return CommitLocked(key, WatchEvent::Type::kAdded, std::move(obj), std::nullopt);
  const json old = it->second;
  return CommitLocked(key, WatchEvent::Type::kModified, std::move(obj), old);
}

int FakeClient::DeleteOwnedBy(const std::string& owner_uid) {
  std::lock_guard lock(mu_);
  std::vector<Key> dependents;
  for (const auto& [key, obj] : objects_) {
    auto md = obj.find("metadata");
    if (md == obj.end() || !md->is_object() || !md->contains("ownerReferences") || HasMeta(obj, "deletionTimestamp"))
      continue;
    const json& refs = (*md)["ownerReferences"];
    if (!refs.is_array()) continue;
    if (std::any_of(refs.begin(), refs.end(),
                    [&](const json& r) { return r.is_object() && r.value("uid", "") == owner_uid; }))
      dependents.push_back(key);
  }
  int deleted = 0;
  for (const Key& key : dependents) {
    ResourceRef ref{std::get<0>(key), "", std::get<1>(key), !std::get<2>(key).empty()};
    if (DeleteLocked(ref, key, {}).ok()) ++deleted;
  }
  return deleted;
}

}  // namespace jd::kube
