#include "reconcilers/release/http_prober.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace jd::release {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "Connection refused" -> "connection refused": messages read as one sentence after a prefix.
std::string Message(const beast::error_code& ec) {
  std::string m = ec.message();
  if (m.size() > 1 && std::isupper(static_cast<unsigned char>(m[0])) &&
      !std::isupper(static_cast<unsigned char>(m[1]))) {
    m[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(m[0])));
  }
  return m;
}

bool IsIpAddress(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

StatusOr<int> ParsePort(std::string_view digits, std::string_view what) {
  if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return Error{std::string(what) + ": port \"" + std::string(digits) + "\" is not a number from 1 to 65535"};
  }
  const int port = std::stoi(std::string(digits));
  if (port < 1 || port > 65535) {
    return Error{std::string(what) + ": port " + std::to_string(port) + " is not from 1 to 65535"};
  }
  return port;
}

// Splits "host[:port]" / "[v6][:port]"; port "" when absent.
StatusOr<std::pair<std::string, std::string>> SplitAuthority(std::string_view authority, std::string_view what) {
  std::string host;
  std::string_view rest;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Error{std::string(what) + ": \"[\" without \"]\" in the host"};
    host = std::string(authority.substr(1, close - 1));
    rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return Error{std::string(what) + ": unexpected text after \"]\""};
  } else {
    const size_t colon = authority.find(':');
    host = std::string(authority.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
  }
  if (host.empty()) return Error{std::string(what) + ": no host"};
  return std::make_pair(Lower(host), std::string(rest.empty() ? std::string_view() : rest.substr(1)));
}

// One request on its own io_context. Every asynchronous step is awaited with Await, which runs the
// io_context until the step completes or the request's deadline passes (then everything is aborted).
class Call {
 public:
  Call(const jd::Clock& clock, MonoTime deadline, std::chrono::milliseconds timeout)
      : clock_(clock), deadline_(deadline), timeout_(timeout) {}

  asio::io_context& io() { return io_; }

  // What closing the connection means for this call (set once the socket exists).
  void OnAbort(std::function<void()> abort) { abort_ = std::move(abort); }

  // Starts an operation with `start(handler)` and waits for it. Returns false on the deadline
  // (error() then says so, naming `phase`); otherwise `ec` is the operation's result.
  template <class Start>
  bool Await(std::string_view phase, Start&& start, beast::error_code& ec) {
    bool done = false;
    start([&done, &ec](beast::error_code e, auto&&...) {
      ec = e;
      done = true;
    });
    while (!done) {
      if (io_.stopped()) io_.restart();
      const auto remaining = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - clock_.Now());
      // run_one_for returning 0 means nothing happened for `remaining`: with a FakeClock (whose Now
      // does not move) that is how the deadline passes.
      if (remaining.count() <= 0 || io_.run_one_for(remaining) == 0) {
        if (done) break;
        if (abort_) abort_();
        io_.restart();
        io_.run();  // the aborted operations complete (operation_aborted) before their state goes
        timeout_error_ = "timed out after " + std::to_string(timeout_.count()) + " ms (" + std::string(phase) + ")";
        return false;
      }
    }
    return true;
  }

  const std::string& timeout_error() const { return timeout_error_; }

 private:
  const jd::Clock& clock_;
  const MonoTime deadline_;
  const std::chrono::milliseconds timeout_;
  std::function<void()> abort_;
  std::string timeout_error_;
  asio::io_context io_;  // declared last: destroyed first, before the state its handlers reference
};

