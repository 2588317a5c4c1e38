// The only file of the operator that includes cpprestsdk (see http_transport.h).
#include "kube/http_transport.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>
#include <system_error>

#include <cpprest/http_client.h>
#include <openssl/ssl.h>

namespace jd::kube {

namespace http = web::http;
namespace http_client = web::http::client;

namespace {

bool Unreserved(unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; }

std::string Escape(const std::string& s, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (Unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool Contains(const std::string& haystack, const char* needle) {
  return Lower(haystack).find(needle) != std::string::npos;
}

// Maps what cpprest throws to a transport error kind. cpprest reports Asio/OpenSSL failures as
// http_exception carrying the original error code and a message naming the phase.
ApiError Classify(const std::exception& e, const std::string& what_for) {
  std::string msg = e.what();
  TransportErrorKind kind = TransportErrorKind::kOther;
  std::error_code code;
  if (const auto* he = dynamic_cast<const http::http_exception*>(&e)) code = he->error_code();
  if (dynamic_cast<const pplx::task_canceled*>(&e) != nullptr || Contains(msg, "cancel")) {
    kind = TransportErrorKind::kCancelled;
  } else if (Contains(msg, "ssl") || Contains(msg, "handshake") || Contains(msg, "certificate") ||
             Contains(msg, "tls")) {
    kind = TransportErrorKind::kTls;
  } else if (code == std::errc::timed_out || Contains(msg, "timed out") || Contains(msg, "timeout")) {
    kind = TransportErrorKind::kTimeout;
  } else if (code == std::errc::connection_refused || code == std::errc::host_unreachable ||
             code == std::errc::network_unreachable || Contains(msg, "connect") || Contains(msg, "resolv")) {
    kind = TransportErrorKind::kConnect;
  } else if (code == std::errc::connection_reset || Contains(msg, "reset") || Contains(msg, "end of file") ||
             Contains(msg, "closed")) {
    kind = TransportErrorKind::kProtocol;
  }
  return ApiError::Transport(kind, what_for + ": " + msg);
}

std::string ReadFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  *ok = static_cast<bool>(in) || in.eof();
  return ss.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

std::map<std::string, std::string> Headers(const http::http_headers& h) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : h) out[Lower(k)] = v;
  return out;
}

// Target of a request: escaped path plus query.
std::string Target(const HttpRequest& req) {
  std::string t = PathEscape(req.path);
  char sep = '?';
  for (const auto& [k, v] : req.query) {
    t += sep;
    t += QueryEscape(k) + "=" + QueryEscape(v);
    sep = '&';
  }
  return t;
}

// Loads the configured trust and client identity into an OpenSSL context. Throws
// boost::system::system_error on unparsable PEM (Create checks this once up front).
void ConfigureSsl(boost::asio::ssl::context& ctx, const HttpTransportOptions& o) {
  if (!o.ca_pem.empty()) {
    // Trust exactly the given CA, as client-go does, not the system store as well.
    SSL_CTX_set_cert_store(ctx.native_handle(), X509_STORE_new());
    ctx.add_certificate_authority(boost::asio::buffer(o.ca_pem));
  }
  if (!o.client_cert_pem.empty()) {
    ctx.use_certificate_chain(boost::asio::buffer(o.client_cert_pem));
    ctx.use_private_key(boost::asio::buffer(o.client_key_pem), boost::asio::ssl::context::pem);
  }
}

// The state a streamed body's reader shares with its LineStream; owned jointly by the handle
// and the pending cpprest continuation, so either may go first.
struct StreamState {
  std::mutex mu;
  std::condition_variable cv;
  std::string partial;            // bytes after the last newline
  std::deque<std::string> lines;  // complete lines not yet taken
  bool ended = false;             // no more bytes will arrive
  bool cancelled = false;
  std::optional<ApiError> error;  // reported once, then kEnd
  pplx::cancellation_token_source cts;
  std::shared_ptr<http_client::http_client> client;  // keeps the connection's owner alive
  concurrency::streams::streambuf<uint8_t> body;
  std::array<uint8_t, 16384> chunk{};
};

void ReadMore(const std::shared_ptr<StreamState>& s) {
  // producer_consumer_buffer::getn(n) waits until n bytes (or the end) arrived, so ask only for
  // what is there, and for one byte when nothing is: a watch event must not wait for the next.
  size_t want = std::clamp<size_t>(s->body.in_avail(), 1, s->chunk.size());
  s->body.getn(s->chunk.data(), want).then([s](pplx::task<size_t> t) {
    size_t n = 0;
    try {
      n = t.get();
    } catch (const std::exception& e) {
      std::lock_guard lock(s->mu);
      if (!s->cancelled) s->error = Classify(e, "reading the watch stream");
      s->ended = true;
      s->cv.notify_all();
      return;
    }
    {
      std::lock_guard lock(s->mu);
      if (n == 0) {
        if (!s->partial.empty()) s->lines.push_back(std::move(s->partial));
        s->partial.clear();
        s->ended = true;
        s->cv.notify_all();
        return;
      }
      s->partial.append(reinterpret_cast<const char*>(s->chunk.data()), n);
      size_t start = 0;
      for (size_t nl = s->partial.find('\n'); nl != std::string::npos; nl = s->partial.find('\n', start)) {
        std::string line = s->partial.substr(start, nl - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) s->lines.push_back(std::move(line));
        start = nl + 1;
      }
      s->partial.erase(0, start);
      s->cv.notify_all();
      if (s->cancelled) return;
    }
    ReadMore(s);
  });
}

class HttpLineStream final : public LineStream {
 public:
  explicit HttpLineStream(std::shared_ptr<StreamState> s) : s_(std::move(s)) {}
  ~HttpLineStream() override { Cancel(); }

