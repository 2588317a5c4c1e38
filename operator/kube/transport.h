// transport.h — how the client talks HTTP, as an interface: one request/response round trip
// (Do) and one streamed response read line by line (Stream, for watches). The production
// implementation is HttpTransport (http_transport.h, cpprestsdk over TLS); tests use a fake.
//
// A transport does not interpret HTTP statuses for Do: any answer, 2xx or not, is an
// HttpResponse; only the absence of an answer (connection refused, TLS verification failure,
// timeout) is an error, with kind ErrorKind::kTransport and a TransportErrorKind. Stream is the
// exception: a non-2xx answer to a stream request is read whole and returned as the typed error
// (ErrorFromResponse), since a caller cannot read lines of an error.
//
// Usage:
//   HttpRequest req;
//   req.path = "/api/v1/namespaces/default/configmaps";
//   req.query = {{"limit", "500"}};
//   ApiResult<HttpResponse> r = transport.Do(req);
//   if (!r.ok()) ... r.error().transport == TransportErrorKind::kTls ...
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kube/api_error.h"

namespace jd::kube {

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT, PATCH, DELETE
  std::string path;            // absolute, unescaped: "/api/v1/namespaces/default/configmaps"
  std::vector<std::pair<std::string, std::string>> query;  // unescaped; the transport encodes
  std::map<std::string, std::string> headers;              // extra headers (Accept, ...)
  std::string body;
  std::string content_type;    // set when body is non-empty
  // Overall limit for Do; for Stream, the longest silence tolerated on the stream. Zero: the
  // transport's default.
  std::chrono::milliseconds timeout{0};
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// What LineStream::Next produced: a line, nothing within the timeout, or the end of the stream.
struct StreamRead {
  enum class Kind { kLine, kTimeout, kEnd };
  Kind kind = Kind::kEnd;
  std::string line;  // without the trailing newline; only for kLine
};

// A response body read as newline-delimited lines (a watch: one JSON event per line).
class LineStream {
 public:
  virtual ~LineStream() = default;
  // Waits at most `timeout` for the next complete line. An error (connection reset, TLS,
  // cancelled) ends the stream: later calls return kEnd.
  virtual ApiResult<StreamRead> Next(std::chrono::milliseconds timeout) = 0;
  // Stops the stream from any thread; a blocked Next returns promptly. Idempotent.
  virtual void Cancel() = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual ApiResult<HttpResponse> Do(const HttpRequest& req) = 0;
  // Sends `req` and returns once the answer's headers arrived with a 2xx status.
  virtual ApiResult<std::unique_ptr<LineStream>> Stream(const HttpRequest& req) = 0;
};

}  // namespace jd::kube