// Writes the request and reads the answer over an established (and, for https, handshaken) stream.
template <class Stream>
void Exchange(Call& call, Stream& stream, const http::request<http::string_body>& request, bool head,
              ProbeResult& out) {
  beast::error_code ec;
  if (!call.Await("sending the request", [&](auto handler) { http::async_write(stream, request, handler); }, ec)) {
    out.error = call.timeout_error();
    return;
  }
  if (ec) {
    out.error = "sending the request: " + Message(ec);
    return;
  }

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.header_limit(64 * 1024);
  // We stop reading at kMaxProbeBody ourselves. (Not boost::none: Boost 1.74 then reports
  // body_limit for any fixed-length body.)
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (head) parser.skip(true);
  if (!call.Await("waiting for the response", [&](auto handler) { http::async_read_header(stream, buffer, parser, handler); },
                  ec)) {
    out.error = call.timeout_error();
    return;
  }
  if (ec == http::error::end_of_stream || ec == asio::error::eof) {
    out.error = "the server closed the connection without answering";
    return;
  }
  if (ec && ec.category() == http::make_error_code(http::error::bad_version).category()) {
    out.error = "reading the response: not a valid HTTP/1.x answer (" + Message(ec) + ")";
    return;
  }
  if (ec) {
    out.error = "reading the response: " + Message(ec);
    return;
  }
  const auto& header = parser.get();
  out.status = static_cast<int>(header.result_int());
  for (const auto& field : header) {
    std::string name = Lower(std::string_view(field.name_string().data(), field.name_string().size()));
    std::string value(field.value().data(), field.value().size());
    auto [it, inserted] = out.headers.emplace(name, value);
    if (!inserted) it->second += ", " + value;
  }

  std::array<char, 16 * 1024> chunk{};
  while (!parser.is_done() && out.body.size() < kMaxProbeBody) {
    const size_t want = std::min(chunk.size(), kMaxProbeBody - out.body.size());
    parser.get().body().data = chunk.data();
    parser.get().body().size = want;
    if (!call.Await("reading the body", [&](auto handler) { http::async_read(stream, buffer, parser, handler); }, ec)) {
      out.body.append(chunk.data(), want - parser.get().body().size);
      out.error = call.timeout_error();
      return;
    }
    out.body.append(chunk.data(), want - parser.get().body().size);
    if (ec == http::error::need_buffer) continue;
    if (ec) {
      out.error = "reading the body: " + Message(ec);
      return;
    }
  }
}

void Probe(const jd::Clock& clock, MonoTime start, const ProbeRequest& req, ProbeResult& out) {
  auto url = ParseUrl(req.url);
  if (!url.ok()) {
    out.error = url.error().message;
    return;
  }
  const Url& u = url.value();
  std::string connect_host = u.host;
  int connect_port = u.port;
  if (!req.connect_address.empty()) {
    auto hp = ParseHostPort(req.connect_address);
    if (!hp.ok()) {
      out.error = hp.error().message;
      return;
    }
    connect_host = hp.value().first;
    connect_port = hp.value().second;
  }
  std::string method = req.method.empty() ? "GET" : req.method;
  std::transform(method.begin(), method.end(), method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    out.error = "method \"" + req.method + "\" is not an HTTP method";
    return;
  }
  const auto timeout = std::max(req.timeout, std::chrono::milliseconds(1));
  const std::string where = connect_host + ":" + std::to_string(connect_port);

  http::request<http::string_body> request{verb, u.target, 11};
  request.set(http::field::host, u.HostHeader());
  request.set(http::field::user_agent, "justdriving-operator");
  request.set(http::field::connection, "close");
  for (const auto& [name, value] : req.headers) request.set(name, value);
  request.body() = req.body;
  if (!req.body.empty() || verb == http::verb::post || verb == http::verb::put || verb == http::verb::patch) {
    request.prepare_payload();
  }
  const bool head = verb == http::verb::head;

  // TLS settings first: a bad CA bundle is reported before any connection is made.
  std::optional<ssl::context> tls;
  if (u.scheme == "https") {
    tls.emplace(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
    beast::error_code ec;
    if (req.verify_tls) {
      tls->set_verify_mode(ssl::verify_peer, ec);
      if (!ec) {
        if (req.ca_bundle_pem.empty()) {
          tls->set_default_verify_paths(ec);
        } else {
          tls->add_certificate_authority(asio::buffer(req.ca_bundle_pem), ec);
        }
      }
      if (ec) {
        out.error = std::string(req.ca_bundle_pem.empty() ? "loading the system trust store: "
                                                          : "the CA bundle is not usable (PEM certificates expected): ") +
                    Message(ec);
        return;
      }
    } else {
      tls->set_verify_mode(ssl::verify_none, ec);
    }
  }

  Call call(clock, start + timeout, timeout);
  tcp::resolver resolver(call.io());
  beast::tcp_stream tcp_stream(call.io());
  std::optional<beast::ssl_stream<beast::tcp_stream&>> tls_stream;
  call.OnAbort([&] {
    resolver.cancel();
    beast::error_code ignored;
    tcp_stream.socket().close(ignored);
  });

  beast::error_code ec;
  tcp::resolver::results_type endpoints;
  if (!call.Await(
          "resolving " + connect_host,
          [&](auto handler) {
            resolver.async_resolve(connect_host, std::to_string(connect_port),
                                   [&endpoints, handler](beast::error_code e, tcp::resolver::results_type r) mutable {
                                     endpoints = std::move(r);
                                     handler(e);
                                   });
          },
          ec)) {
    out.error = call.timeout_error();
    return;
  }
  if (ec) {
    out.error = "resolving " + connect_host + ": " + Message(ec);
    return;
  }
  if (!call.Await("connecting to " + where, [&](auto handler) { tcp_stream.async_connect(endpoints, handler); }, ec)) {
    out.error = call.timeout_error();
    return;
  }
  if (ec) {
    out.error = "connect " + where + ": " + Message(ec);
    return;
  }

  if (!tls) {
    Exchange(call, tcp_stream, request, head, out);
    return;
  }

  tls_stream.emplace(tcp_stream, *tls);
  SSL* handle = tls_stream->native_handle();
  const bool ip_host = IsIpAddress(u.host);
  if (!ip_host) SSL_set_tlsext_host_name(handle, u.host.c_str());
  if (req.verify_tls) {
    X509_VERIFY_PARAM* param = SSL_get0_param(handle);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int set = ip_host ? X509_VERIFY_PARAM_set1_ip_asc(param, u.host.c_str())
                            : X509_VERIFY_PARAM_set1_host(param, u.host.c_str(), u.host.size());
    if (set != 1) {
      out.error = "cannot verify TLS for host \"" + u.host + "\"";
      return;
    }
  }
  if (!call.Await("TLS handshake with " + where,
                  [&](auto handler) { tls_stream->async_handshake(ssl::stream_base::client, handler); }, ec)) {
    out.error = call.timeout_error();
    return;
  }
  if (ec) {
    const long verify = SSL_get_verify_result(handle);
    if (req.verify_tls && verify != X509_V_OK) {
      out.error = "TLS handshake with " + where + ": certificate verification failed for " + u.host + ": " +
                  X509_verify_cert_error_string(verify);
    } else {
      out.error = "TLS handshake with " + where + ": " + Message(ec);
    }
    return;
  }
  Exchange(call, *tls_stream, request, head, out);
}

}  // namespace

