#include "app_router.h"

#include <cctype>

#include "selector.h"
#include "text_util.h"

namespace kubesim {

using nlohmann::json;

namespace {

const json& Field(const json& obj, const char* key) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

std::string StringField(const json& obj, const char* key) {
  const json& v = Field(obj, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

std::string Namespace(const json& obj) { return StringField(Field(obj, "metadata"), "namespace"); }
std::string Name(const json& obj) { return StringField(Field(obj, "metadata"), "name"); }

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t slash = path.find('/', i);
    if (slash == std::string::npos) slash = path.size();
    if (slash > i) out.push_back(path.substr(i, slash - i));
    i = slash + 1;
  }
  return out;
}

std::optional<int> ParsePort(const std::string& text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  int v = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v > 65535) return std::nullopt;
  return v;
}

// An IngressBackend's Service reference; nullopt for a resource backend or a malformed one.
std::optional<BackendRef> BackendOf(const json& backend, const std::string& ns, const std::string& ingress) {
  const json& svc = Field(backend, "service");
  std::string name = StringField(svc, "name");
  if (name.empty()) return std::nullopt;
  BackendRef ref{ns, name, {}, ingress};
  const json& port = Field(svc, "port");
  if (const json& n = Field(port, "number"); n.is_number_integer()) ref.port.number = n.get<int>();
  ref.port.name = StringField(port, "name");
  return ref;
}

enum class HostTier { kExact, kWildcard, kNoHost };

// The best rule of one tier across all Ingresses.
struct TierMatch {
  bool any_rule = false;             // some rule of this tier names the host
  std::optional<BackendRef> best;    // longest path match
  size_t best_len = 0;
  bool best_exact = false;
  std::optional<BackendRef> default_backend;  // of the first Ingress with a rule in the tier
};

TierMatch MatchTier(HostTier tier, const std::string& host, const std::string& path, const AppSnapshot& snap) {
  TierMatch m;
  for (const json& ing : snap.ingresses) {
    const std::string ns = Namespace(ing);
    const std::string id = ns + "/" + Name(ing);
    const json& spec = Field(ing, "spec");
    const json& rules = Field(spec, "rules");
    if (!rules.is_array()) continue;
    bool ingress_in_tier = false;
    for (const json& rule : rules) {
      std::string rule_host = ToLower(StringField(rule, "host"));
      HostTier t = rule_host.empty() ? HostTier::kNoHost
                   : StartsWith(rule_host, "*.") ? HostTier::kWildcard
                                                 : HostTier::kExact;
      if (t != tier) continue;
      if (t != HostTier::kNoHost && !IngressHostMatches(rule_host, host)) continue;
      m.any_rule = true;
      ingress_in_tier = true;
      const json& paths = Field(Field(rule, "http"), "paths");
      if (!paths.is_array()) continue;
      for (const json& p : paths) {
        std::string rule_path = StringField(p, "path");
        if (rule_path.empty()) rule_path = "/";
        std::string type = StringField(p, "pathType");
        auto len = IngressPathMatch(type, rule_path, path);
        if (!len) continue;
        bool exact = type == "Exact";
        bool better = !m.best || *len > m.best_len || (*len == m.best_len && exact && !m.best_exact);
        if (!better) continue;
        auto backend = BackendOf(Field(p, "backend"), ns, id);
        if (!backend) continue;
        m.best = std::move(backend);
        m.best_len = *len;
        m.best_exact = exact;
      }
    }
    if (ingress_in_tier && !m.default_backend) m.default_backend = BackendOf(Field(spec, "defaultBackend"), ns, id);
  }
  return m;
}

std::optional<BackendRef> FromServiceDnsName(const std::string& host, std::optional<int> port, const AppSnapshot& snap) {
  std::vector<std::string> labels;
  size_t i = 0;
  while (true) {
    size_t dot = host.find('.', i);
    labels.push_back(host.substr(i, dot == std::string::npos ? std::string::npos : dot - i));
    if (dot == std::string::npos) break;
    i = dot + 1;
  }
  bool dns_form = labels.size() == 2 || (labels.size() == 3 && labels[2] == "svc") ||
                  (labels.size() == 5 && labels[2] == "svc" && labels[3] == "cluster" && labels[4] == "local");
  if (!dns_form || labels[0].empty() || labels[1].empty()) return std::nullopt;
  const json* svc = FindService(snap, labels[1], labels[0]);
  if (!svc) return std::nullopt;
  BackendRef ref{labels[1], labels[0], {}, ""};
  const json& ports = Field(Field(*svc, "spec"), "ports");
  if (ports.is_array()) {
    for (const json& p : ports) {
      if (port && Field(p, "port").is_number_integer() && Field(p, "port").get<int>() == *port) ref.port.number = *port;
    }
    if (!ref.port.number && !ports.empty() && Field(ports[0], "port").is_number_integer())
      ref.port.number = Field(ports[0], "port").get<int>();
  }
  return ref;
}

}  // namespace

