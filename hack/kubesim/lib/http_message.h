// http_message.h — a transport-neutral HTTP request and response, so the API semantics can be
// tested without sockets and served by any transport (kube-sim's TLS server, in-process tests).
//
// Usage:
//   HttpRequest req{"GET", "/api/v1/namespaces/default/configmaps", {{"limit", "10"}}, {}, ""};
//   ApiResponse res = api.Handle(req);
//   if (res.watch) { while (auto chunk = res.watch->Next(...)) ... }
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kubesim {

struct HttpRequest {
  std::string method;                          // GET, POST, PUT, PATCH, DELETE
  std::string path;                            // decoded path, no query
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  std::string Query(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
  bool HasQuery(const std::string& name) const { return query.count(name) > 0; }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A streaming body (a watch): the transport writes each chunk as it comes.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // The next chunk to send, waiting up to `wait`. nullopt with Done() false: nothing yet, call
  // again. Done() true: the stream has ended.
  virtual std::optional<std::string> Next(std::chrono::milliseconds wait) = 0;
  virtual bool Done() const = 0;
  // Called by the transport when the client went away.
  virtual void Cancel() = 0;
};

struct ApiResponse {
  HttpResponse response;               // for a stream: status, content type and headers only
  std::unique_ptr<ResponseStream> stream;
};

}  // namespace kubesim
