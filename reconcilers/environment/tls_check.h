// TLS rule (condition TLSValid): the certificate in each domain's TLS Secret (key tls.crt) must be
// usable for that domain at `now` and for at least spec.minTLSDays more days.
//
// CheckCertificate is an ordered chain; the first violation wins:
//   1. CertificateUnparsable  tls.crt holds no PEM certificate, or a broken one.
//   2. Expired / NotYetValid  the leaf's validity period does not contain `now`.
//   3. HostMismatch           the host is not among the leaf's subjectAltName DNS names (RFC 6125
//                             wildcards: "*" as the whole leftmost label, matching exactly one
//                             label; "*.example.com" does not match "example.com" nor
//                             "a.b.example.com"; partial wildcards such as "w*.example.com" and
//                             wildcards over a single label such as "*.com" never match; the
//                             subject CN is not consulted).
//   4. InvalidCABundle        the CA bundle holds no certificate.
//      UntrustedChain         OpenSSL X509_verify_cert, at time `now` (X509_VERIFY_PARAM_set_time),
//                             purpose sslserver, with the rest of tls.crt as intermediates, fails
//                             against the bundle. Any certificate in the bundle is a trust anchor
//                             (X509_V_FLAG_PARTIAL_CHAIN), so a bundle may name an intermediate.
//   5. ExpiresSoon            fewer than min_days whole days remain before notAfter.
// Passes with "CertificateValid". Messages name the domain, the Secret and the notAfter date
// (RFC 3339, UTC). Whether the private key (tls.key) matches is not checked here.
//
// The caller reads the CA bundle: spec.tlsCABundle's ConfigMap key, or the system bundle
// (kSystemCABundlePath) when unset.
//
// Usage:
//   CheckResult r = CheckCertificate(secret_tls_crt, ca_bundle, "app.school.example",
//                                    "app-school-tls", clock.WallNow(), spec_min_tls_days);
//   // r.reason == "ExpiresSoon", r.message == "certificate for domain app.school.example in Secret
//   //   app-school-tls expires on 2024-01-10T00:00:00Z (9 days left, spec.minTLSDays is 14):
//   //   renew it and update the Secret"
//
//   // Is the live endpoint serving the certificate of the Secret? (see tls_prober.h)
//   auto served = prober.PeerCertificateSha256("app.school.example", 443, "app.school.example", 5s);
//   CheckResult s = CheckServedCertificate("app.school.example", "app-school-tls",
//                                          LeafCertificateSha256(secret_tls_crt), served);
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status_or.h"
#include "reconcilers/environment/check_result.h"

namespace jd::env {

inline constexpr const char* kSystemCABundlePath = "/etc/ssl/certs/ca-certificates.crt";

// RFC 6125 matching of one subjectAltName DNS name against a host (ASCII case-insensitive, one
// trailing dot ignored on either side). See rule 3 above.
bool HostMatchesPattern(std::string_view pattern, std::string_view host);

CheckResult CheckCertificate(std::string_view cert_chain_pem, std::string_view ca_bundle_pem, std::string_view host,
                             std::string_view secret_name, jd::WallTime now, int min_days);

// Lower-case hex SHA-256 of the DER encoding of the first certificate in `cert_chain_pem` (the
// leaf): the fingerprint a TlsProber returns for the same certificate. A public certificate's
// fingerprint is not a secret. Errors when no certificate parses.
jd::StatusOr<std::string> LeafCertificateSha256(std::string_view cert_chain_pem);

// Compares the Secret's leaf fingerprint with what the endpoint served. Reasons:
// "CertificateUnparsable" (expected is an error), "EndpointUnreachable" (served is an error; its
// message is included), "CertificateNotServed" (different certificates); passes with
// "CertificateServed".
CheckResult CheckServedCertificate(std::string_view host, std::string_view secret_name,
                                   const jd::StatusOr<std::string>& expected_sha256,
                                   const jd::StatusOr<std::string>& served_sha256);

}  // namespace jd::env