std::string NormalizeHost(const std::string& host, std::optional<int>* port) {
  std::string h = host;
  while (!h.empty() && std::isspace(static_cast<unsigned char>(h.back()))) h.pop_back();
  size_t start = 0;
  while (start < h.size() && std::isspace(static_cast<unsigned char>(h[start]))) ++start;
  h = h.substr(start);
  std::string port_text;
  if (!h.empty() && h.front() == '[') {
    size_t close = h.find(']');
    if (close != std::string::npos) {
      if (close + 1 < h.size() && h[close + 1] == ':') port_text = h.substr(close + 2);
      h = h.substr(1, close - 1);
    }
  } else if (size_t colon = h.find(':'); colon != std::string::npos && h.find(':', colon + 1) == std::string::npos) {
    port_text = h.substr(colon + 1);
    h = h.substr(0, colon);
  }
  if (port) *port = ParsePort(port_text);
  if (!h.empty() && h.back() == '.') h.pop_back();
  return ToLower(h);
}

bool IngressHostMatches(const std::string& rule_host, const std::string& host) {
  std::string rule = ToLower(rule_host);
  if (!StartsWith(rule, "*.")) return rule == host;
  std::string suffix = rule.substr(1);  // ".example.com"
  if (host.size() <= suffix.size() || host.compare(host.size() - suffix.size(), suffix.size(), suffix) != 0)
    return false;
  std::string first = host.substr(0, host.size() - suffix.size());
  return first.find('.') == std::string::npos;
}

std::optional<size_t> IngressPathMatch(const std::string& path_type, const std::string& rule_path,
                                       const std::string& request_path) {
  if (path_type == "Exact") {
    if (rule_path == request_path) return rule_path.size();
    return std::nullopt;
  }
  // Prefix (and ImplementationSpecific, read as Prefix): element-wise over path segments.
  std::vector<std::string> want = Segments(rule_path);
  std::vector<std::string> got = Segments(request_path);
  if (want.size() > got.size()) return std::nullopt;
  size_t len = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] != got[i]) return std::nullopt;
    len += want[i].size() + 1;
  }
  return len;  // "/" → 0, "/foo" and "/foo/" → 4
}

const json* FindService(const AppSnapshot& snap, const std::string& ns, const std::string& name) {
  for (const json& s : snap.services)
    if (Namespace(s) == ns && Name(s) == name) return &s;
  return nullptr;
}

std::optional<BackendRef> ResolveBackend(const AppRequest& req, const AppSnapshot& snap) {
  std::optional<int> host_port;
  std::string host = NormalizeHost(req.host, &host_port);
  std::optional<int> port = req.port ? req.port : host_port;
  const std::string path = req.path.empty() ? "/" : req.path;
  if (!host.empty()) {
    for (HostTier tier : {HostTier::kExact, HostTier::kWildcard}) {
      TierMatch m = MatchTier(tier, host, path, snap);
      if (!m.any_rule) continue;
      if (m.best) return m.best;
      return m.default_backend;  // nullopt → 404
    }
    if (auto svc = FromServiceDnsName(host, port, snap)) return svc;
  }
  TierMatch m = MatchTier(HostTier::kNoHost, host, path, snap);
  if (m.best) return m.best;
  for (const json& ing : snap.ingresses) {
    const json& spec = Field(ing, "spec");
    const json& rules = Field(spec, "rules");
    if (rules.is_array() && !rules.empty()) continue;
    if (auto b = BackendOf(Field(spec, "defaultBackend"), Namespace(ing), Namespace(ing) + "/" + Name(ing))) return b;
  }
  return std::nullopt;
}

bool PodIsReadyEndpoint(const json& pod) {
  const json& meta = Field(pod, "metadata");
  if (!Field(meta, "deletionTimestamp").is_null()) return false;
  const json& status = Field(pod, "status");
  if (StringField(status, "phase") != "Running") return false;
  const json& conditions = Field(status, "conditions");
  if (!conditions.is_array()) return false;
  for (const json& c : conditions)
    if (StringField(c, "type") == "Ready") return StringField(c, "status") == "True";
  return false;
}