  ApiResult<StreamRead> Next(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(s_->mu);
    s_->cv.wait_for(lock, timeout, [&] { return !s_->lines.empty() || s_->ended || s_->cancelled; });
    if (!s_->lines.empty() && !s_->cancelled) {
      StreamRead r{StreamRead::Kind::kLine, std::move(s_->lines.front())};
      s_->lines.pop_front();
      return r;
    }
    if (s_->error) {
      ApiError e = std::move(*s_->error);
      s_->error.reset();
      return e;
    }
    if (s_->ended || s_->cancelled) return StreamRead{StreamRead::Kind::kEnd, {}};
    return StreamRead{StreamRead::Kind::kTimeout, {}};
  }

  void Cancel() override {
    {
      std::lock_guard lock(s_->mu);
      if (s_->cancelled) return;
      s_->cancelled = true;
      s_->cv.notify_all();
    }
    s_->cts.cancel();  // aborts the connection; the pending read fails and the chain ends
  }

 private:
  std::shared_ptr<StreamState> s_;
};

}  // namespace

HttpTransportOptions TransportOptionsFrom(const RestConfig& config) {
  HttpTransportOptions o;
  o.server = config.server;
  o.ca_pem = config.ca_pem;
  o.client_cert_pem = config.client_cert_pem;
  o.client_key_pem = config.client_key_pem;
  o.bearer_token = config.bearer_token;
  o.token_file = config.token_file;
  o.insecure_skip_tls_verify = config.insecure_skip_tls_verify;
  if (!config.user_agent.empty()) o.user_agent = config.user_agent;
  if (config.timeout.count() > 0) o.timeout = config.timeout;
  return o;
}

std::string QueryEscape(const std::string& s) { return Escape(s, false); }
std::string PathEscape(const std::string& s) { return Escape(s, true); }

struct HttpTransport::Impl {
  HttpTransportOptions opts;
  std::shared_ptr<http_client::http_client> client;  // for Do with the default timeout

  std::mutex token_mu;
  std::string file_token;
  struct timespec token_mtime {};
  off_t token_size = -1;

  http_client::http_client_config Config(std::chrono::milliseconds timeout) const {
    http_client::http_client_config c;
    c.set_timeout(timeout);
    c.set_proxy(web::web_proxy(web::web_proxy::disabled));
    c.set_validate_certificates(!opts.insecure_skip_tls_verify);
    HttpTransportOptions o = opts;
    c.set_ssl_context_callback([o](boost::asio::ssl::context& ctx) { ConfigureSsl(ctx, o); });
    return c;
  }

  std::shared_ptr<http_client::http_client> ClientFor(std::chrono::milliseconds timeout) const {
    return std::make_shared<http_client::http_client>(web::uri(opts.server), Config(timeout));
  }

