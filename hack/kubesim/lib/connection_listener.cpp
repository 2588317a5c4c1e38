#include "connection_listener.h"

#include <poll.h>
#include <sys/socket.h>

namespace kubesim {

namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

Result<tcp::endpoint> ParseListenAddress(const std::string& flag, const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    return ApiError::BadRequest(flag + " must be host:port (for example 127.0.0.1:0), got \"" + listen + "\"");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1) port = -1;
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535)
    return ApiError::BadRequest(flag + " port must be a number from 0 to 65535, got \"" + listen.substr(colon + 1) + "\"");
  boost::system::error_code ec;
  auto addr = net::ip::make_address(host, ec);
  if (ec) return ApiError::BadRequest(flag + " host must be an IP address such as 127.0.0.1 or [::1], got \"" + host + "\"");
  return tcp::endpoint(addr, static_cast<unsigned short>(port));
}

Result<int> ConnectionListener::Listen(const tcp::endpoint& ep) {
  boost::system::error_code ec;
  auto acc = std::make_unique<tcp::acceptor>(ioc_);
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(net::socket_base::max_listen_connections, ec);
  if (!ec) acc->non_blocking(true, ec);
  if (ec)
    return ApiError::Internal(what_ + " cannot listen on " + ep.address().to_string() + ":" + std::to_string(ep.port()) +
                              ": " + ec.message());
  bound_ = acc->local_endpoint();
  acceptor_ = std::move(acc);
  return static_cast<int>(bound_.port());
}

Result<int> ConnectionListener::Start(const tcp::endpoint& ep, Handler handler, RefuseUntil refuse_until) {
  auto port = Listen(ep);
  if (!port.ok()) return port;
  handler_ = std::move(handler);
  refuse_until_ = std::move(refuse_until);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
  return port;
}

void ConnectionListener::Stop() {
  if (stopping_.exchange(true)) return;
  if (accept_thread_.joinable()) accept_thread_.join();
  boost::system::error_code ec;
  if (acceptor_) acceptor_->close(ec);
  CloseAllConnections();
  Reap(true);
}

void ConnectionListener::CloseAllConnections() {
  std::lock_guard lock(conns_mu_);
  for (auto& c : conns_)
    if (!c->done) ::shutdown(c->fd, SHUT_RDWR);
}

void ConnectionListener::Reap(bool all) {
  std::list<std::unique_ptr<Conn>> finished;
  {
    std::lock_guard lock(conns_mu_);
    for (auto it = conns_.begin(); it != conns_.end();) {
      if (all || (*it)->done) {
        finished.push_back(std::move(*it));
        it = conns_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : finished)
    if (c->thread.joinable()) c->thread.join();
}

void ConnectionListener::AcceptLoop() {
  while (!stopping_) {
    if (refuse_until_) {
      if (auto until = refuse_until_()) {
        // A "restart": no listener, no connections, until the fault's time is over.
        boost::system::error_code ec;
        if (acceptor_) acceptor_->close(ec);
        acceptor_.reset();
        CloseAllConnections();
        while (!stopping_ && std::chrono::steady_clock::now() < *until)
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (stopping_) break;
        const tcp::endpoint same = bound_;
        for (int attempt = 0; attempt < 100 && !acceptor_; ++attempt)
          if (!Listen(same).ok()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
    }
    if (!acceptor_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    pollfd p{acceptor_->native_handle(), POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) {
      Reap(false);
      continue;
    }
    boost::system::error_code ec;
    tcp::socket sock(ioc_);
    acceptor_->accept(sock, ec);
    if (ec) continue;
    sock.non_blocking(false, ec);
    sock.set_option(tcp::no_delay(true), ec);
    auto conn = std::make_unique<Conn>();
    conn->fd = sock.native_handle();
    Conn* raw = conn.get();
    {
      std::lock_guard lock(conns_mu_);
      conns_.push_back(std::move(conn));
    }
    raw->thread = std::thread([this, raw, s = std::move(sock)]() mutable {
      handler_(std::move(s));
      raw->done = true;
    });
  }
}

}  // namespace kubesim
