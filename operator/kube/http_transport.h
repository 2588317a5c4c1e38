// http_transport.h — the production Transport: HTTPS (cpprestsdk, Boost.Asio, OpenSSL) to one
// API server, verifying the server against a CA given as PEM with hostname (or IP SAN)
// verification, optional client certificate, bearer token (re-read from a token file whenever
// the file changes, as projected service-account tokens rotate), user agent and timeouts.
//
// http_transport.cpp is the only file of the operator that includes cpprestsdk.
//
// Usage:
//   HttpTransportOptions o;
//   o.server = "https://10.0.0.1:443"; o.ca_pem = ca; o.token_file = "/var/run/secrets/.../token";
//   auto t = HttpTransport::Create(o);        // ApiResult<std::unique_ptr<HttpTransport>>
//   if (!t.ok()) ...;                         // bad server URL, unreadable CA/cert/key
//   Client client(*t.value(), clock, sleeper, {});
//
// `insecure_skip_tls_verify` disables server verification entirely; the caller must log a loud
// warning when it sets it.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "kube/rest_config.h"
#include "kube/transport.h"

namespace jd::kube {

struct HttpTransportOptions {
  std::string server;  // "https://host:port" (http:// only for debugging)
  std::string ca_pem;  // trusted CA bundle; empty: the system's default trust store
  std::string client_cert_pem, client_key_pem;  // both or neither
  std::string bearer_token;  // used when token_file is empty or unreadable
  std::string token_file;    // re-read when its modification time or size changes
  bool insecure_skip_tls_verify = false;
  std::string user_agent = "justdriving-operator";
  std::chrono::milliseconds timeout{30000};  // per request when HttpRequest::timeout is zero
};

class HttpTransport final : public Transport {
 public:
  static ApiResult<std::unique_ptr<HttpTransport>> Create(const HttpTransportOptions& opts);
  ~HttpTransport() override;

  ApiResult<HttpResponse> Do(const HttpRequest& req) override;
  ApiResult<std::unique_ptr<LineStream>> Stream(const HttpRequest& req) override;

  struct Impl;  // public only so the .cpp's helpers can name it

 private:
  explicit HttpTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The transport part of a RestConfig (server, TLS, credentials, user agent, timeout).
HttpTransportOptions TransportOptionsFrom(const RestConfig& config);

// Percent-encodes `s` for a URL query component (RFC 3986 unreserved characters kept).
std::string QueryEscape(const std::string& s);
// Percent-encodes `s` for a URL path (unreserved characters and '/' kept).
std::string PathEscape(const std::string& s);

}  // namespace jd::kube
