// Tests for reconcilers/release/http_prober (BeastHttpProber, ParseUrl, FakeHttpProber) and
// webhook_sender (HttpWebhookSender). The real prober runs against small Boost.Asio servers on
// 127.0.0.1 in a thread (plain HTTP and HTTPS); certificates and keys are made here, at run time,
// with OpenSSL (no private keys committed).
#include "reconcilers/release/http_prober.h"

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/fake_clock.h"
#include "common/system_clock.h"
#include "reconcilers/release/fake_http_prober.h"
#include "reconcilers/release/webhook.h"
#include "reconcilers/release/webhook_sender.h"

namespace jd::release {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// ---- certificates ------------------------------------------------------------------------------------

struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertDeleter {
  void operator()(X509* x) const { X509_free(x); }
};

struct Issued {
  std::unique_ptr<EVP_PKEY, KeyDeleter> key;
  std::unique_ptr<X509, CertDeleter> cert;
};

void AddExt(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
  ASSERT_NE(ext, nullptr) << value;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A CA (issuer == nullptr) or a server certificate for `host` signed by `issuer`; valid from a day
// ago for 30 days (real time: the prober verifies with OpenSSL at the real current time).
Issued Issue(const std::string& cn, const Issued* issuer) {
  static std::atomic<long> serial{1};
  Issued out{std::unique_ptr<EVP_PKEY, KeyDeleter>(EVP_EC_gen("P-256")), std::unique_ptr<X509, CertDeleter>(X509_new())};
  X509* cert = out.cert.get();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), -86400);
  X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 86400);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer->cert.get()) : name);
  X509_set_pubkey(cert, out.key.get());
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer->cert.get() : cert, cert, nullptr, nullptr, 0);
  if (issuer == nullptr) {
    AddExt(cert, &ctx, NID_basic_constraints, "critical,CA:TRUE");
    AddExt(cert, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExt(cert, &ctx, NID_basic_constraints, "critical,CA:FALSE");
    AddExt(cert, &ctx, NID_key_usage, "critical,digitalSignature");
    AddExt(cert, &ctx, NID_ext_key_usage, "serverAuth");
    AddExt(cert, &ctx, NID_subject_alt_name, ("DNS:" + cn).c_str());
  }
  AddExt(cert, &ctx, NID_subject_key_identifier, "hash");
  EXPECT_GT(X509_sign(cert, issuer ? issuer->key.get() : out.key.get(), EVP_sha256()), 0);
  return out;
}

std::string Pem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, n);
  BIO_free(bio);
  return out;
}

// Made once for the whole binary (key generation is the slow part).
struct Pki {
  Issued ca = Issue("Test CA", nullptr);
  Issued other_ca = Issue("Other CA", nullptr);
  Issued leaf = Issue("app.school.example", &ca);
};
const Pki& TestPki() {
  static const Pki* pki = new Pki();  // test-only, leaked on purpose
  return *pki;
}

// ---- in-test server ----------------------------------------------------------------------------------

// What a server saw of one request.
struct Seen {
  std::string method;
  std::string target;
  std::string host;  // Host header
  std::string sni;   // TLS server name ("" for plain HTTP or none)
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

struct Reply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  milliseconds delay{0};
  bool silent = false;  // read the request, never answer
};

// HTTP/1.1 server on 127.0.0.1 (TLS when given a context) on its own thread; answers every request
// with handler(seen) and records what it saw.
class TestServer {
 public:
  using Handler = std::function<Reply(const Seen&)>;

