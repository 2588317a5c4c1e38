// TlsProber: which certificate does a live endpoint serve? Lets the environment reconciler check
// that a domain really serves the certificate of its TLS Secret (tls_check.h,
// CheckServedCertificate) — a valid Secret the Ingress never picked up is still an outage.
//
// The interface is what the reconciler depends on; tests pass a fake. OpenSslTlsProber is the real
// one: TCP connect (getaddrinfo, every address in turn), TLS 1.2+ handshake with SNI and WITHOUT
// verification (validity is CheckCertificate's job; here we only want the certificate), then the
// SHA-256 of the peer's leaf certificate (DER), lower-case hex — the same value as
// LeafCertificateSha256 of the Secret's tls.crt. Nothing is sent after the handshake.
//
// Timeout: one deadline for connect + handshake, measured on the injected clock. Name resolution
// (getaddrinfo) is not bounded by it. SIGPIPE is blocked on the calling thread during the probe.
// A blocking call: run it from a reconcile worker, not an
// event loop.
//
// Usage:
//   jd::env::OpenSslTlsProber prober(clock);
//   jd::StatusOr<std::string> served =
//       prober.PeerCertificateSha256("app.school.example", 443, "app.school.example",
//                                    std::chrono::seconds(5));
#pragma once

#include <chrono>
#include <string>

#include "common/clock.h"
#include "common/status_or.h"

namespace jd::env {

class TlsProber {
 public:
  virtual ~TlsProber() = default;

  // host: name or IP address to connect to; sni: server name sent in the ClientHello ("" = none).
  // Errors name host:port and what failed (resolve, connect, handshake, timeout).
  virtual jd::StatusOr<std::string> PeerCertificateSha256(const std::string& host, int port, const std::string& sni,
                                                          std::chrono::milliseconds timeout) = 0;
};

class OpenSslTlsProber : public TlsProber {
 public:
  // `clock` must outlive the prober; only Now() is used (for the deadline).
  explicit OpenSslTlsProber(const jd::Clock& clock) : clock_(clock) {}

  jd::StatusOr<std::string> PeerCertificateSha256(const std::string& host, int port, const std::string& sni,
                                                  std::chrono::milliseconds timeout) override;

 private:
  const jd::Clock& clock_;
};

}  // namespace jd::env
