#include "runtime/http_endpoint.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace jd {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

StatusOr<HostPort> ParseBindAddress(const std::string& address) {
  const std::string fix = "; use \":8080\", \"127.0.0.1:8080\" or \"[::1]:8080\"";
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return Error{"bind address \"" + address + "\" has no port" + fix};
  std::string host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) > 65535) {
    return Error{"bind address \"" + address + "\": port \"" + port + "\" is not a number from 0 to 65535" + fix};
  }
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  if (ec) return Error{"bind address \"" + address + "\": \"" + host + "\" is not an IP address" + fix};
  return HostPort{host, static_cast<uint16_t>(std::stoi(port))};
}

struct HttpEndpoint::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::map<std::string, Handler> routes;
  std::thread thread;
  std::atomic<bool> stopped{false};

  void Accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      } else {
        Serve(std::move(socket));
      }
      Accept();
    });
  }

  struct Session : std::enable_shared_from_this<Session> {
    Session(tcp::socket s, Impl& impl) : stream(std::move(s)), impl(impl) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
    Impl& impl;

    void Start() {
      stream.expires_after(std::chrono::seconds(5));
      http::async_read(stream, buffer, req, [self = shared_from_this()](beast::error_code ec, size_t) {
        if (ec) return;
        self->Respond();
      });
    }

    void Respond() {
      std::string target(req.target());
      if (auto q = target.find('?'); q != std::string::npos) target.resize(q);
      Response r;
      auto it = impl.routes.find(target);
      if (it == impl.routes.end()) {
        r = {404, "text/plain; charset=utf-8", "404 page not found\n"};
      } else if (req.method() != http::verb::get && req.method() != http::verb::head) {
        r = {405, "text/plain; charset=utf-8", "method not allowed\n"};
      } else {
        try {
          r = it->second();
        } catch (const std::exception& e) {
          r = {500, "text/plain; charset=utf-8", std::string("handler failed: ") + e.what() + "\n"};
        }
      }
      res.version(11);
      res.result(static_cast<http::status>(r.status));
      res.set(http::field::content_type, r.content_type);
      res.set(http::field::connection, "close");
      if (req.method() != http::verb::head) res.body() = std::move(r.body);
      res.prepare_payload();
      http::async_write(stream, res, [self = shared_from_this()](beast::error_code, size_t) {
        beast::error_code ignored;
        self->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      });
    }
  };

  void Serve(tcp::socket socket) { std::make_shared<Session>(std::move(socket), *this)->Start(); }
};

StatusOr<std::unique_ptr<HttpEndpoint>> HttpEndpoint::Listen(const std::string& bind_address,
                                                            std::map<std::string, Handler> routes) {
  auto hp = ParseBindAddress(bind_address);
  if (!hp.ok()) return hp.error();
  auto impl = std::make_unique<Impl>();
  impl->routes = std::move(routes);
  boost::system::error_code ec;
  tcp::endpoint ep(asio::ip::make_address(hp.value().host), hp.value().port);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error{"cannot listen on " + bind_address + ": " + ec.message()};
  impl->Accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<HttpEndpoint>(new HttpEndpoint(std::move(impl)));
}

HttpEndpoint::HttpEndpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpEndpoint::~HttpEndpoint() { Stop(); }

uint16_t HttpEndpoint::port() const {
  boost::system::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void HttpEndpoint::Stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  // The thread is gone: close the listener here so new connections are refused at once.
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
}

}  // namespace jd