std::string Url::HostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  const bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  return default_port ? h : h + ":" + std::to_string(port);
}

StatusOr<Url> ParseUrl(std::string_view text) {
  const std::string what = "URL \"" + std::string(text) + "\"";
  Url url;
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos) return Error{what + ": no scheme; write http://host/path or https://host/path"};
  url.scheme = Lower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") {
    return Error{what + ": scheme \"" + url.scheme + "\" is not http or https"};
  }
  std::string_view rest = text.substr(sep + 3);
  if (const size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  const size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  if (authority.find('@') != std::string_view::npos) return Error{what + ": user information (user@host) is not supported"};
  auto split = SplitAuthority(authority, what);
  if (!split.ok()) return split.error();
  url.host = split.value().first;
  if (url.host.find_first_of(" \t\r\n/\\") != std::string::npos) return Error{what + ": the host contains a space or slash"};
  if (split.value().second.empty()) {
    url.port = url.scheme == "https" ? 443 : 80;
  } else {
    auto port = ParsePort(split.value().second, what);
    if (!port.ok()) return port.error();
    url.port = port.value();
  }
  url.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (url.target.front() == '?') url.target = "/" + url.target;
  if (url.target.find_first_of(" \t\r\n") != std::string::npos) {
    return Error{what + ": the path contains whitespace; percent-encode it (%20)"};
  }
  return url;
}

StatusOr<std::pair<std::string, int>> ParseHostPort(std::string_view address) {
  const std::string what = "address \"" + std::string(address) + "\"";
  auto split = SplitAuthority(address, what);
  if (!split.ok()) return split.error();
  if (split.value().second.empty()) return Error{what + ": no port; write host:port, e.g. 127.0.0.1:8443"};
  auto port = ParsePort(split.value().second, what);
  if (!port.ok()) return port.error();
  return std::make_pair(split.value().first, port.value());
}

ProbeResult BeastHttpProber::Get(const ProbeRequest& request) {
  ProbeResult out;
  const MonoTime start = clock_.Now();
  try {
    Probe(clock_, start, request, out);
  } catch (const std::exception& e) {
    out.status = 0;
    out.error = std::string("internal error: ") + e.what();
  } catch (...) {
    out.status = 0;
    out.error = "internal error";
  }
  out.latency = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - start);
  return out;
}

}  // namespace jd::release
