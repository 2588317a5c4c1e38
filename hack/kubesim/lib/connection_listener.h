// connection_listener.h — one listening TCP socket on a loopback address, a thread per accepted
// connection, and clean shutdown (every connection closed, every thread joined). Shared by
// kube-sim's API server transport and its app simulator, which only differ in what they do
// with a connection.
//
// Optionally it plays dead on demand (the "refuse connections" fault): while `refuse_until`
// returns a time, the listener is closed, every open connection is shut down, and the same
// address is listened on again once that time has passed.
//
// Usage:
//   auto ep = ParseListenAddress("--listen", "127.0.0.1:0");
//   ConnectionListener l("kube-sim");
//   auto port = l.Start(ep.value(), [](boost::asio::ip::tcp::socket s) { ... serve ... });
//   ...; l.Stop();
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include <boost/asio.hpp>

#include "api_error.h"

namespace kubesim {

// "host:port" or "[v6]:port" (port 0 picks a free one); errors name `flag`.
Result<boost::asio::ip::tcp::endpoint> ParseListenAddress(const std::string& flag, const std::string& listen);

class ConnectionListener {
 public:
  using Handler = std::function<void(boost::asio::ip::tcp::socket)>;
  using RefuseUntil = std::function<std::optional<std::chrono::steady_clock::time_point>()>;

  // `what` names the server in error messages ("kube-sim", "kube-sim app simulator").
  explicit ConnectionListener(std::string what) : what_(std::move(what)) {}
  ~ConnectionListener() { Stop(); }
  ConnectionListener(const ConnectionListener&) = delete;
  ConnectionListener& operator=(const ConnectionListener&) = delete;

  // Binds and starts accepting; returns the bound port. Call once.
  Result<int> Start(const boost::asio::ip::tcp::endpoint& ep, Handler handler, RefuseUntil refuse_until = nullptr);
  // Stops accepting, shuts every connection down and joins every thread. Idempotent.
  void Stop();
  bool stopping() const { return stopping_; }
  const boost::asio::ip::tcp::endpoint& endpoint() const { return bound_; }

 private:
  struct Conn {
    int fd = -1;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  Result<int> Listen(const boost::asio::ip::tcp::endpoint& ep);
  void AcceptLoop();
  void CloseAllConnections();
  void Reap(bool all);

  const std::string what_;
  boost::asio::io_context ioc_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;  // only the accept thread touches it after Start
  boost::asio::ip::tcp::endpoint bound_;
  Handler handler_;
  RefuseUntil refuse_until_;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  std::mutex conns_mu_;
  std::list<std::unique_ptr<Conn>> conns_;
};

}  // namespace kubesim
