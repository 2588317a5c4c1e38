#include "reconcilers/environment/tls_check.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <memory>
#include <optional>
#include <vector>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace jd::env {
namespace {

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct StoreDeleter {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct StoreCtxDeleter {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct StackDeleter {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }  // certificates owned elsewhere
};
struct GeneralNamesDeleter {
  void operator()(GENERAL_NAMES* g) const { GENERAL_NAMES_free(g); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

constexpr long kSecondsPerDay = 86400;

// All PEM certificates in `pem`, in order. nullopt when a CERTIFICATE block is corrupt; an empty
// vector when there is none. Other PEM blocks (e.g. a private key pasted by mistake) are skipped.
std::optional<std::vector<X509Ptr>> ParsePemCertificates(std::string_view pem) {
  std::vector<X509Ptr> certs;
  if (pem.empty()) return certs;
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return std::nullopt;
  ERR_clear_error();
  while (true) {
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (cert == nullptr) break;
    certs.emplace_back(cert);
  }
  const unsigned long err = ERR_peek_last_error();
  const bool clean_end = err == 0 || (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE);
  ERR_clear_error();
  if (!clean_end) return std::nullopt;
  return certs;
}

std::optional<std::time_t> ToTimeT(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return timegm(&tm);
}

std::string Rfc3339(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view StripTrailingDot(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

// DNS names in the leaf's subjectAltName (names with embedded NULs are dropped).
std::vector<std::string> DnsNames(X509* leaf) {
  std::vector<std::string> names;
  std::unique_ptr<GENERAL_NAMES, GeneralNamesDeleter> sans(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr)));
  if (!sans) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(sans.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans.get(), i);
    if (gn->type != GEN_DNS) continue;
    const ASN1_IA5STRING* s = gn->d.dNSName;
    std::string name(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s));
    if (name.find('\0') != std::string::npos) continue;
    names.push_back(std::move(name));
  }
  return names;
}

std::string JoinNames(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

std::string Hex(const unsigned char* data, unsigned int length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[data[i] >> 4]);
    hex.push_back(kHex[data[i] & 0xf]);
  }
  return hex;
}

}  // namespace

bool HostMatchesPattern(std::string_view pattern_in, std::string_view host_in) {
  const std::string pattern = Lower(StripTrailingDot(pattern_in));
  const std::string host = Lower(StripTrailingDot(host_in));
  if (pattern.empty() || host.empty() || host.find('*') != std::string::npos) return false;
  if (host.front() == '.' || host.find("..") != std::string::npos) return false;
  if (pattern.find('*') == std::string::npos) return pattern == host;

  // Only "*.<at least two labels>", with no other wildcard.
  if (pattern.size() < 2 || pattern[0] != '*' || pattern[1] != '.') return false;
  const std::string_view suffix = std::string_view(pattern).substr(1);  // ".example.com"
  if (suffix.find('*') != std::string_view::npos) return false;
  if (suffix.find('.', 1) == std::string_view::npos) return false;  // "*.com"
  if (suffix.find("..") != std::string_view::npos) return false;
  const size_t first_dot = host.find('.');
  if (first_dot == std::string::npos || first_dot == 0) return false;
  return std::string_view(host).substr(first_dot) == suffix;
}

