// app_router.h — where a request for the simulated app goes: host + path → Ingress rule or
// Service DNS name → Service → a ready Pod → that Pod's scenario answer. Pure over a snapshot of
// Ingresses, Services and Pods (no I/O, no clock); the only state is the round-robin counter per
// Service, so a rolling update mixes old and new Pods the way a real Service does.
//
// Routing, first match wins:
//  1. Ingress rules naming the host (networking.k8s.io/v1, all namespaces, namespace/name
//     order). Hosts are compared lower-case, without port or trailing dot. The exact host tier is
//     used if any rule names the host exactly, else the wildcard tier (`*.example.com` matches
//     exactly one more leading label). Within the tier the longest matching path wins (Exact
//     beats Prefix at equal length; then the first rule): Prefix compares '/'-separated segments
//     ("/foo" matches "/foo", "/foo/" and "/foo/bar", never "/foobar"); ImplementationSpecific
//     and a missing pathType act as Prefix. No path matches → the spec.defaultBackend of an
//     Ingress with a rule in the tier, else 404. A backend names a Service of the Ingress's
//     namespace and its port by number or name.
//  2. Service DNS names: `<svc>.<ns>.svc.cluster.local`, `<svc>.<ns>.svc`, `<svc>.<ns>`, when
//     that Service exists (in a cluster they never reach an ingress controller). Its port: the
//     request's port when the Service has it, else its first port.
//  3. Ingress rules without a host (longest path as above), then the spec.defaultBackend of an
//     Ingress without rules.
//  4. Nothing → 404 (an ingress controller's default backend).
// Then the Service's spec.selector (a missing or empty selector selects nothing) picks Pods of
// its namespace that are Running, Ready=True and not terminating (no deletionTimestamp) and that
// can serve the target port (a named targetPort must be a declared containerPort name; Pods
// without it are no endpoint, as with a real EndpointSlice). None → 503 "no healthy upstream".
// One is chosen round-robin (by namespace/name order); the answering container is the one
// declaring the target port, else the first; its image and the Pod's labels select the scenario
// (Scenarios::Match), whose AnswerFor(path) is the answer.
//
// Not modelled: ingressClassName (every Ingress is served), backend.resource, Services without
// selectors and hand-written Endpoints, ExternalName, sessionAffinity, regex paths.
//
// Usage:
//   AppRouter router;
//   AppSnapshot snap{api.ListObjects("networking.k8s.io", "ingresses", ""),
//                    api.ListObjects("", "services", ""), api.ListObjects("", "pods", "")};
//   AppRoute r = router.Route({.host = "app.school.example", .path = "/login"}, snap, scenarios);
//   respond(r.answer.status, r.answer.body);  // r.pod names the Pod that answered, if any
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario.h"

namespace kubesim {

// The objects routing reads, as stored (all namespaces).
struct AppSnapshot {
  std::vector<nlohmann::json> ingresses;
  std::vector<nlohmann::json> services;
  std::vector<nlohmann::json> pods;
};

struct AppRequest {
  std::string host;               // as in the Host header or SNI; a ":port" suffix is allowed
  std::string path = "/";         // without the query
  std::optional<int> port;        // overrides a port in `host`
};

// A Service port as a backend names it: by number or by name (exactly one set).
struct ServicePortRef {
  std::optional<int> number;
  std::string name;
};

struct BackendRef {
  std::string ns;
  std::string service;
  ServicePortRef port;
  std::string ingress;  // "ns/name" of the Ingress that routed; empty for a Service DNS name
};

struct AppRoute {
  enum class Outcome { kNoRoute, kNoEndpoints, kServed };
  Outcome outcome = Outcome::kNoRoute;
  std::optional<BackendRef> backend;  // set unless kNoRoute
  std::string pod;                    // "ns/name" of the Pod that answered (kServed)
  std::string image;                  // its answering container's image (kServed)
  std::string scenario;               // the matched scenario's name (kServed)
  TlsBehaviour tls;                   // the matched scenario's TLS faults (kServed)
  HttpAnswer answer;                  // 404 / 503 / the scenario's answer
};

// The certificate to serve for a TLS host name (SNI).
struct AppTlsChoice {
  std::string ns;           // the Ingress's namespace
  std::string secret_name;  // its spec.tls[].secretName for the host
  std::string ingress;      // "ns/name"
  TlsBehaviour faults;      // the backend Pod's scenario TLS faults (none without a ready Pod)
};

// Lower-case host without ":port" and trailing dot; "[::1]:80" → "::1". `port` gets the port.
std::string NormalizeHost(const std::string& host, std::optional<int>* port = nullptr);
// An Ingress rule host (exact or "*.suffix") against a normalized request host.
bool IngressHostMatches(const std::string& rule_host, const std::string& host);
// Length of the match of an Ingress path (by pathType) against a request path; nullopt: none.
std::optional<size_t> IngressPathMatch(const std::string& path_type, const std::string& rule_path,
                                       const std::string& request_path);
// Which Service (and port) serves the request, or nullopt (→ 404).
std::optional<BackendRef> ResolveBackend(const AppRequest& req, const AppSnapshot& snap);

// A Pod able to serve a Service port, and the container that answers.
struct AppEndpoint {
  const nlohmann::json* pod = nullptr;
  std::string image;
};
// The Service of `backend`, or nullptr.
const nlohmann::json* FindService(const AppSnapshot& snap, const std::string& ns, const std::string& name);
// The ready endpoints of `service` for `port`, in namespace/name order. Empty when the Service
// lacks the port or a selector, or no Pod qualifies.
std::vector<AppEndpoint> ReadyEndpoints(const nlohmann::json& service, const ServicePortRef& port,
                                        const std::vector<nlohmann::json>& pods);
// Running, Ready=True, no deletionTimestamp.
bool PodIsReadyEndpoint(const nlohmann::json& pod);

class AppRouter {
 public:
  // Routes one request; advances the Service's round-robin counter when a Pod answers.
  AppRoute Route(const AppRequest& req, const AppSnapshot& snap, const Scenarios& scenarios);
  // The certificate for SNI `host`: the first Ingress (namespace/name order) with a spec.tls
  // entry listing the host (exactly or by wildcard). Its faults come from the Pod that would
  // answer "/" for that host next (the round-robin counter is not advanced). nullopt: no TLS.
  std::optional<AppTlsChoice> TlsFor(const std::string& host, const AppSnapshot& snap,
                                     const Scenarios& scenarios) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> next_;  // "ns/service" → round-robin counter
};

}  // namespace kubesim