  explicit TestServer(Handler handler, ssl::context* tls = nullptr) : handler_(std::move(handler)), tls_(tls) {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    Accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TestServer() {
    io_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::vector<Seen> seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  template <class Stream>
  struct Session : std::enable_shared_from_this<Session<Stream>> {
    template <class... Args>
    explicit Session(TestServer& s, Args&&... args) : server(s), stream(std::forward<Args>(args)...), timer(s.io_) {}

    void Start() {
      if constexpr (std::is_same_v<Stream, tcp::socket>) {
        Read();
      } else {
        stream.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
          if (ec) return;
          const char* sni = SSL_get_servername(self->stream.native_handle(), TLSEXT_NAMETYPE_host_name);
          self->seen.sni = sni ? sni : "";
          self->Read();
        });
      }
    }
    void Read() {
      req = {};
      http::async_read(stream, buffer, req, [self = this->shared_from_this()](beast::error_code ec, size_t) {
        if (!ec) self->Handle();
      });
    }
    void Handle() {
      seen.method = std::string(req.method_string());
      seen.target = std::string(req.target());
      seen.host = std::string(req[http::field::host]);
      seen.body = req.body();
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        seen.headers[name] = std::string(f.value());
      }
      const Reply reply = server.handler_(seen);
      {
        std::lock_guard<std::mutex> lock(server.mu_);
        server.seen_.push_back(seen);
      }
      if (reply.silent) {
        Read();  // keeps the connection open until the client gives up
        return;
      }
      res.version(11);
      res.result(static_cast<unsigned>(reply.status));
      for (const auto& [k, v] : reply.headers) res.insert(k, v);
      res.set(http::field::connection, "close");
      res.body() = reply.body;
      res.prepare_payload();
      timer.expires_after(reply.delay);
      timer.async_wait([self = this->shared_from_this()](beast::error_code) {
        http::async_write(self->stream, self->res, [self](beast::error_code, size_t) {
          beast::error_code ignored;
          beast::get_lowest_layer(self->stream).shutdown(tcp::socket::shutdown_send, ignored);
        });
      });
    }

    TestServer& server;
    Stream stream;
    asio::steady_timer timer;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
    Seen seen;
  };

  void Accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      if (tls_ != nullptr) {
        std::make_shared<Session<ssl::stream<tcp::socket>>>(*this, std::move(socket), *tls_)->Start();
      } else {
        std::make_shared<Session<tcp::socket>>(*this, std::move(socket))->Start();
      }
      Accept();
    });
  }

  Handler handler_;
  ssl::context* tls_;
  mutable std::mutex mu_;
  std::vector<Seen> seen_;  // guarded by mu_
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  int port_ = 0;
  std::thread thread_;
};

ssl::context ServerTls(const Issued& leaf) {
  ssl::context ctx(ssl::context::tls_server);
  SSL_CTX_use_certificate(ctx.native_handle(), leaf.cert.get());
  SSL_CTX_use_PrivateKey(ctx.native_handle(), leaf.key.get());
  return ctx;
}