CheckResult CheckCertificate(std::string_view cert_chain_pem, std::string_view ca_bundle_pem, std::string_view host_in,
                             std::string_view secret_in, jd::WallTime now, int min_days) {
  const std::string host(host_in);
  const std::string secret(secret_in);
  const std::string subject = "certificate for domain " + host + " in Secret " + secret;

  // 1. Parse.
  auto chain = ParsePemCertificates(cert_chain_pem);
  if (!chain || chain->empty()) {
    return CheckResult::Fail("CertificateUnparsable",
                             "Secret " + secret + " for domain " + host + " holds " +
                                 (chain ? "no PEM certificate" : "a PEM certificate that does not parse") +
                                 " in key tls.crt: put the certificate chain there, leaf first, in PEM");
  }
  X509* leaf = chain->front().get();
  const auto not_before = ToTimeT(X509_get0_notBefore(leaf));
  const auto not_after = ToTimeT(X509_get0_notAfter(leaf));
  if (!not_before || !not_after) {
    return CheckResult::Fail("CertificateUnparsable", subject + " has an unreadable validity period: reissue it");
  }
  const std::string until = Rfc3339(*not_after);
  const std::time_t now_t = std::chrono::system_clock::to_time_t(now);

  // 2. Validity period.
  if (now_t > *not_after) {
    return CheckResult::Fail("Expired", subject + " expired on " + until + ": renew it and update the Secret");
  }
  if (now_t < *not_before) {
    return CheckResult::Fail("NotYetValid", subject + " is not valid before " + Rfc3339(*not_before) +
                                                " (not after " + until +
                                                "): use a certificate that is valid now, or check the issuer's clock");
  }

  // 3. Host.
  const std::vector<std::string> names = DnsNames(leaf);
  const bool covered = std::any_of(names.begin(), names.end(),
                                   [&](const std::string& n) { return HostMatchesPattern(n, host); });
  if (!covered) {
    return CheckResult::Fail("HostMismatch", "certificate in Secret " + secret + " (not after " + until +
                                                 ") does not cover domain " + host + " (subjectAltName DNS names: " +
                                                 JoinNames(names) + "): issue a certificate whose subjectAltName includes " +
                                                 host);
  }

  // 4. Chain.
  auto anchors = ParsePemCertificates(ca_bundle_pem);
  if (!anchors || anchors->empty()) {
    return CheckResult::Fail("InvalidCABundle",
                             "the CA bundle used to check the " + subject +
                                 " holds no PEM certificate: fix spec.tlsCABundle (or unset it to use the system bundle)");
  }
  std::unique_ptr<X509_STORE, StoreDeleter> store(X509_STORE_new());
  std::unique_ptr<STACK_OF(X509), StackDeleter> untrusted(sk_X509_new_null());
  std::unique_ptr<X509_STORE_CTX, StoreCtxDeleter> ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) return CheckResult::Fail("UntrustedChain", subject + ": out of memory while verifying");
  for (const auto& ca : *anchors) X509_STORE_add_cert(store.get(), ca.get());  // duplicates are fine
  for (size_t i = 1; i < chain->size(); ++i) sk_X509_push(untrusted.get(), (*chain)[i].get());
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted.get()) != 1) {
    return CheckResult::Fail("UntrustedChain", subject + ": out of memory while verifying");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, now_t);
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  ERR_clear_error();
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    ERR_clear_error();
    return CheckResult::Fail(
        "UntrustedChain", subject + " (not after " + until + ") does not chain to a trusted CA: " +
                              X509_verify_cert_error_string(err) + " (at depth " + std::to_string(depth) +
                              "): put the intermediates in tls.crt after the leaf, or name the issuing CA in "
                              "spec.tlsCABundle");
  }

  // 5. Days left.
  const long days_left = static_cast<long>((*not_after - now_t) / kSecondsPerDay);
  if (days_left < min_days) {
    return CheckResult::Fail("ExpiresSoon", subject + " expires on " + until + " (" + std::to_string(days_left) +
                                                " days left, spec.minTLSDays is " + std::to_string(min_days) +
                                                "): renew it and update the Secret");
  }
  return CheckResult::Pass("CertificateValid", subject + " is valid until " + until + " (" +
                                                   std::to_string(days_left) + " days left)");
}

jd::StatusOr<std::string> LeafCertificateSha256(std::string_view cert_chain_pem) {
  auto chain = ParsePemCertificates(cert_chain_pem);
  if (!chain || chain->empty()) return jd::Error{"no PEM certificate parses in tls.crt"};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(chain->front().get(), EVP_sha256(), md, &length) != 1) {
    return jd::Error{"cannot compute the SHA-256 of the certificate"};
  }
  return Hex(md, length);
}

CheckResult CheckServedCertificate(std::string_view host_in, std::string_view secret_in,
                                   const jd::StatusOr<std::string>& expected_sha256,
                                   const jd::StatusOr<std::string>& served_sha256) {
  const std::string host(host_in);
  const std::string secret(secret_in);
  if (!expected_sha256.ok()) {
    return CheckResult::Fail("CertificateUnparsable", "Secret " + secret + " for domain " + host + ": " +
                                                          expected_sha256.error().message +
                                                          ": put the certificate chain there, leaf first, in PEM");
  }
  if (!served_sha256.ok()) {
    return CheckResult::Fail("EndpointUnreachable", "domain " + host + " could not be probed over TLS (" +
                                                        served_sha256.error().message +
                                                        "): check the Ingress and DNS for " + host);
  }
  if (expected_sha256.value() != served_sha256.value()) {
    return CheckResult::Fail("CertificateNotServed", "domain " + host +
                                                         " serves a different certificate than the one in Secret " +
                                                         secret + ": point the Ingress TLS for " + host +
                                                         " at Secret " + secret + " and wait for it to reload");
  }
  return CheckResult::Pass("CertificateServed", "domain " + host + " serves the certificate in Secret " + secret);
}

}  // namespace jd::env
