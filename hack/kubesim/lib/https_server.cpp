#include "https_server.h"

#include <poll.h>
#include <sys/socket.h>

#include <list>
#include <mutex>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

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
  net::io_context ioc;
  std::unique_ptr<ssl::context> tls;
  std::unique_ptr<tcp::acceptor> acceptor;
  tcp::endpoint bound;
  std::atomic<bool> stopping{false};
  std::thread accept_thread;

  struct Conn {
    int fd = -1;
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::mutex conns_mu;
  std::list<std::unique_ptr<Conn>> conns;

  Impl(ApiServer& a, HttpsServerOptions o) : api(a), opts(std::move(o)) {}

  Result<int> Listen(const tcp::endpoint& ep) {
    beast::error_code ec;
    auto acc = std::make_unique<tcp::acceptor>(ioc);
    acc->open(ep.protocol(), ec);
    if (!ec) acc->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acc->bind(ep, ec);
    if (!ec) acc->listen(net::socket_base::max_listen_connections, ec);
    if (!ec) acc->non_blocking(true, ec);
    if (ec) return ApiError::Internal("kube-sim cannot listen on " + ep.address().to_string() + ":" + std::to_string(ep.port()) + ": " + ec.message());
    bound = acc->local_endpoint();
    acceptor = std::move(acc);
    return static_cast<int>(bound.port());
  }

  void CloseAllConnections() {
    std::lock_guard lock(conns_mu);
    for (auto& c : conns)
      if (!c->done) ::shutdown(c->fd, SHUT_RDWR);
  }

  void ReapConnections(bool all) {
    std::list<std::unique_ptr<Conn>> finished;
    {
      std::lock_guard lock(conns_mu);
      for (auto it = conns.begin(); it != conns.end();) {
        if (all || (*it)->done) {
          finished.push_back(std::move(*it));
          it = conns.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& c : finished)
      if (c->thread.joinable()) c->thread.join();
  }

  void AcceptLoop() {
    while (!stopping) {
      if (auto until = api.faults().RefuseUntil()) {
        // A "restart": no listener, no connections, until the fault's time is over.
        beast::error_code ec;
        if (acceptor) acceptor->close(ec);
        acceptor.reset();
        CloseAllConnections();
        while (!stopping && std::chrono::steady_clock::now() < *until)
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (stopping) break;
        for (int attempt = 0; attempt < 100 && !acceptor; ++attempt) {
          if (!Listen(bound).ok()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        continue;
      }
      if (!acceptor) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      pollfd p{acceptor->native_handle(), POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) {
        ReapConnections(false);
        continue;
      }
      beast::error_code ec;
      tcp::socket sock(ioc);
      acceptor->accept(sock, ec);
      if (ec) continue;
      sock.non_blocking(false, ec);
      sock.set_option(tcp::no_delay(true), ec);
      auto conn = std::make_unique<Conn>();
      conn->fd = sock.native_handle();
      Conn* raw = conn.get();
      {
        std::lock_guard lock(conns_mu);
        conns.push_back(std::move(conn));
      }
      raw->thread = std::thread([this, raw, s = std::move(sock)]() mutable {
        Serve(std::move(s));
        raw->done = true;
      });
    }
  }

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
    while (!stopping) {
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
      while (!stopping) {
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
      if (ec || stopping) return;
      net::write(stream, http::make_chunk_last(), ec);
      if (ec || !keep_alive) return;
    }
  }
};

HttpsServer::HttpsServer(ApiServer& api, HttpsServerOptions opts) : impl_(std::make_unique<Impl>(api, std::move(opts))) {}

HttpsServer::~HttpsServer() { Stop(); }

Result<int> HttpsServer::Start() {
  const std::string& listen = impl_->opts.listen;
  auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    return ApiError::BadRequest("--listen must be host:port (for example 127.0.0.1:0), got \"" + listen + "\"");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    return ApiError::BadRequest("--listen port must be a number from 0 to 65535, got \"" + listen.substr(colon + 1) + "\"");
  }
  if (port < 0 || port > 65535)
    return ApiError::BadRequest("--listen port must be a number from 0 to 65535, got " + std::to_string(port));
  beast::error_code ec;
  auto addr = net::ip::make_address(host, ec);
  if (ec) return ApiError::BadRequest("--listen host must be an IP address such as 127.0.0.1 or [::1], got \"" + host + "\"");
  if (!impl_->opts.plain_http) {
    impl_->tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    impl_->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                            ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    impl_->tls->use_certificate_chain(net::buffer(impl_->opts.cert_pem), ec);
    if (ec) return ApiError::Internal("kube-sim: bad serving certificate: " + ec.message());
    impl_->tls->use_private_key(net::buffer(impl_->opts.key_pem), ssl::context::pem, ec);
    if (ec) return ApiError::Internal("kube-sim: bad serving key: " + ec.message());
  }
  auto bound = impl_->Listen(tcp::endpoint(addr, static_cast<unsigned short>(port)));
  if (!bound.ok()) return bound.error();
  port_ = bound.value();
  impl_->accept_thread = std::thread([this] { impl_->AcceptLoop(); });
  return bound.value();
}

void HttpsServer::Stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  beast::error_code ec;
  if (impl_->acceptor) impl_->acceptor->close(ec);
  impl_->CloseAllConnections();
  impl_->ReapConnections(true);
}

std::string HttpsServer::host() const { return impl_->bound.address().to_string(); }

}  // namespace kubesim
