#include "reconcilers/environment/tls_prober.h"

#include <cerrno>
#include <cstring>
#include <memory>

#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace jd::env {
namespace {

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      if (fd >= 0) ::close(fd);
      fd = o.fd;
      o.fd = -1;
    }
    return *this;
  }
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

struct AddrInfoDeleter {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};
struct SslCtxDeleter {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslDeleter {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};

std::string OpenSslError() {
  const unsigned long err = ERR_get_error();
  ERR_clear_error();
  if (err == 0) return "unknown TLS error";
  char buf[256];
  ERR_error_string_n(err, buf, sizeof buf);
  return buf;
}

// Blocks SIGPIPE on this thread while alive (OpenSSL writes to the socket with write(2), which
// raises SIGPIPE when the peer has gone), and swallows a SIGPIPE raised meanwhile: the libpq
// pattern, so the probe never kills a process that did not ignore SIGPIPE.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    blocked_ = pthread_sigmask(SIG_BLOCK, &block, &old_) == 0;
  }
  ~ScopedSigpipeBlock() {
    if (!blocked_) return;
    if (!was_pending_) {
      sigset_t pending;
      sigemptyset(&pending);
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        const timespec zero{0, 0};
        sigtimedwait(&pipe, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  sigset_t old_{};
  bool was_pending_ = false;
  bool blocked_ = false;
};

// Milliseconds left before `deadline` (0 when passed), for poll().
int RemainingMs(const jd::Clock& clock, jd::MonoTime deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock.Now()).count();
  if (left <= 0) return 0;
  return left > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(left);
}

// Waits for `events` on fd; false on timeout or poll error.
bool WaitFor(int fd, short events, const jd::Clock& clock, jd::MonoTime deadline) {
  while (true) {
    const int ms = RemainingMs(clock, deadline);
    if (ms == 0) return false;
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, ms);
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

// Non-blocking connect to one address within the deadline.
jd::StatusOr<int> ConnectOne(const addrinfo* ai, const jd::Clock& clock, jd::MonoTime deadline) {
  Fd s(::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
  if (s.fd < 0) return jd::Error{std::string("socket: ") + std::strerror(errno)};
  if (::connect(s.fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    if (errno != EINPROGRESS) return jd::Error{std::string("connect: ") + std::strerror(errno)};
    if (!WaitFor(s.fd, POLLOUT, clock, deadline)) return jd::Error{"connect: timed out"};
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) return jd::Error{std::string("connect: ") + std::strerror(err)};
  }
  const int fd = s.fd;
  s.fd = -1;
  return fd;
}

}  // namespace

jd::StatusOr<std::string> OpenSslTlsProber::PeerCertificateSha256(const std::string& host, int port,
                                                                  const std::string& sni,
                                                                  std::chrono::milliseconds timeout) {
  const std::string where = host + ":" + std::to_string(port);
  const jd::MonoTime deadline = clock_.Now() + timeout;

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  const int gai = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &raw);
  if (gai != 0) return jd::Error{"tls probe " + where + ": resolve: " + gai_strerror(gai)};
  std::unique_ptr<addrinfo, AddrInfoDeleter> addrs(raw);

  Fd sock;
  std::string last_error = "no address";
  for (const addrinfo* ai = addrs.get(); ai != nullptr; ai = ai->ai_next) {
    auto fd = ConnectOne(ai, clock_, deadline);
    if (fd.ok()) {
      sock = Fd(fd.value());
      break;
    }
    last_error = fd.error().message;
  }
  if (sock.fd < 0) return jd::Error{"tls probe " + where + ": " + last_error};

  const ScopedSigpipeBlock no_sigpipe;
  std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return jd::Error{"tls probe " + where + ": " + OpenSslError()};
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  std::unique_ptr<SSL, SslDeleter> ssl(SSL_new(ctx.get()));
  if (!ssl || SSL_set_fd(ssl.get(), sock.fd) != 1) return jd::Error{"tls probe " + where + ": " + OpenSslError()};
  if (!sni.empty() && SSL_set_tlsext_host_name(ssl.get(), sni.c_str()) != 1) {
    return jd::Error{"tls probe " + where + ": invalid SNI name \"" + sni + "\""};
  }

  ERR_clear_error();
  while (true) {
    const int r = SSL_connect(ssl.get());
    if (r == 1) break;
    const int err = SSL_get_error(ssl.get(), r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (!WaitFor(sock.fd, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, clock_, deadline)) {
        return jd::Error{"tls probe " + where + ": handshake timed out"};
      }
      continue;
    }
    if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
      return jd::Error{"tls probe " + where + ": handshake: connection closed by peer"};
    }
    return jd::Error{"tls probe " + where + ": handshake: " + OpenSslError()};
  }

  std::unique_ptr<X509, X509Deleter> peer(SSL_get1_peer_certificate(ssl.get()));
  if (!peer) return jd::Error{"tls probe " + where + ": the server sent no certificate"};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(peer.get(), EVP_sha256(), md, &length) != 1) {
    return jd::Error{"tls probe " + where + ": " + OpenSslError()};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[md[i] >> 4]);
    hex.push_back(kHex[md[i] & 0xf]);
  }
  return hex;
}

}  // namespace jd::env