std::vector<AppEndpoint> ReadyEndpoints(const json& service, const ServicePortRef& port, const std::vector<json>& pods) {
  std::vector<AppEndpoint> out;
  const std::string ns = Namespace(service);
  const json& spec = Field(service, "spec");
  const json& selector = Field(spec, "selector");
  if (!selector.is_object() || selector.empty()) return out;  // no selector: no managed endpoints

  // The Service port the backend names, and its targetPort (defaults to the port).
  const json* svc_port = nullptr;
  const json& ports = Field(spec, "ports");
  if (ports.is_array()) {
    for (const json& p : ports) {
      bool by_number = port.number && Field(p, "port").is_number_integer() && Field(p, "port").get<int>() == *port.number;
      bool by_name = !port.number && !port.name.empty() && StringField(p, "name") == port.name;
      if (by_number || by_name) {
        svc_port = &p;
        break;
      }
    }
  }
  if (!svc_port) return out;
  json target = Field(*svc_port, "targetPort");
  if (target.is_null()) target = Field(*svc_port, "port");

  LabelSelector sel = FromLabelMap(selector);
  for (const json& pod : pods) {
    if (Namespace(pod) != ns) continue;
    if (!sel.Matches(Field(Field(pod, "metadata"), "labels"))) continue;
    if (!PodIsReadyEndpoint(pod)) continue;
    const json& containers = Field(Field(pod, "spec"), "containers");
    if (!containers.is_array() || containers.empty()) continue;
    const json* chosen = nullptr;
    for (const json& c : containers) {
      const json& cports = Field(c, "ports");
      if (!cports.is_array()) continue;
      for (const json& cp : cports) {
        bool hit = target.is_string() ? StringField(cp, "name") == target.get<std::string>()
                                      : target.is_number_integer() && Field(cp, "containerPort") == target;
        if (hit) {
          chosen = &c;
          break;
        }
      }
      if (chosen) break;
    }
    if (!chosen) {
      if (target.is_string()) continue;  // a named port the Pod does not declare: not an endpoint
      chosen = &containers[0];           // a number need not be declared
    }
    out.push_back({&pod, StringField(*chosen, "image")});
  }
  return out;
}

AppRoute AppRouter::Route(const AppRequest& req, const AppSnapshot& snap, const Scenarios& scenarios) {
  AppRoute r;
  r.backend = ResolveBackend(req, snap);
  if (!r.backend) {
    r.outcome = AppRoute::Outcome::kNoRoute;
    r.answer = {404, "default backend - 404", 0};
    return r;
  }
  std::vector<AppEndpoint> endpoints;
  if (const json* svc = FindService(snap, r.backend->ns, r.backend->service))
    endpoints = ReadyEndpoints(*svc, r.backend->port, snap.pods);
  if (endpoints.empty()) {
    r.outcome = AppRoute::Outcome::kNoEndpoints;
    r.answer = {503, "no healthy upstream", 0};
    return r;
  }
  size_t index;
  {
    std::lock_guard lock(mu_);
    index = next_[r.backend->ns + "/" + r.backend->service]++ % endpoints.size();
  }
  const AppEndpoint& ep = endpoints[index];
  ScenarioRule rule = scenarios.Match(ep.image, Field(Field(*ep.pod, "metadata"), "labels"));
  r.outcome = AppRoute::Outcome::kServed;
  r.pod = Namespace(*ep.pod) + "/" + Name(*ep.pod);
  r.image = ep.image;
  r.scenario = rule.name;
  r.tls = rule.tls;
  r.answer = rule.AnswerFor(req.path.empty() ? "/" : req.path);
  return r;
}

std::optional<AppTlsChoice> AppRouter::TlsFor(const std::string& host, const AppSnapshot& snap,
                                              const Scenarios& scenarios) const {
  const std::string h = NormalizeHost(host);
  if (h.empty()) return std::nullopt;
  std::optional<AppTlsChoice> choice;
  for (const json& ing : snap.ingresses) {
    const json& tls = Field(Field(ing, "spec"), "tls");
    if (!tls.is_array()) continue;
    for (const json& entry : tls) {
      std::string secret = StringField(entry, "secretName");
      const json& hosts = Field(entry, "hosts");
      if (secret.empty() || !hosts.is_array()) continue;
      for (const json& th : hosts) {
        if (th.is_string() && IngressHostMatches(th.get<std::string>(), h)) {
          choice = AppTlsChoice{Namespace(ing), secret, Namespace(ing) + "/" + Name(ing), {}};
          break;
        }
      }
      if (choice) break;
    }
    if (choice) break;
  }
  if (!choice) return std::nullopt;

  auto backend = ResolveBackend({h, "/", std::nullopt}, snap);
  if (!backend) return choice;
  const json* svc = FindService(snap, backend->ns, backend->service);
  if (!svc) return choice;
  std::vector<AppEndpoint> endpoints = ReadyEndpoints(*svc, backend->port, snap.pods);
  if (endpoints.empty()) return choice;
  size_t index;
  {
    std::lock_guard lock(mu_);
    auto it = next_.find(backend->ns + "/" + backend->service);
    index = (it == next_.end() ? 0 : it->second) % endpoints.size();
  }
  const AppEndpoint& ep = endpoints[index];
  choice->faults = scenarios.Match(ep.image, Field(Field(*ep.pod, "metadata"), "labels")).tls;
  return choice;
}

}  // namespace kubesim
