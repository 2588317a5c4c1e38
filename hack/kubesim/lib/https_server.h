// https_server.h — kube-sim's transport: HTTP/1.1 over TLS (or plain HTTP behind an explicit
// debug flag) on a loopback address, one thread per connection, keep-alive, chunked streaming for
// watches. It hands every request to an ApiServer and honours the "refuse connections" fault by
// closing its listener and every open connection for the asked time, then listening again on
// the same port (a restart that keeps the data).
//
// With the app simulator (sim/app_simulator.cpp), one of the two files of kube-sim that include
// Boost.Beast.
//
// Usage:
//   HttpsServer server(api, {.listen = "127.0.0.1:0", .cert_pem = c, .key_pem = k});
//   auto port = server.Start();      // Result<int>: the bound port
//   ...; server.Stop();
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "api_error.h"
#include "api_server.h"

namespace kubesim {

struct HttpsServerOptions {
  std::string listen = "127.0.0.1:0";  // host:port; port 0 picks a free one
  std::string cert_pem, key_pem;       // serving certificate and key (ignored with plain_http)
  bool plain_http = false;             // debugging only: no TLS
};

class HttpsServer {
 public:
  HttpsServer(ApiServer& api, HttpsServerOptions opts);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  // Binds and starts serving; returns the port.
  Result<int> Start();
  // Stops accepting, ends every connection and joins every thread.
  void Stop();
  int port() const { return port_; }
  std::string host() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<int> port_{0};
};

}  // namespace kubesim
