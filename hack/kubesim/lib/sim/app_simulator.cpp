#include "app_simulator.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "app_router.h"
#include "certs.h"
#include "connection_listener.h"
#include "openssl_ptr.h"
#include "text_util.h"

namespace kubesim {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using nlohmann::json;

namespace {

constexpr size_t kBodyLimit = 8 * 1024 * 1024;

struct CertAndKey {
  std::string cert_pem, key_pem;
};


// Installs a PEM certificate chain (leaf first) and key on one connection. False if unusable.
bool UseCertificate(SSL* ssl, const CertAndKey& ck) {
  BioPtr cert_bio(BIO_new_mem_buf(ck.cert_pem.data(), static_cast<int>(ck.cert_pem.size())));
  BioPtr key_bio(BIO_new_mem_buf(ck.key_pem.data(), static_cast<int>(ck.key_pem.size())));
  if (!cert_bio || !key_bio) return false;
  X509Ptr leaf(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!leaf || !key) return false;
  if (SSL_use_certificate(ssl, leaf.get()) != 1) return false;
  if (SSL_use_PrivateKey(ssl, key.get()) != 1) return false;
  if (SSL_check_private_key(ssl) != 1) return false;
  SSL_clear_chain_certs(ssl);
  while (X509Ptr extra{PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr)}) {
    if (SSL_add1_chain_cert(ssl, extra.get()) != 1) return false;
  }
  ERR_clear_error();  // the loop ends on a "no start line" error
  return true;
}


}  // namespace

struct AppSimulator::Impl {
  ApiServer& api;
  const Scenarios& scenarios;
  const Clock& clock;
  const AppSimulatorOptions opts;
  AppRouter router;

  mutable std::mutex mu;  // guards the scenario CA and fault_certs
  std::string ca_cert_pem, ca_key_pem;
  std::map<std::string, CertAndKey> fault_certs;  // "host|expired|wrongHost" → certificate

  std::unique_ptr<ssl::context> tls;
  ConnectionListener http_listener{"kube-sim app simulator"}, https_listener{"kube-sim app simulator"};

  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopping = false;

  Impl(ApiServer& a, const Scenarios& s, const Clock& c, AppSimulatorOptions o)
      : api(a), scenarios(s), clock(c), opts(std::move(o)) {}

  AppSnapshot Snapshot() {
    return {api.ListObjects("networking.k8s.io", "ingresses", ""), api.ListObjects("", "services", ""),
            api.ListObjects("", "pods", "")};
  }

  // The certificate and key to serve for SNI `host`, or nullopt to refuse the handshake.
  std::optional<CertAndKey> CertificateFor(const std::string& host) {
    std::optional<AppTlsChoice> choice = router.TlsFor(host, Snapshot(), scenarios);
    if (!choice) return std::nullopt;
    if (choice->faults.expired || choice->faults.wrong_host) return FaultCertificate(NormalizeHost(host), choice->faults);
    std::optional<json> secret = api.GetObject("", "secrets", choice->ns, choice->secret_name);
    if (!secret) return std::nullopt;
    const json data = secret->value("data", json::object());
    if (!data.is_object() || !data.contains("tls.crt") || !data.contains("tls.key") || !data["tls.crt"].is_string() ||
        !data["tls.key"].is_string())
      return std::nullopt;
    auto cert = Base64Decode(data["tls.crt"].get<std::string>());
    auto key = Base64Decode(data["tls.key"].get<std::string>());
    if (!cert || !key) return std::nullopt;
    return CertAndKey{*cert, *key};
  }

  std::optional<CertAndKey> FaultCertificate(const std::string& host, const TlsBehaviour& faults) {
    const std::string cache_key = host + "|" + (faults.expired ? "expired" : "") + "|" + (faults.wrong_host ? "wrong" : "");
    std::lock_guard lock(mu);
    if (auto it = fault_certs.find(cache_key); it != fault_certs.end()) return it->second;
    CertRequest req;
    const std::string name = faults.wrong_host ? "wrong.invalid" : host;
    req.common_name = name;
    req.dns_names = {name};
    const TimePoint now = clock.Now();
    req.now = now;
    if (faults.expired) {
      req.not_before = now - std::chrono::hours(48);
      req.not_after = now - std::chrono::hours(24);
    } else {
      req.not_before = now - std::chrono::hours(1);
    }
    Result<CertBundle> b = IssueCert(ca_cert_pem, ca_key_pem, req);
    if (!b.ok()) return std::nullopt;
    CertAndKey ck{b.value().cert_pem, b.value().key_pem};
    fault_certs.emplace(cache_key, ck);
    return ck;
  }