// A port on 127.0.0.1 nobody listens on.
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A listening socket on 127.0.0.1 that never accepts: the kernel completes TCP handshakes into the
// backlog, so a client connects and then hears nothing (not even a TLS ServerHello).
class NeverAccepting {
 public:
  NeverAccepting() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~NeverAccepting() { ::close(fd_); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Accepts one connection, reads the request, writes `answer` and then stays silent with the
// connection open until the client closes it (or the server is destroyed).
class RawServer {
 public:
  explicit RawServer(std::string answer) : answer_(std::move(answer)) {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (ec) return;
      socket_ = std::move(s);
      socket_.async_read_some(asio::buffer(in_), [this](beast::error_code ec, size_t) {
        if (ec) return;
        asio::async_write(socket_, asio::buffer(answer_), [this](beast::error_code ec, size_t) {
          if (!ec) socket_.async_read_some(asio::buffer(in_), [](beast::error_code, size_t) {});
        });
      });
    });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~RawServer() {
    io_.stop();
    thread_.join();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::string answer_;
  std::array<char, 4096> in_{};
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  tcp::socket socket_{io_};
  int port_ = 0;
  std::thread thread_;
};

ProbeRequest Req(const std::string& url, const std::string& connect, milliseconds timeout = milliseconds(2000)) {
  ProbeRequest r;
  r.url = url;
  r.connect_address = connect;
  r.timeout = timeout;
  return r;
}

// ---- URL parsing -------------------------------------------------------------------------------------

TEST(ParseUrl, Table) {
  struct Case {
    std::string in;
    Url want;
    std::string host_header;
  };
  const std::vector<Case> cases = {
      {"https://app.school.example/login", {"https", "app.school.example", 443, "/login"}, "app.school.example"},
      {"http://App.School.Example", {"http", "app.school.example", 80, "/"}, "app.school.example"},
      {"http://app.school.example:8080/a/b?x=1#frag", {"http", "app.school.example", 8080, "/a/b?x=1"},
       "app.school.example:8080"},
      {"HTTPS://127.0.0.1:8443?q", {"https", "127.0.0.1", 8443, "/?q"}, "127.0.0.1:8443"},
      {"http://[::1]:9000/x", {"http", "::1", 9000, "/x"}, "[::1]:9000"},
      {"https://[2001:db8::1]/", {"https", "2001:db8::1", 443, "/"}, "[2001:db8::1]"},
  };
  for (const auto& c : cases) {
    auto got = ParseUrl(c.in);
    ASSERT_TRUE(got.ok()) << c.in << ": " << got.error().message;
    EXPECT_EQ(got.value(), c.want) << c.in;
    EXPECT_EQ(got.value().HostHeader(), c.host_header) << c.in;
  }
}

TEST(ParseUrl, Errors) {
  struct Case {
    std::string in, want;
  };
  const std::vector<Case> cases = {
      {"app.school.example/login", R"(URL "app.school.example/login": no scheme; write http://host/path or https://host/path)"},
      {"ftp://x/", R"(URL "ftp://x/": scheme "ftp" is not http or https)"},
      {"http:///path", R"(URL "http:///path": no host)"},
      {"http://x:0/", R"(URL "http://x:0/": port 0 is not from 1 to 65535)"},
      {"http://x:99999/", R"(URL "http://x:99999/": port 99999 is not from 1 to 65535)"},
      {"http://x:abc/", R"(URL "http://x:abc/": port "abc" is not a number from 1 to 65535)"},
      {"http://[::1/", R"(URL "http://[::1/": "[" without "]" in the host)"},
      {"http://user:pw@x/", R"(URL "http://user:pw@x/": user information (user@host) is not supported)"},
      {"http://x/a b", R"(URL "http://x/a b": the path contains whitespace; percent-encode it (%20))"},
  };
  for (const auto& c : cases) {
    auto got = ParseUrl(c.in);
    ASSERT_FALSE(got.ok()) << c.in;
    EXPECT_EQ(got.error().message, c.want);
  }
}

TEST(ParseHostPort, Table) {
  EXPECT_EQ(ParseHostPort("127.0.0.1:8443").value(), std::make_pair(std::string("127.0.0.1"), 8443));
  EXPECT_EQ(ParseHostPort("[::1]:80").value(), std::make_pair(std::string("::1"), 80));
  EXPECT_EQ(ParseHostPort("Web.NS.svc.cluster.local:8080").value(),
            std::make_pair(std::string("web.ns.svc.cluster.local"), 8080));
  EXPECT_EQ(ParseHostPort("127.0.0.1").error().message,
            R"(address "127.0.0.1": no port; write host:port, e.g. 127.0.0.1:8443)");
  EXPECT_EQ(ParseHostPort(":80").error().message, R"(address ":80": no host)");
}

// ---- BeastHttpProber: plain HTTP ---------------------------------------------------------------------

TEST(BeastHttpProber, HostHeaderFromUrlConnectionToConnectAddress) {
  TestServer server([](const Seen&) {
    Reply r;
    r.status = 201;
    r.body = "<h1>Just Driving</h1>";
    r.headers = {{"X-Kubesim-Pod", "web-7d9f-abc"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}};
    r.delay = milliseconds(60);
    return r;
  });
  SystemClock clock;
  BeastHttpProber prober(clock);
  // The URL's host does not resolve anywhere; only connect_address is dialled.
  ProbeResult res = prober.Get(Req("http://app.school.example/login?next=%2F", server.address()));
  EXPECT_EQ(res.error, "");
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, "<h1>Just Driving</h1>");
  EXPECT_EQ(res.headers["x-kubesim-pod"], "web-7d9f-abc");
  EXPECT_EQ(res.headers["set-cookie"], "a=1, b=2");
  EXPECT_EQ(res.headers["content-length"], "21");
  EXPECT_GE(res.latency, milliseconds(60));
  EXPECT_LT(res.latency, milliseconds(1500));

  ProbeResult with_port = prober.Get(Req("http://app.school.example:8080/", server.address()));
  EXPECT_EQ(with_port.status, 201);

  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/login?next=%2F");
  EXPECT_EQ(seen[0].host, "app.school.example");
  EXPECT_EQ(seen[0].headers["user-agent"], "justdriving-operator");
  EXPECT_EQ(seen[0].body, "");
  EXPECT_EQ(seen[1].host, "app.school.example:8080");
  EXPECT_EQ(seen[1].target, "/");
}

TEST(BeastHttpProber, WithoutConnectAddressDialsTheUrlHost) {
  TestServer server([](const Seen&) { return Reply{204, "", {}, milliseconds(0), false}; });
  FakeClock clock;
  BeastHttpProber prober(clock);
  ProbeResult res = prober.Get(Req("http://127.0.0.1:" + std::to_string(server.port()) + "/healthz", ""));
  EXPECT_EQ(res.error, "");
  EXPECT_EQ(res.status, 204);
  EXPECT_EQ(res.latency, milliseconds(0));  // measured on the injected clock, which did not move
  ASSERT_EQ(server.seen().size(), 1u);
  EXPECT_EQ(server.seen()[0].host, "127.0.0.1:" + std::to_string(server.port()));
}

TEST(BeastHttpProber, PostSendsMethodHeadersAndBody) {
  TestServer server([](const Seen&) { return Reply{202, "queued", {}, milliseconds(0), false}; });
  FakeClock clock;
  BeastHttpProber prober(clock);
  ProbeRequest req = Req("http://hooks.example/deploys", server.address());
  req.method = "post";
  req.body = R"({"a":1})";
  req.headers = {{"Content-Type", "application/json"}, {"X-Extra", "yes"}};
  ProbeResult res = prober.Get(req);
  EXPECT_EQ(res.status, 202);
  EXPECT_EQ(res.body, "queued");
  ASSERT_EQ(server.seen().size(), 1u);
  const Seen s = server.seen()[0];
  EXPECT_EQ(s.method, "POST");
  EXPECT_EQ(s.body, R"({"a":1})");
  EXPECT_EQ(s.headers.at("content-type"), "application/json");
  EXPECT_EQ(s.headers.at("content-length"), "7");
  EXPECT_EQ(s.headers.at("x-extra"), "yes");
  EXPECT_EQ(s.host, "hooks.example");
}

TEST(BeastHttpProber, BodyIsCutAt64KiB) {
  std::string big;
  for (int i = 0; big.size() < 100 * 1024; ++i) big += std::to_string(i) + ",";
  TestServer server([&big](const Seen&) { return Reply{200, big, {}, milliseconds(0), false}; });
  FakeClock clock;
  BeastHttpProber prober(clock);
  ProbeResult res = prober.Get(Req("http://app.school.example/", server.address()));
  EXPECT_EQ(res.error, "");
  EXPECT_EQ(res.status, 200);
  ASSERT_EQ(res.body.size(), kMaxProbeBody);
  EXPECT_EQ(res.body, big.substr(0, kMaxProbeBody));
}

TEST(BeastHttpProber, ConnectionRefused) {
  const int port = FreePort();
  FakeClock clock;
  BeastHttpProber prober(clock);
  ProbeResult res = prober.Get(Req("http://app.school.example/", "127.0.0.1:" + std::to_string(port)));
  EXPECT_EQ(res.status, 0);
  EXPECT_EQ(res.error, "connect 127.0.0.1:" + std::to_string(port) + ": connection refused");
  EXPECT_TRUE(res.headers.empty());
}

TEST(BeastHttpProber, SilentServerTimesOutWithinTheDeadline) {
  TestServer server([](const Seen&) {
    Reply r;
    r.silent = true;
    return r;
  });
  SystemClock clock;
  BeastHttpProber prober(clock);
  const auto start = std::chrono::steady_clock::now();
  ProbeResult res = prober.Get(Req("http://app.school.example/", server.address(), milliseconds(150)));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(res.status, 0);
  EXPECT_EQ(res.error, "timed out after 150 ms (waiting for the response)");
  EXPECT_LT(took, milliseconds(1000));
  EXPECT_LT(res.latency, milliseconds(1000));
  EXPECT_EQ(server.seen().size(), 1u);  // the request did arrive
}

TEST(BeastHttpProber, SilentServerTimesOutWithAFakeClockToo) {
  // A FakeClock never moves; the deadline passes when nothing happens for `timeout`.
  TestServer server([](const Seen&) {
    Reply r;
    r.silent = true;
    return r;
  });
  FakeClock clock;
  BeastHttpProber prober(clock);
  const auto start = std::chrono::steady_clock::now();
  ProbeResult res = prober.Get(Req("http://app.school.example/", server.address(), milliseconds(100)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
  EXPECT_EQ(res.status, 0);
  EXPECT_EQ(res.error, "timed out after 100 ms (waiting for the response)");
}

TEST(BeastHttpProber, TlsHandshakeCountsAgainstTheSameDeadline) {
  NeverAccepting server;
  SystemClock clock;
  BeastHttpProber prober(clock);
  const auto start = std::chrono::steady_clock::now();
  ProbeResult res = prober.Get(Req("https://app.school.example/", server.address(), milliseconds(100)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
  EXPECT_EQ(res.status, 0);
  EXPECT_EQ(res.error, "timed out after 100 ms (TLS handshake with " + server.address() + ")");
}

TEST(BeastHttpProber, AnswerThatBreaksOffKeepsStatusAndPartialBody) {
  RawServer server("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nX-Kubesim-Pod: web-1\r\n\r\n<h1>Just");
  FakeClock clock;
  BeastHttpProber prober(clock);
  ProbeResult res = prober.Get(Req("http://app.school.example/", server.address(), milliseconds(100)));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "<h1>Just");
  EXPECT_EQ(res.headers["x-kubesim-pod"], "web-1");
  EXPECT_EQ(res.error, "timed out after 100 ms (reading the body)");
}

TEST(BeastHttpProber, ChunkedBodyIsDecoded) {
  RawServer server("HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "3\r\nno \r\n10\r\nhealthy upstream\r\n0\r\n\r\n");
  FakeClock clock;
  BeastHttpProber prober(clock);
  ProbeResult res = prober.Get(Req("http://app.school.example/", server.address(), milliseconds(500)));
  EXPECT_EQ(res.error, "");
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(res.body, "no healthy upstream");
}

TEST(BeastHttpProber, GarbageIsATransportError) {
  RawServer server("SSH-2.0-OpenSSH_9.2\r\n");
  FakeClock clock;
  BeastHttpProber prober(clock);
  ProbeResult res = prober.Get(Req("http://app.school.example/", server.address(), milliseconds(500)));
  EXPECT_EQ(res.status, 0);
  EXPECT_EQ(res.error, "reading the response: not a valid HTTP/1.x answer (bad version)");
}

TEST(BeastHttpProber, RequestErrorsAreResultsNotExceptions) {
  FakeClock clock;
  BeastHttpProber prober(clock);
  struct Case {
    ProbeRequest req;
    std::string want;
  };
  ProbeRequest bad_method = Req("http://x/", "127.0.0.1:1");
  bad_method.method = "FETCH IT";
  ProbeRequest bad_ca = Req("https://x/", "127.0.0.1:1");
  bad_ca.ca_bundle_pem = "not a certificate";
  const std::vector<Case> cases = {
      {Req("x/", ""), R"(URL "x/": no scheme; write http://host/path or https://host/path)"},
      {Req("http://x/", "127.0.0.1"), R"(address "127.0.0.1": no port; write host:port, e.g. 127.0.0.1:8443)"},
      {bad_method, R"(method "FETCH IT" is not an HTTP method)"},
      {bad_ca, "the CA bundle is not usable (PEM certificates expected): "},
  };
  for (const auto& c : cases) {
    ProbeResult res = prober.Get(c.req);
    EXPECT_EQ(res.status, 0);
    EXPECT_EQ(res.error.substr(0, c.want.size()), c.want) << res.error;
  }
}

// ---- BeastHttpProber: HTTPS --------------------------------------------------------------------------

class HttpsProber : public ::testing::Test {
 protected:
  HttpsProber()
      : tls_(ServerTls(TestPki().leaf)), server_([](const Seen& s) {
          Reply r;
          r.body = "secure " + s.target;
          return r;
        }, &tls_) {}

  ProbeRequest Https(const std::string& url) {
    ProbeRequest r = Req(url, server_.address());
    r.ca_bundle_pem = Pem(TestPki().ca.cert.get());
    return r;
  }

  ssl::context tls_;
  TestServer server_;
  FakeClock clock_;
  BeastHttpProber prober_{clock_};
};

TEST_F(HttpsProber, VerifiesAgainstTheGivenCaAndSendsSniFromTheUrl) {
  // The bundle may hold several certificates; the right one is not the first.
  ProbeRequest req = Https("https://app.school.example/login");
  req.ca_bundle_pem = Pem(TestPki().other_ca.cert.get()) + req.ca_bundle_pem;
  ProbeResult res = prober_.Get(req);
  EXPECT_EQ(res.error, "");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "secure /login");
  auto seen = server_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].sni, "app.school.example");
  EXPECT_EQ(seen[0].host, "app.school.example");
}

TEST_F(HttpsProber, WrongCaFailsCertificateVerification) {
  ProbeRequest req = Https("https://app.school.example/login");
  req.ca_bundle_pem = Pem(TestPki().other_ca.cert.get());
  ProbeResult res = prober_.Get(req);
  EXPECT_EQ(res.status, 0);
  EXPECT_EQ(res.error, "TLS handshake with " + server_.address() +
                           ": certificate verification failed for app.school.example: unable to get local issuer "
                           "certificate");
  EXPECT_TRUE(server_.seen().empty());  // no request was sent over an unverified connection
}

TEST_F(HttpsProber, SystemTrustStoreDoesNotTrustTheTestCa) {
  ProbeRequest req = Https("https://app.school.example/");
  req.ca_bundle_pem = "";
  ProbeResult res = prober_.Get(req);
  EXPECT_EQ(res.status, 0);
  EXPECT_TRUE(Contains(res.error, "certificate verification failed")) << res.error;
}

TEST_F(HttpsProber, HostnameMismatchFails) {
  ProbeResult res = prober_.Get(Https("https://other.school.example/"));
  EXPECT_EQ(res.status, 0);
  EXPECT_EQ(res.error, "TLS handshake with " + server_.address() +
                           ": certificate verification failed for other.school.example: hostname mismatch");
  EXPECT_TRUE(server_.seen().empty());
}

TEST_F(HttpsProber, VerifyTlsFalseAcceptsAnyCertificate) {
  ProbeRequest req = Https("https://other.school.example/x");
  req.ca_bundle_pem = Pem(TestPki().other_ca.cert.get());
  req.verify_tls = false;
  ProbeResult res = prober_.Get(req);
  EXPECT_EQ(res.error, "");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "secure /x");
  ASSERT_EQ(server_.seen().size(), 1u);
  EXPECT_EQ(server_.seen()[0].sni, "other.school.example");
}

TEST_F(HttpsProber, PlainHttpClientAgainstTlsServerIsAnError) {
  ProbeResult res = prober_.Get(Req("http://app.school.example/", server_.address(), milliseconds(500)));
  EXPECT_EQ(res.status, 0);
  EXPECT_EQ(res.error, "the server closed the connection without answering");
}

// ---- FakeHttpProber ----------------------------------------------------------------------------------

TEST(FakeHttpProber, ScriptsPerUrlLastAnswerRepeatsAndRecordsRequests) {
  FakeHttpProber fake;
  ProbeResult fail;
  fail.status = 500;
  ProbeResult ok;
  ok.status = 200;
  ok.body = "Log in";
  fake.Script("https://a/login", {fail, ok});

  EXPECT_EQ(fake.Get(Req("https://a/login", "")).status, 500);
  EXPECT_EQ(fake.Get(Req("https://a/login", "")).status, 200);
  EXPECT_EQ(fake.Get(Req("https://a/login", "")).body, "Log in");
  ProbeResult none = fake.Get(Req("https://a/other", "10.0.0.1:80"));
  EXPECT_EQ(none.status, 0);
  EXPECT_EQ(none.error, "no scripted answer for https://a/other");

  ASSERT_EQ(fake.Requests().size(), 4u);
  EXPECT_EQ(fake.Requests()[3].connect_address, "10.0.0.1:80");
  EXPECT_EQ(fake.RequestsFor("https://a/login").size(), 3u);

  fake.Script("https://a/login", {});
  EXPECT_EQ(fake.Get(Req("https://a/login", "")).error, "no scripted answer for https://a/login");
}

// ---- HttpWebhookSender -------------------------------------------------------------------------------

TEST(HttpWebhookSender, PostsTheSignedBodyOverHttp) {
  TestServer server([](const Seen&) { return Reply{204, "", {}, milliseconds(0), false}; });
  SystemClock clock;
  BeastHttpProber prober(clock);
  HttpWebhookSender sender(prober);
  const std::string body = R"({"namespace":"school-amsterdam","outcome":"Failed"})";
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/deploys";
  auto status = sender.Post(url, {{std::string(kSignatureHeader), Sign("k3y", body)}}, body, std::chrono::seconds(2));
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(status.value(), 204);
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/deploys");
  EXPECT_EQ(seen[0].body, body);
  EXPECT_EQ(seen[0].headers["x-justdriving-signature"], Sign("k3y", body));
  EXPECT_EQ(seen[0].headers["content-type"], "application/json");
}

TEST(HttpWebhookSender, ReturnsAnyStatusAndTransportErrors) {
  TestServer server([](const Seen&) { return Reply{503, "busy", {}, milliseconds(0), false}; });
  FakeClock clock;
  BeastHttpProber prober(clock);
  HttpWebhookSender sender(prober);
  auto busy = sender.Post("http://127.0.0.1:" + std::to_string(server.port()) + "/", {}, "{}", std::chrono::seconds(2));
  ASSERT_TRUE(busy.ok());
  EXPECT_EQ(busy.value(), 503);

  const int port = FreePort();
  auto refused = sender.Post("http://127.0.0.1:" + std::to_string(port) + "/", {{"X-JustDriving-Signature", "sha256=00"}},
                             "{}", std::chrono::seconds(2));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "connect 127.0.0.1:" + std::to_string(port) + ": connection refused");
}

TEST(HttpWebhookSender, BuildsTheRequest) {
  FakeHttpProber fake;
  ProbeResult ok;
  ok.status = 200;
  fake.Script("https://hooks.example.com/deploys", {ok});
  HttpWebhookSender sender(fake, "CA PEM");
  auto status = sender.Post("https://hooks.example.com/deploys", {{"X-JustDriving-Signature", "sha256=ab"}}, "{}",
                            std::chrono::microseconds(1500));
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(fake.Requests().size(), 1u);
  const ProbeRequest r = fake.Requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.body, "{}");
  EXPECT_EQ(r.timeout, milliseconds(2));  // rounded up, never 0
  EXPECT_EQ(r.ca_bundle_pem, "CA PEM");
  EXPECT_TRUE(r.verify_tls);
  using H = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(r.headers, (H{{"X-JustDriving-Signature", "sha256=ab"}, {"Content-Type", "application/json"}}));

  // A caller's own Content-Type is kept, not doubled.
  (void)sender.Post("https://hooks.example.com/deploys", {{"content-type", "application/cloudevents+json"}}, "{}",
                    std::chrono::seconds(1));
  EXPECT_EQ(fake.Requests()[1].headers, (H{{"content-type", "application/cloudevents+json"}}));

  auto unscripted = sender.Post("https://elsewhere.example/", {}, "{}", std::chrono::seconds(1));
  ASSERT_FALSE(unscripted.ok());
  EXPECT_EQ(unscripted.error().message, "no scripted answer for https://elsewhere.example/");
}

}  // namespace
}  // namespace jd::release
