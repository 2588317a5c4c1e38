// certs.h — a throwaway CA and the TLS certificates kube-sim serves with (OpenSSL 3).
//
// kubectl and helm only talk HTTPS to a server whose certificate chains to the kubeconfig's
// certificate-authority-data and names the host they dialled. GenerateCaAndServingCert makes
// both in one go; IssueCert issues more from an existing CA with any validity window, so tests
// can build expired, not-yet-valid, soon-to-expire and wrong-host certificates.
//
// What is issued:
//   CA:      self-signed, CN=ca_common_name, basicConstraints CA:TRUE (critical),
//            keyUsage keyCertSign|cRLSign|digitalSignature (critical), SKI, 10-year validity.
//   issued:  signed by the CA, CN=common_name (+ O=organizations), SANs from dns_names and
//            ip_addresses, basicConstraints CA:FALSE, keyUsage digitalSignature
//            (+keyEncipherment for RSA), extKeyUsage serverAuth and/or clientAuth, SKI, AKI.
// Keys are ECDSA P-256 (default) or RSA 2048, PEM-encoded as PKCS#8 "PRIVATE KEY";
// signatures use SHA-256; serial numbers are 127 random bits.
//
// Time: `now` is injectable (defaults to the system clock). Validity runs from not_before
// (default: now) to not_after (default: not_before + validity).
//
// Errors: a bad request (invalid IP or DNS name, empty window, unreadable or mismatched CA
// PEM) → 400 BadRequest; an OpenSSL failure → 500 InternalError with OpenSSL's reason.
//
// Usage:
//   CertRequest req;
//   req.dns_names = {"localhost"};
//   req.ip_addresses = {"127.0.0.1", "::1"};
//   Result<CertBundle> b = GenerateCaAndServingCert(req);
//   if (!b.ok()) return b.error();
//   WriteFile(dir / "ca.crt", b.value().ca_cert_pem);
//
//   CertRequest expired = req;
//   expired.not_before = now - 48h;
//   expired.not_after = now - 24h;
//   Result<CertBundle> old = IssueCert(b.value().ca_cert_pem, b.value().ca_key_pem, expired);
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "api_error.h"

namespace kubesim {

enum class KeyAlgorithm { kEcdsaP256, kRsa2048 };

struct CertRequest {
  using TimePoint = std::chrono::system_clock::time_point;

  std::string common_name = "kube-sim";
  std::vector<std::string> organizations;  // subject O= (e.g. "system:masters" for client certs)
  std::vector<std::string> dns_names;      // SAN DNS names, e.g. "localhost", "*.svc"
  std::vector<std::string> ip_addresses;   // SAN IPs, e.g. "127.0.0.1", "::1"
  KeyAlgorithm key_algorithm = KeyAlgorithm::kEcdsaP256;
  bool server_auth = true;
  bool client_auth = false;

  std::optional<TimePoint> now;  // unset: the system clock
  std::chrono::seconds validity = std::chrono::hours(24 * 365);
  std::optional<TimePoint> not_before;  // unset: now
  std::optional<TimePoint> not_after;   // unset: not_before + validity

  // Only for GenerateCaAndServingCert: the CA's subject and lifetime (from now).
  std::string ca_common_name = "kube-sim-ca";
  std::chrono::seconds ca_validity = std::chrono::hours(24 * 3650);
};

struct CertBundle {
  std::string ca_cert_pem;
  std::string ca_key_pem;
  std::string cert_pem;
  std::string key_pem;
};

// A new self-signed CA and a certificate issued by it for `request`.
Result<CertBundle> GenerateCaAndServingCert(const CertRequest& request);

// A certificate for `request` issued by the given CA; the bundle carries the CA PEMs back.
Result<CertBundle> IssueCert(const std::string& ca_cert_pem, const std::string& ca_key_pem,
                             const CertRequest& request);

}  // namespace kubesim