  static int OnServerName(SSL* ssl, int* alert, void* arg) {
    auto* self = static_cast<Impl*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    std::optional<CertAndKey> ck;
    if (name && *name) {
      try {
        ck = self->CertificateFor(name);
      } catch (const std::exception&) {
        ck.reset();
      }
    }
    if (!ck || !UseCertificate(ssl, *ck)) {
      *alert = SSL_AD_UNRECOGNIZED_NAME;
      return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
  }

  // Waits `d` or until Stop(); false when stopping.
  bool Sleep(std::chrono::milliseconds d) {
    std::unique_lock lock(stop_mu);
    return !stop_cv.wait_for(lock, d, [this] { return stopping; });
  }

  bool Stopping() {
    std::lock_guard lock(stop_mu);
    return stopping;
  }

  void ServePlain(tcp::socket sock) {
    try {
      beast::tcp_stream stream(std::move(sock));
      ServeStream(stream);
      beast::error_code ec;
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    } catch (const std::exception&) {
      // The client went away: nothing to do.
    }
  }

  void ServeTls(tcp::socket sock) {
    try {
      beast::ssl_stream<beast::tcp_stream> stream(std::move(sock), *tls);
      stream.next_layer().expires_after(std::chrono::seconds(10));
      stream.handshake(ssl::stream_base::server);
      stream.next_layer().expires_never();
      ServeStream(stream);
      beast::error_code ec;
      stream.shutdown(ec);
    } catch (const std::exception&) {
      // A failed handshake (no certificate for the name) or a client that went away.
    }
  }

  template <class Stream>
  void ServeStream(Stream& stream) {
    beast::flat_buffer buffer;
    while (!Stopping()) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(kBodyLimit);
      parser.header_limit(64 * 1024);
      beast::error_code ec;
      http::read(stream, buffer, parser, ec);
      if (ec) return;
      const auto& msg = parser.get();
      std::string target(msg.target());
      std::string path = target.substr(0, target.find('?'));
      if (path.empty()) path = "/";
      AppRequest req{std::string(msg[http::field::host]), path, std::nullopt};
      AppRoute route = router.Route(req, Snapshot(), scenarios);
      if (route.answer.latency_ms > 0 && !Sleep(scenarios.Scaled(route.answer.latency_ms / 1000.0))) return;

      http::response<http::string_body> out;
      out.version(msg.version());
      out.result(static_cast<unsigned>(std::clamp(route.answer.status, 100, 999)));
      out.set(http::field::content_type, "text/html; charset=utf-8");
      out.set(http::field::server, "kube-sim-app");
      if (route.outcome == AppRoute::Outcome::kServed) {
        out.set("X-Kubesim-Pod", route.pod);
        out.set("X-Kubesim-Scenario", route.scenario);
      }
      const bool keep_alive = msg.keep_alive();
      out.keep_alive(keep_alive);
      if (msg.method() == http::verb::head) {
        out.content_length(route.answer.body.size());
        http::response_serializer<http::string_body> sr{out};
        http::write_header(stream, sr, ec);
      } else {
        out.body() = std::move(route.answer.body);
        out.prepare_payload();
        http::write(stream, out, ec);
      }
      if (ec || !keep_alive) return;
    }
  }
};

AppSimulator::AppSimulator(ApiServer& api, const Scenarios& scenarios, const Clock& clock, AppSimulatorOptions opts)
    : impl_(std::make_unique<Impl>(api, scenarios, clock, std::move(opts))) {}

AppSimulator::~AppSimulator() { Stop(); }

Result<std::pair<int, int>> AppSimulator::Start() {
  Impl& m = *impl_;
  std::optional<tcp::endpoint> http_ep, https_ep;
  if (!m.opts.listen_http.empty()) {
    auto ep = ParseListenAddress("--app-listen-http", m.opts.listen_http);
    if (!ep.ok()) return ep.error();
    http_ep = ep.value();
  }
  if (!m.opts.listen_https.empty()) {
    auto ep = ParseListenAddress("--app-listen-https", m.opts.listen_https);
    if (!ep.ok()) return ep.error();
    https_ep = ep.value();
  }

  CertRequest ca_req;
  ca_req.ca_common_name = "kube-sim-scenario-ca";
  ca_req.dns_names = {"scenario-ca.kubesim.invalid"};
  ca_req.now = m.clock.Now();
  Result<CertBundle> ca = GenerateCaAndServingCert(ca_req);
  if (!ca.ok()) return ca.error();
  {
    std::lock_guard lock(m.mu);
    m.ca_cert_pem = ca.value().ca_cert_pem;
    m.ca_key_pem = ca.value().ca_key_pem;
  }

  if (http_ep) {
    auto port = m.http_listener.Start(*http_ep, [&m](tcp::socket s) { m.ServePlain(std::move(s)); });
    if (!port.ok()) return port.error();
    http_port_ = port.value();
  }
  if (https_ep) {
    m.tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    m.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    SSL_CTX_set_tlsext_servername_callback(m.tls->native_handle(), &Impl::OnServerName);
    SSL_CTX_set_tlsext_servername_arg(m.tls->native_handle(), &m);
    auto port = m.https_listener.Start(*https_ep, [&m](tcp::socket s) { m.ServeTls(std::move(s)); });
    if (!port.ok()) {
      m.http_listener.Stop();
      return port.error();
    }
    https_port_ = port.value();
  }
  return std::make_pair(http_port_.load(), https_port_.load());
}

void AppSimulator::Stop() {
  if (!impl_) return;
  {
    std::lock_guard lock(impl_->stop_mu);
    impl_->stopping = true;
  }
  impl_->stop_cv.notify_all();
  impl_->http_listener.Stop();
  impl_->https_listener.Stop();
}

std::string AppSimulator::ScenarioCaPem() const {
  std::lock_guard lock(impl_->mu);
  return impl_->ca_cert_pem;
}

}  // namespace kubesim
