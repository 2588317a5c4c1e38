// HttpProber: one HTTP(S) request the way traffic reaches the app, for the release's health checks
// (health.h) and the webhook sender (webhook_sender.h).
//
// The interface is what callers depend on; tests of other code pass FakeHttpProber
// (fake_http_prober.h). BeastHttpProber is the real one (Boost.Beast, HTTP/1.1, OpenSSL):
//   - The URL names what the request is *for*: its host is the Host header and, for https, the TLS
//     server name (SNI) and the name the certificate must match. `connect_address` ("host:port"),
//     when set, is where the TCP connection goes instead (kube-sim's app simulator, a Service IP);
//     the URL's host is then never resolved.
//   - HTTPS verifies the chain against `ca_bundle_pem` (or the system trust store when empty) and
//     the certificate's names against the URL's host (IP SANs for an IP host), TLS 1.2 or newer.
//     `verify_tls = false` skips both (the certificate is still required to complete a handshake).
//   - One deadline for the whole request: resolve + connect + TLS + write + read, measured on the
//     injected clock. Redirects are not followed (a 301 is an answer like any other).
//   - At most the first 64 KiB (kMaxProbeBody) of the body are read; the connection is then closed.
//   - Never throws: every failure is a ProbeResult with status 0 (or the status, when the answer
//     broke off after its header) and `error` set.
// Weak spots: a hanging DNS lookup (getaddrinfo cannot be cancelled) is not bounded by the deadline;
// with a FakeClock the deadline only passes when nothing at all happens for `timeout` (real time).
// A blocking call: run it from a reconcile worker, not from an event loop or a clock callback.
//
// Usage:
//   jd::release::BeastHttpProber prober(clock);
//   jd::release::ProbeRequest req;
//   req.url = "https://app.school.example/login";
//   req.connect_address = "127.0.0.1:8443";          // optional
//   req.timeout = std::chrono::seconds(5);
//   jd::release::ProbeResult res = prober.Get(req);
//   if (res.status == 0) { /* res.error says why */ }
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status_or.h"

namespace jd::release {

// Bodies are cut after this many bytes (ProbeResult::body).
inline constexpr std::size_t kMaxProbeBody = 64 * 1024;

struct ProbeRequest {
  std::string url;              // http(s)://host[:port]/path[?query]
  std::string connect_address;  // "host:port" to connect to instead of the URL's host; "" = the URL's
  std::chrono::milliseconds timeout{5000};  // the whole request
  std::string ca_bundle_pem;    // verify HTTPS against these certificates; "" = system trust store
  bool verify_tls = true;
  std::vector<std::pair<std::string, std::string>> headers;  // sent as given (may override Host)
  std::string method = "GET";
  std::string body;             // sent with Content-Length when non-empty (or for POST/PUT/PATCH)
};

struct ProbeResult {
  int status = 0;                          // HTTP status; 0 = no answer
  std::string body;                        // the first kMaxProbeBody bytes
  std::chrono::milliseconds latency{0};    // from the start of Get to the end of reading
  std::string error;                       // transport error; "" when answered completely
  std::map<std::string, std::string> headers;  // lower-case names; repeated headers joined by ", "
};

class HttpProber {
 public:
  virtual ~HttpProber() = default;
  // Safe to call from several threads at once (each call is independent).
  virtual ProbeResult Get(const ProbeRequest& request) = 0;
};

// A parsed http(s) URL.
struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // lower-case; an IPv6 address without brackets
  int port = 0;        // explicit or the scheme's default (80, 443)
  std::string target;  // path and query, "/" when the URL has none; the fragment is dropped

  // Host header value: host, plus ":port" when not the scheme's default; IPv6 in brackets.
  std::string HostHeader() const;
  friend bool operator==(const Url&, const Url&) = default;
};

// Errors say what is wrong with `url` (the URL itself is quoted: callers must not pass secrets in
// URLs they report).
jd::StatusOr<Url> ParseUrl(std::string_view url);

// "host:port" or "[v6]:port" (port required, 1..65535).
jd::StatusOr<std::pair<std::string, int>> ParseHostPort(std::string_view address);

class BeastHttpProber : public HttpProber {
 public:
  // `clock` must outlive the prober; only Now() is used (deadline and latency).
  explicit BeastHttpProber(const jd::Clock& clock) : clock_(clock) {}

  ProbeResult Get(const ProbeRequest& request) override;

 private:
  const jd::Clock& clock_;
};

}  // namespace jd::release