  // The token to send: the token file's content, re-read when the file changed (rotation), else
  // the static token.
  std::string Token() {
    if (opts.token_file.empty()) return opts.bearer_token;
    std::lock_guard lock(token_mu);
    struct stat st {};
    if (::stat(opts.token_file.c_str(), &st) == 0 &&
        (st.st_mtim.tv_sec != token_mtime.tv_sec || st.st_mtim.tv_nsec != token_mtime.tv_nsec ||
         st.st_size != token_size)) {
      bool ok = false;
      std::string t = Trim(ReadFile(opts.token_file, &ok));
      if (ok) {
        file_token = std::move(t);
        token_mtime = st.st_mtim;
        token_size = st.st_size;
      }
    }
    return file_token.empty() ? opts.bearer_token : file_token;
  }

  http::http_request Message(const HttpRequest& req) {
    http::http_request msg(req.method);
    msg.set_request_uri(web::uri(Target(req)));
    msg.headers().add("Accept", "application/json");
    if (!opts.user_agent.empty()) msg.headers().add("User-Agent", opts.user_agent);
    std::string token = Token();
    if (!token.empty()) msg.headers().add("Authorization", "Bearer " + token);
    for (const auto& [k, v] : req.headers) {
      msg.headers().remove(k);
      msg.headers().add(k, v);
    }
    if (!req.body.empty() || !req.content_type.empty()) {
      msg.set_body(req.body, req.content_type.empty() ? std::string("application/json") : req.content_type);
    }
    return msg;
  }
};

HttpTransport::HttpTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpTransport::~HttpTransport() = default;

ApiResult<std::unique_ptr<HttpTransport>> HttpTransport::Create(const HttpTransportOptions& opts) {
  auto bad = [](std::string m) { return ApiError::Transport(TransportErrorKind::kOther, std::move(m)); };
  if (!web::uri::validate(opts.server)) return bad("server: \"" + opts.server + "\" is not a valid URL");
  web::uri u(opts.server);
  if (u.scheme() != "https" && u.scheme() != "http") {
    return bad("server: \"" + opts.server + "\" must start with https://");
  }
  if (opts.client_cert_pem.empty() != opts.client_key_pem.empty()) {
    return bad("client certificate and key: give both or neither");
  }
  try {
    boost::asio::ssl::context probe(boost::asio::ssl::context::tls_client);
    ConfigureSsl(probe, opts);
  } catch (const std::exception& e) {
    return bad(std::string("TLS configuration (CA, client certificate or key PEM) does not load: ") + e.what());
  }
  auto impl = std::make_unique<Impl>();
  impl->opts = opts;
  if (impl->opts.timeout.count() <= 0) impl->opts.timeout = std::chrono::seconds(30);
  impl->client = impl->ClientFor(impl->opts.timeout);
  return std::unique_ptr<HttpTransport>(new HttpTransport(std::move(impl)));
}

ApiResult<HttpResponse> HttpTransport::Do(const HttpRequest& req) {
  const std::string what = req.method + " " + req.path;
  try {
    auto client = req.timeout.count() > 0 && req.timeout != impl_->opts.timeout ? impl_->ClientFor(req.timeout)
                                                                                 : impl_->client;
    http::http_response resp = client->request(impl_->Message(req)).get();
    HttpResponse out;
    out.status = resp.status_code();
    out.headers = Headers(resp.headers());
    out.body = resp.extract_utf8string(/*ignore_content_type=*/true).get();
    return out;
  } catch (const std::exception& e) {
    return Classify(e, what);
  }
}

ApiResult<std::unique_ptr<LineStream>> HttpTransport::Stream(const HttpRequest& req) {
  const std::string what = req.method + " " + req.path;
  auto s = std::make_shared<StreamState>();
  try {
    s->client = impl_->ClientFor(req.timeout.count() > 0 ? req.timeout : impl_->opts.timeout);
    http::http_response resp = s->client->request(impl_->Message(req), s->cts.get_token()).get();
    if (resp.status_code() < 200 || resp.status_code() >= 300) {
      std::string body = resp.extract_utf8string(true).get();
      return ErrorFromResponse(resp.status_code(), body, Headers(resp.headers()));
    }
    s->body = resp.body().streambuf();
  } catch (const std::exception& e) {
    return Classify(e, what);
  }
  ReadMore(s);
  return std::unique_ptr<LineStream>(std::make_unique<HttpLineStream>(s));
}

}  // namespace jd::kube
