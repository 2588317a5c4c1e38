// HttpEndpoint: a tiny HTTP/1.1 server for the operator's own endpoints — /metrics on the
// metrics address, /healthz and /readyz on the health-probe address. GET only; each path maps to
// a handler; anything else is 404 (405 for another method). Connections are served one request
// at a time (Connection: close) on one thread with a 5 s read deadline, which is plenty for a
// kubelet probe and a Prometheus scrape.
//
// Bind addresses use controller-runtime's spelling: ":8080" (every interface), "127.0.0.1:8080",
// "[::1]:8080"; port 0 picks a free port (see port()). "0" means disabled and is the caller's
// business (Listen refuses it).
//
// Usage:
//   auto ep = jd::HttpEndpoint::Listen(":8081", {
//       {"/healthz", [] { return jd::HttpEndpoint::Response{200, "text/plain", "ok"}; }}});
//   if (!ep.ok()) ...;                     // names the address and the OS error
//   ep.value()->port();  ...  ep.value()->Stop();   // or destroy it
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/status_or.h"

namespace jd {

class HttpEndpoint {
 public:
  struct Response {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
  };
  // Runs on the endpoint's thread; must not throw (a throw becomes a 500).
  using Handler = std::function<Response()>;

  static StatusOr<std::unique_ptr<HttpEndpoint>> Listen(const std::string& bind_address,
                                                        std::map<std::string, Handler> routes);
  ~HttpEndpoint();  // Stop()
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  uint16_t port() const;
  // Closes the listener and in-flight connections; joins the thread. Idempotent.
  void Stop();

  struct Impl;

 private:
  explicit HttpEndpoint(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ":8080" -> {"0.0.0.0", 8080}; "[::1]:9" -> {"::1", 9}; errors name the address.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
StatusOr<HostPort> ParseBindAddress(const std::string& address);

}  // namespace jd
