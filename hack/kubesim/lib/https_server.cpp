#include "https_server.h"

#include <poll.h>
#include <sys/socket.h>

#include <mutex>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "connection_listener.h"
#include "text_util.h"

namespace kubesim {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr size_t kBodyLimit = 64 * 1024 * 1024;

void SplitTarget(std::string_view target, HttpRequest& req) {
  auto q = target.find('?');
  req.path = UrlDecode(target.substr(0, q));
  if (q == std::string_view::npos) return;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto eq = pair.find('=');
    std::string key = UrlDecode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1));
    if (!key.empty()) req.query.emplace(std::move(key), std::move(value));
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
}

// True when the peer closed or sent something on a connection that should be quiet (a watch).
bool PeerGone(int fd) {
  pollfd p{fd, POLLIN | POLLRDHUP, 0};
  int n = ::poll(&p, 1, 0);
  return n > 0 && (p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

}  // namespace

struct HttpsServer::Impl {
  ApiServer& api;
  HttpsServerOptions opts;
  std::unique_ptr<ssl::context> tls;
  ConnectionListener listener{"kube-sim"};

  Impl(ApiServer& a, HttpsServerOptions o) : api(a), opts(std::move(o)) {}

  void Serve(tcp::socket sock) {
    try {
      if (opts.plain_http) {
        beast::tcp_stream stream(std::move(sock));
        ServeStream(stream, stream.socket().native_handle());
        beast::error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
      } else {
        beast::ssl_stream<beast::tcp_stream> stream(std::move(sock), *tls);
        stream.next_layer().expires_after(std::chrono::seconds(10));
        stream.handshake(ssl::stream_base::server);
        stream.next_layer().expires_never();
        ServeStream(stream, stream.next_layer().socket().native_handle());
        beast::error_code ec;
        stream.shutdown(ec);
      }
    } catch (const std::exception&) {
      // A client that went away or failed the handshake: nothing to do but drop it.
    }
  }

  template <class Stream>
  void ServeStream(Stream& stream, int fd) {
    beast::flat_buffer buffer;
    while (!listener.stopping()) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(kBodyLimit);
      parser.header_limit(64 * 1024);
      beast::error_code ec;
      http::read(stream, buffer, parser, ec);
      if (ec) return;
      auto& msg = parser.get();
      HttpRequest req;
      req.method = std::string(msg.method_string());
      SplitTarget(std::string_view(msg.target().data(), msg.target().size()), req);
      for (const auto& f : msg) req.headers[ToLower(std::string_view(f.name_string().data(), f.name_string().size()))] = std::string(f.value());
      req.body = std::move(msg.body());
      bool keep_alive = msg.keep_alive();

      ApiResponse res = api.Handle(req);
      if (!res.stream) {
        http::response<http::string_body> out{static_cast<http::status>(res.response.status), msg.version()};
        out.set(http::field::content_type, res.response.content_type);
        out.set(http::field::cache_control, "no-cache, private");
        for (const auto& [k, v] : res.response.headers) out.insert(k, v);
        out.body() = std::move(res.response.body);
        out.keep_alive(keep_alive);
        out.prepare_payload();
        http::write(stream, out, ec);
        if (ec || !keep_alive) return;
        continue;
      }
      // A watch: chunked, one JSON event per chunk, until the stream ends or the peer leaves.
      http::response<http::empty_body> head{static_cast<http::status>(res.response.status), msg.version()};
      head.set(http::field::content_type, res.response.content_type);
      head.set(http::field::cache_control, "no-cache, private");
      head.set(http::field::transfer_encoding, "chunked");
      head.keep_alive(keep_alive);
      http::response_serializer<http::empty_body> sr{head};
      http::write_header(stream, sr, ec);
      if (ec) {
        res.stream->Cancel();
        return;
      }
      while (!listener.stopping()) {
        auto chunk = res.stream->Next(std::chrono::milliseconds(250));
        if (chunk) {
          net::write(stream, http::make_chunk(net::buffer(*chunk)), ec);
          if (ec) break;
        } else if (res.stream->Done()) {
          break;
        } else if (PeerGone(fd)) {
          ec = net::error::eof;
          break;
        }
      }
      res.stream->Cancel();
      if (ec || listener.stopping()) return;
      net::write(stream, http::make_chunk_last(), ec);
      if (ec || !keep_alive) return;
    }
  }
};

HttpsServer::HttpsServer(ApiServer& api, HttpsServerOptions opts) : impl_(std::make_unique<Impl>(api, std::move(opts))) {}

HttpsServer::~HttpsServer() { Stop(); }

Result<int> HttpsServer::Start() {
  auto ep = ParseListenAddress("--listen", impl_->opts.listen);
  if (!ep.ok()) return ep.error();
  if (!impl_->opts.plain_http) {
    beast::error_code ec;
    impl_->tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    impl_->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                            ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    impl_->tls->use_certificate_chain(net::buffer(impl_->opts.cert_pem), ec);
    if (ec) return ApiError::Internal("kube-sim: bad serving certificate: " + ec.message());
    impl_->tls->use_private_key(net::buffer(impl_->opts.key_pem), ssl::context::pem, ec);
    if (ec) return ApiError::Internal("kube-sim: bad serving key: " + ec.message());
  }
  auto port = impl_->listener.Start(
      ep.value(), [this](tcp::socket s) { impl_->Serve(std::move(s)); }, [this] { return impl_->api.faults().RefuseUntil(); });
  if (!port.ok()) return port.error();
  port_ = port.value();
  return port;
}

void HttpsServer::Stop() {
  if (impl_) impl_->listener.Stop();
}

std::string HttpsServer::host() const { return impl_->listener.endpoint().address().to_string(); }

}  // namespace kubesim
