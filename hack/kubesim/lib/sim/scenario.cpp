#include "scenario.h"

#include <cmath>
#include <set>

#include "yaml_json.h"

namespace kubesim {

using nlohmann::json;

namespace {

// A bad field: parsing stops at the first one, and the 400 names it.
struct FieldError {
  std::string message;
};

[[noreturn]] void Fail(const std::string& field, const std::string& what) { throw FieldError{field + ": " + what}; }

void OnlyKnown(const json& obj, const std::string& path, std::initializer_list<const char*> known) {
  std::set<std::string> allowed(known.begin(), known.end());
  for (const auto& [k, v] : obj.items())
    if (!allowed.count(k)) {
      std::string list;
      for (const char* a : known) list += std::string(list.empty() ? "" : ", ") + a;
      Fail(path.empty() ? k : path + "." + k, "unknown field (known: " + list + ")");
    }
}

const json* Field(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

const json& Object(const json& v, const std::string& path) {
  if (!v.is_object()) Fail(path, "must be an object");
  return v;
}

double NonNegative(const json& v, const std::string& path) {
  if (!v.is_number() || v.get<double>() < 0 || !std::isfinite(v.get<double>())) Fail(path, "must be a number >= 0");
  return v.get<double>();
}

int IntIn(const json& v, const std::string& path, int lo, int hi) {
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
    Fail(path, "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
  return static_cast<int>(v.get<int64_t>());
}

bool Bool(const json& v, const std::string& path) {
  if (!v.is_boolean()) Fail(path, "must be true or false");
  return v.get<bool>();
}

std::string String(const json& v, const std::string& path) {
  if (!v.is_string()) Fail(path, "must be a string");
  return v.get<std::string>();
}

// The behaviour sections shared by `defaults` and each scenario; absent fields keep the built-in
// defaults (a matched scenario does not inherit from `defaults`, which apply when none matches).
void ParseBehaviour(const json& obj, const std::string& path, ScenarioRule& r) {
  if (const json* pod = Field(obj, "pod")) {
    std::string p = path + "pod";
    OnlyKnown(Object(*pod, p), p, {"readyAfterSeconds", "neverReady", "crashAfterSeconds", "shutdownSeconds"});
    if (const json* v = Field(*pod, "readyAfterSeconds")) r.pod.ready_after_seconds = NonNegative(*v, p + ".readyAfterSeconds");
    if (const json* v = Field(*pod, "neverReady")) r.pod.never_ready = Bool(*v, p + ".neverReady");
    if (const json* v = Field(*pod, "crashAfterSeconds")) r.pod.crash_after_seconds = NonNegative(*v, p + ".crashAfterSeconds");
    if (const json* v = Field(*pod, "shutdownSeconds")) r.pod.shutdown_seconds = NonNegative(*v, p + ".shutdownSeconds");
  }
  if (const json* job = Field(obj, "job")) {
    std::string p = path + "job";
    OnlyKnown(Object(*job, p), p, {"durationSeconds", "exitCode", "log"});
    if (const json* v = Field(*job, "durationSeconds")) r.job.duration_seconds = NonNegative(*v, p + ".durationSeconds");
    if (const json* v = Field(*job, "exitCode")) r.job.exit_code = IntIn(*v, p + ".exitCode", 0, 255);
    if (const json* v = Field(*job, "log")) r.job.log = String(*v, p + ".log");
  }
  if (const json* http = Field(obj, "http")) {
    std::string p = path + "http";
    for (const auto& [route, answer] : Object(*http, p).items()) {
      std::string ap = p + "[" + route + "]";
      if (route.empty() || (route != "*" && route.front() != '/')) Fail(ap, "a path must start with / (or be \"*\" for any other path)");
      OnlyKnown(Object(answer, ap), ap, {"status", "body", "latencyMs"});
      HttpAnswer a;
      if (const json* v = Field(answer, "status")) a.status = IntIn(*v, ap + ".status", 100, 599);
      if (const json* v = Field(answer, "body")) a.body = String(*v, ap + ".body");
      if (const json* v = Field(answer, "latencyMs")) a.latency_ms = IntIn(*v, ap + ".latencyMs", 0, 600000);
      r.http[route] = a;
    }
  }
  if (const json* tls = Field(obj, "tls")) {
    std::string p = path + "tls";
    OnlyKnown(Object(*tls, p), p, {"expired", "wrongHost"});
    if (const json* v = Field(*tls, "expired")) r.tls.expired = Bool(*v, p + ".expired");
    if (const json* v = Field(*tls, "wrongHost")) r.tls.wrong_host = Bool(*v, p + ".wrongHost");
  }
}

json BehaviourJson(const ScenarioRule& r) {
  json pod = {{"readyAfterSeconds", r.pod.ready_after_seconds},
              {"neverReady", r.pod.never_ready},
              {"shutdownSeconds", r.pod.shutdown_seconds}};
  if (r.pod.crash_after_seconds) pod["crashAfterSeconds"] = *r.pod.crash_after_seconds;
  json http = json::object();
  for (const auto& [route, a] : r.http) http[route] = {{"status", a.status}, {"body", a.body}, {"latencyMs", a.latency_ms}};
  return {{"pod", pod},
          {"job", {{"durationSeconds", r.job.duration_seconds}, {"exitCode", r.job.exit_code}, {"log", r.job.log}}},
          {"http", http},
          {"tls", {{"expired", r.tls.expired}, {"wrongHost", r.tls.wrong_host}}}};
}

bool LabelsMatch(const std::map<std::string, std::string>& want, const json& labels) {
  for (const auto& [k, v] : want) {
    if (!labels.is_object()) return false;
    auto it = labels.find(k);
    if (it == labels.end() || !it->is_string() || it->get<std::string>() != v) return false;
  }
  return true;
}

}  // namespace

HttpAnswer ScenarioRule::AnswerFor(const std::string& path) const {
  if (auto it = http.find(path); it != http.end()) return it->second;
  if (auto it = http.find("*"); it != http.end()) return it->second;
  return HttpAnswer{};
}

std::optional<ApiError> Scenarios::LoadYaml(const std::string& text) {
  auto doc = ParseJsonOrYaml(text);
  if (!doc.ok()) return ApiError::BadRequest("scenarios: not valid YAML or JSON: " + doc.error().message);
  return LoadJson(doc.value());
}

std::optional<ApiError> Scenarios::LoadJson(const json& doc) {
  double scale = 1.0;
  ScenarioRule defaults;
  std::vector<ScenarioRule> rules;
  try {
    json d = doc.is_null() ? json::object() : doc;  // an empty document: everything default
    if (!d.is_object()) Fail("scenarios document", "must be an object with timeScale, defaults and scenarios");
    OnlyKnown(d, "", {"timeScale", "defaults", "scenarios"});
    if (const json* v = Field(d, "timeScale")) {
      if (!v->is_number() || v->get<double>() <= 0 || !std::isfinite(v->get<double>())) Fail("timeScale", "must be a number > 0");
      scale = v->get<double>();
    }
    if (const json* v = Field(d, "defaults")) {
      OnlyKnown(Object(*v, "defaults"), "defaults", {"pod", "job", "http", "tls"});
      ParseBehaviour(*v, "defaults.", defaults);
    }
    if (const json* v = Field(d, "scenarios")) {
      if (!v->is_array()) Fail("scenarios", "must be a list");
      for (size_t i = 0; i < v->size(); ++i) {
        std::string p = "scenarios[" + std::to_string(i) + "]";
        const json& s = Object((*v)[i], p);
        OnlyKnown(s, p, {"name", "match", "pod", "job", "http", "tls"});
        ScenarioRule r;
        r.name = p;
        if (const json* n = Field(s, "name")) r.name = String(*n, p + ".name");
        if (const json* m = Field(s, "match")) {
          OnlyKnown(Object(*m, p + ".match"), p + ".match", {"image", "labels"});
          if (const json* img = Field(*m, "image")) r.image_glob = String(*img, p + ".match.image");
          if (const json* labels = Field(*m, "labels"))
            for (const auto& [k, lv] : Object(*labels, p + ".match.labels").items())
              r.labels[k] = String(lv, p + ".match.labels[" + k + "]");
        }
        ParseBehaviour(s, p + ".", r);
        rules.push_back(std::move(r));
      }
    }
  } catch (const FieldError& e) {
    return ApiError::BadRequest(e.message);
  }
  std::lock_guard lock(mu_);
  time_scale_ = scale;
  defaults_ = std::move(defaults);
  rules_ = std::move(rules);
  return std::nullopt;
}

json Scenarios::ToJson() const {
  std::lock_guard lock(mu_);
  json rules = json::array();
  for (const auto& r : rules_) {
    json s = BehaviourJson(r);
    s["name"] = r.name;
    json match = json::object();
    if (!r.image_glob.empty()) match["image"] = r.image_glob;
    if (!r.labels.empty()) match["labels"] = r.labels;
    s["match"] = match;
    rules.push_back(std::move(s));
  }
  return {{"timeScale", time_scale_}, {"defaults", BehaviourJson(defaults_)}, {"scenarios", rules}};
}

ScenarioRule Scenarios::Match(const std::string& image, const json& pod_labels) const {
  std::lock_guard lock(mu_);
  for (const auto& r : rules_)
    if ((r.image_glob.empty() || GlobMatch(r.image_glob, image)) && LabelsMatch(r.labels, pod_labels)) return r;
  return defaults_;
}

double Scenarios::TimeScale() const {
  std::lock_guard lock(mu_);
  return time_scale_;
}

std::chrono::milliseconds Scenarios::Scaled(double seconds) const {
  return std::chrono::milliseconds(std::llround(seconds * TimeScale() * 1000.0));
}

bool GlobMatch(const std::string& pattern, const std::string& text) {
  // Greedy with one backtrack point: the last `*` seen absorbs one more character on a mismatch.
  size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace kubesim
