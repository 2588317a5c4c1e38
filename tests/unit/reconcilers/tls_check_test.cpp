// Tests for reconcilers/environment/tls_check and tls_prober. Every certificate and key is made
// here, at run time, with OpenSSL (no private keys committed); the prober runs against a tiny TLS
// server on 127.0.0.1 in a thread.
#include "reconcilers/environment/tls_check.h"
#include "reconcilers/environment/tls_prober.h"

#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/fake_clock.h"

namespace jd::env {
namespace {

// ---- certificate factory -------------------------------------------------------------------------

struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertDeleter {
  void operator()(X509* x) const { X509_free(x); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using CertPtr = std::unique_ptr<X509, CertDeleter>;

std::time_t Utc(int year, int month, int day, int hour = 0) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  return timegm(&tm);
}

constexpr long kDay = 86400;

struct CertSpec {
  std::string cn;
  std::vector<std::string> dns;
  std::time_t not_before;
  std::time_t not_after;
  bool ca = false;
  std::string eku = "serverAuth";
};

struct Issued {
  KeyPtr key;
  CertPtr cert;
};

void AddExt(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  ASSERT_NE(ext, nullptr) << "extension " << nid << " = " << value;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// issuer == nullptr: self-signed.
Issued Issue(const CertSpec& spec, const Issued* issuer) {
  static long serial = 1;
  Issued out{KeyPtr(EVP_EC_gen("P-256")), CertPtr(X509_new())};
  X509* cert = out.cert.get();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  ASN1_TIME_set(X509_getm_notBefore(cert), spec.not_before);
  ASN1_TIME_set(X509_getm_notAfter(cert), spec.not_after);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(spec.cn.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer->cert.get()) : name);
  X509_set_pubkey(cert, out.key.get());

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer->cert.get() : cert, cert, nullptr, nullptr, 0);
  AddExt(cert, &ctx, NID_basic_constraints, spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  AddExt(cert, &ctx, NID_key_usage, spec.ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  AddExt(cert, &ctx, NID_subject_key_identifier, "hash");
  AddExt(cert, &ctx, NID_authority_key_identifier, "keyid:always");
  if (!spec.ca && !spec.eku.empty()) AddExt(cert, &ctx, NID_ext_key_usage, spec.eku);
  if (!spec.dns.empty()) {
    std::string san;
    for (const auto& d : spec.dns) san += (san.empty() ? "DNS:" : ",DNS:") + d;
    AddExt(cert, &ctx, NID_subject_alt_name, san);
  }
  EXPECT_GT(X509_sign(cert, issuer ? issuer->key.get() : out.key.get(), EVP_sha256()), 0);
  return out;
}

std::string Pem(const X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, const_cast<X509*>(cert));
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, n);
  BIO_free(bio);
  return out;
}

std::string KeyPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, n);
  BIO_free(bio);
  return out;
}

// ---- HostMatchesPattern ----------------------------------------------------------------------------

TEST(TlsCheckTest, HostMatchesPattern) {
  struct Case {
    std::string pattern;
    std::string host;
    bool match;
  };
  const std::vector<Case> cases = {
      {"app.school.example", "app.school.example", true},
      {"APP.School.Example", "app.school.EXAMPLE", true},  // case-insensitive
      {"app.school.example.", "app.school.example", true},  // trailing dot
      {"app.school.example", "app.school.example.", true},
      {"app.school.example", "www.school.example", false},
      {"*.school.example", "app.school.example", true},
      {"*.school.example", "school.example", false},      // the bare domain is not covered
      {"*.school.example", "a.b.school.example", false},  // exactly one label
      {"*.school.example", ".school.example", false},     // empty label
      {"*.example", "school.example", false},             // wildcard over a single label
      {"*", "localhost", false},
      {"a*.school.example", "app.school.example", false},  // partial wildcards never match
      {"*pp.school.example", "app.school.example", false},
      {"app.*.example", "app.school.example", false},  // only the leftmost label
      {"*.*.example", "a.b.example", false},
      {"*.school.example", "*.school.example", false},  // a host is never a wildcard
      {"", "app.school.example", false},
      {"app.school.example", "", false},
      {"*.xn--rijschl-n2a.example", "app.xn--rijschl-n2a.example", true},  // IDN A-labels
  };
  for (const auto& c : cases) {
    EXPECT_EQ(HostMatchesPattern(c.pattern, c.host), c.match) << c.pattern << " vs " << c.host;
  }
}

// ---- CheckCertificate ---------------------------------------------------------------------------

class CertificateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = Issue({"JD Test Root", {}, Utc(2024, 1, 1), Utc(2034, 1, 1), true}, nullptr);
    intermediate_ = Issue({"JD Test Intermediate", {}, Utc(2024, 1, 1), Utc(2030, 1, 1), true}, &root_);
    other_root_ = Issue({"Other Root", {}, Utc(2024, 1, 1), Utc(2034, 1, 1), true}, nullptr);
  }

  jd::WallTime Now() const { return std::chrono::system_clock::from_time_t(now_); }

  const std::time_t now_ = Utc(2025, 6, 1);
  Issued root_, intermediate_, other_root_;
};

TEST_F(CertificateTest, Table) {
  const Issued leaf = Issue({"app.school.example", {"app.school.example", "www.school.example"}, Utc(2025, 5, 1),
                             Utc(2025, 8, 30)},
                            &intermediate_);
  const Issued wildcard = Issue({"*.school.example", {"*.school.example"}, Utc(2025, 5, 1), Utc(2025, 8, 30)},
                                &intermediate_);
  const Issued direct = Issue({"app.school.example", {"app.school.example"}, Utc(2025, 5, 1), Utc(2025, 8, 30)},
                              &root_);
  const Issued expired = Issue({"app.school.example", {"app.school.example"}, Utc(2025, 1, 1), Utc(2025, 5, 31, 23)},
                               &intermediate_);
  const Issued future = Issue({"app.school.example", {"app.school.example"}, Utc(2025, 7, 1), Utc(2025, 10, 1)},
                              &intermediate_);
  const Issued other_host = Issue({"other.example", {"other.example", "www.other.example"}, Utc(2025, 5, 1),
                                   Utc(2025, 8, 30)},
                                  &intermediate_);
  const Issued cn_only = Issue({"app.school.example", {}, Utc(2025, 5, 1), Utc(2025, 8, 30)}, &intermediate_);
  const Issued self_signed = Issue({"app.school.example", {"app.school.example"}, Utc(2025, 5, 1), Utc(2025, 8, 30)},
                                   nullptr);
  const Issued foreign = Issue({"app.school.example", {"app.school.example"}, Utc(2025, 5, 1), Utc(2025, 8, 30)},
                               &other_root_);
  const Issued soon = Issue({"app.school.example", {"app.school.example"}, Utc(2025, 5, 1), Utc(2025, 6, 10, 1)},
                            &intermediate_);
  const Issued exactly_min = Issue({"app.school.example", {"app.school.example"}, Utc(2025, 5, 1), Utc(2025, 6, 15)},
                                   &intermediate_);
  const Issued client_only = Issue({"app.school.example", {"app.school.example"}, Utc(2025, 5, 1), Utc(2025, 8, 30),
                                    false, "clientAuth"},
                                   &intermediate_);

  const std::string bundle = Pem(other_root_.cert.get()) + Pem(root_.cert.get());
  const std::string inter = Pem(intermediate_.cert.get());
  const std::string host = "app.school.example";
  const std::string subject = "certificate for domain app.school.example in Secret app-school-tls";
  std::string corrupt = Pem(leaf.cert.get());
  corrupt[100] = corrupt[100] == 'A' ? 'B' : 'A';
  corrupt.erase(120, 40);

  struct Case {
    std::string name;
    std::string chain;
    std::string bundle;
    std::string host;
    int min_days;
    bool ok;
    std::string reason;
    std::string message;  // exact
  };
  const std::vector<Case> cases = {
      {"leaf + intermediate to root", Pem(leaf.cert.get()) + inter, bundle, host, 14, true, "CertificateValid",
       subject + " is valid until 2025-08-30T00:00:00Z (90 days left)"},
      {"second SAN", Pem(leaf.cert.get()) + inter, bundle, "www.school.example", 14, true, "CertificateValid",
       "certificate for domain www.school.example in Secret app-school-tls is valid until 2025-08-30T00:00:00Z (90 "
       "days left)"},
      {"wildcard", Pem(wildcard.cert.get()) + inter, bundle, host, 14, true, "CertificateValid",
       subject + " is valid until 2025-08-30T00:00:00Z (90 days left)"},
      {"signed by the root directly", Pem(direct.cert.get()), bundle, host, 14, true, "CertificateValid",
       subject + " is valid until 2025-08-30T00:00:00Z (90 days left)"},
      {"bundle names the intermediate only (partial chain)", Pem(leaf.cert.get()), inter, host, 14, true,
       "CertificateValid", subject + " is valid until 2025-08-30T00:00:00Z (90 days left)"},
      {"self-signed certificate in the bundle", Pem(self_signed.cert.get()), Pem(self_signed.cert.get()), host, 14,
       true, "CertificateValid", subject + " is valid until 2025-08-30T00:00:00Z (90 days left)"},
      {"exactly min days left", Pem(exactly_min.cert.get()) + inter, bundle, host, 14, true, "CertificateValid",
       subject + " is valid until 2025-06-15T00:00:00Z (14 days left)"},
      {"empty tls.crt", "", bundle, host, 14, false, "CertificateUnparsable",
       "Secret app-school-tls for domain app.school.example holds no PEM certificate in key tls.crt: put the "
       "certificate chain there, leaf first, in PEM"},
      {"not PEM", "hello", bundle, host, 14, false, "CertificateUnparsable",
       "Secret app-school-tls for domain app.school.example holds no PEM certificate in key tls.crt: put the "
       "certificate chain there, leaf first, in PEM"},
      {"only a private key", KeyPem(leaf.key.get()), bundle, host, 14, false, "CertificateUnparsable",
       "Secret app-school-tls for domain app.school.example holds no PEM certificate in key tls.crt: put the "
       "certificate chain there, leaf first, in PEM"},
      {"corrupt PEM", corrupt, bundle, host, 14, false, "CertificateUnparsable",
       "Secret app-school-tls for domain app.school.example holds a PEM certificate that does not parse in key "
       "tls.crt: put the certificate chain there, leaf first, in PEM"},
      {"expired", Pem(expired.cert.get()) + inter, bundle, host, 14, false, "Expired",
       subject + " expired on 2025-05-31T23:00:00Z: renew it and update the Secret"},
      {"not yet valid", Pem(future.cert.get()) + inter, bundle, host, 14, false, "NotYetValid",
       subject + " is not valid before 2025-07-01T00:00:00Z (not after 2025-10-01T00:00:00Z): use a certificate "
                 "that is valid now, or check the issuer's clock"},
      {"another host", Pem(other_host.cert.get()) + inter, bundle, host, 14, false, "HostMismatch",
       "certificate in Secret app-school-tls (not after 2025-08-30T00:00:00Z) does not cover domain "
       "app.school.example (subjectAltName DNS names: other.example, www.other.example): issue a certificate whose "
       "subjectAltName includes app.school.example"},
      {"wildcard does not cover the apex", Pem(wildcard.cert.get()) + inter, bundle, "school.example", 14, false,
       "HostMismatch",
       "certificate in Secret app-school-tls (not after 2025-08-30T00:00:00Z) does not cover domain school.example "
       "(subjectAltName DNS names: *.school.example): issue a certificate whose subjectAltName includes "
       "school.example"},
      {"CN without SAN is not enough", Pem(cn_only.cert.get()) + inter, bundle, host, 14, false, "HostMismatch",
       "certificate in Secret app-school-tls (not after 2025-08-30T00:00:00Z) does not cover domain "
       "app.school.example (subjectAltName DNS names: none): issue a certificate whose subjectAltName includes "
       "app.school.example"},
      {"intermediate missing from tls.crt", Pem(leaf.cert.get()), bundle, host, 14, false, "UntrustedChain",
       subject + " (not after 2025-08-30T00:00:00Z) does not chain to a trusted CA: unable to get local issuer "
                 "certificate (at depth 0): put the intermediates in tls.crt after the leaf, or name the issuing CA "
                 "in spec.tlsCABundle"},
      {"self-signed", Pem(self_signed.cert.get()), bundle, host, 14, false, "UntrustedChain",
       subject + " (not after 2025-08-30T00:00:00Z) does not chain to a trusted CA: self-signed certificate (at "
                 "depth 0): put the intermediates in tls.crt after the leaf, or name the issuing CA in "
                 "spec.tlsCABundle"},
      {"issued by a CA outside the bundle", Pem(foreign.cert.get()), Pem(root_.cert.get()), host, 14, false,
       "UntrustedChain",
       subject + " (not after 2025-08-30T00:00:00Z) does not chain to a trusted CA: unable to get local issuer "
                 "certificate (at depth 0): put the intermediates in tls.crt after the leaf, or name the issuing CA "
                 "in spec.tlsCABundle"},
      {"not for TLS servers", Pem(client_only.cert.get()) + inter, bundle, host, 14, false, "UntrustedChain",
       subject + " (not after 2025-08-30T00:00:00Z) does not chain to a trusted CA: unsuitable certificate purpose "
                 "(at depth 0): put the intermediates in tls.crt after the leaf, or name the issuing CA in "
                 "spec.tlsCABundle"},
      {"empty CA bundle", Pem(leaf.cert.get()) + inter, "", host, 14, false, "InvalidCABundle",
       "the CA bundle used to check the " + subject +
           " holds no PEM certificate: fix spec.tlsCABundle (or unset it to use the system bundle)"},
      {"expires soon", Pem(soon.cert.get()) + inter, bundle, host, 14, false, "ExpiresSoon",
       subject + " expires on 2025-06-10T01:00:00Z (9 days left, spec.minTLSDays is 14): renew it and update the "
                 "Secret"},
      {"one day short", Pem(exactly_min.cert.get()) + inter, bundle, host, 15, false, "ExpiresSoon",
       subject + " expires on 2025-06-15T00:00:00Z (14 days left, spec.minTLSDays is 15): renew it and update the "
                 "Secret"},
      {"min days 0 accepts the last day", Pem(soon.cert.get()) + inter, bundle, host, 0, true, "CertificateValid",
       subject + " is valid until 2025-06-10T01:00:00Z (9 days left)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const CheckResult r = CheckCertificate(c.chain, c.bundle, c.host, "app-school-tls", Now(), c.min_days);
    EXPECT_EQ(r.ok, c.ok);
    EXPECT_EQ(r.reason, c.reason);
    EXPECT_EQ(r.message, c.message);
  }
}

TEST_F(CertificateTest, VerifiesAtTheGivenTimeNotTheRealClock) {
  // Everything lives in the 2030s: only a verifier that uses `now` (not the machine's clock) accepts it.
  const Issued root = Issue({"Future Root", {}, Utc(2030, 1, 1), Utc(2040, 1, 1), true}, nullptr);
  const Issued leaf = Issue({"app.school.example", {"app.school.example"}, Utc(2030, 1, 1), Utc(2030, 12, 1)}, &root);
  const auto at = [](std::time_t t) { return std::chrono::system_clock::from_time_t(t); };
  const std::string chain = Pem(leaf.cert.get());
  const std::string bundle = Pem(root.cert.get());

  EXPECT_EQ(CheckCertificate(chain, bundle, "app.school.example", "s", at(Utc(2030, 6, 1)), 14).reason,
            "CertificateValid");
  EXPECT_EQ(CheckCertificate(chain, bundle, "app.school.example", "s", at(Utc(2029, 6, 1)), 14).reason,
            "NotYetValid");
  EXPECT_EQ(CheckCertificate(chain, bundle, "app.school.example", "s", at(Utc(2030, 11, 20)), 14).reason,
            "ExpiresSoon");
  EXPECT_EQ(CheckCertificate(chain, bundle, "app.school.example", "s", at(Utc(2031, 1, 1)), 14).reason, "Expired");
}

TEST_F(CertificateTest, ExpiredIntermediateBreaksTheChain) {
  const Issued old_intermediate = Issue({"Old Intermediate", {}, Utc(2024, 1, 1), Utc(2025, 5, 1), true}, &root_);
  const Issued leaf = Issue({"app.school.example", {"app.school.example"}, Utc(2025, 1, 1), Utc(2025, 9, 1)},
                            &old_intermediate);
  const CheckResult r = CheckCertificate(Pem(leaf.cert.get()) + Pem(old_intermediate.cert.get()),
                                         Pem(root_.cert.get()), "app.school.example", "app-school-tls", Now(), 14);
  EXPECT_EQ(r.reason, "UntrustedChain");
  EXPECT_NE(r.message.find("certificate has expired (at depth 1)"), std::string::npos) << r.message;
}

TEST_F(CertificateTest, SystemBundleDoesNotTrustTestCertificates) {
  std::ifstream in(kSystemCABundlePath);
  ASSERT_TRUE(in) << "ca-certificates is not installed";
  std::stringstream system_bundle;
  system_bundle << in.rdbuf();
  const Issued leaf = Issue({"app.school.example", {"app.school.example"}, Utc(2025, 5, 1), Utc(2025, 8, 30)},
                            &intermediate_);
  const CheckResult r = CheckCertificate(Pem(leaf.cert.get()) + Pem(intermediate_.cert.get()), system_bundle.str(),
                                         "app.school.example", "app-school-tls", Now(), 14);
  EXPECT_EQ(r.reason, "UntrustedChain");
  EXPECT_NE(r.message.find("unable to get local issuer certificate (at depth 1)"), std::string::npos) << r.message;
}

TEST_F(CertificateTest, LeafFingerprintAndServedCertificate) {
  const Issued leaf = Issue({"app.school.example", {"app.school.example"}, Utc(2025, 5, 1), Utc(2025, 8, 30)},
                            &intermediate_);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  ASSERT_EQ(X509_digest(leaf.cert.get(), EVP_sha256(), md, &n), 1);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", md[i]);
    hex += buf;
  }
  auto sha = LeafCertificateSha256(Pem(leaf.cert.get()) + Pem(intermediate_.cert.get()));
  ASSERT_TRUE(sha.ok());
  EXPECT_EQ(sha.value(), hex);  // the leaf's, not the intermediate's
  EXPECT_FALSE(LeafCertificateSha256("junk").ok());

  struct Case {
    std::string name;
    jd::StatusOr<std::string> expected;
    jd::StatusOr<std::string> served;
    bool ok;
    std::string reason;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"same", hex, hex, true, "CertificateServed", "domain app.school.example serves the certificate in Secret app-tls"},
      {"different", hex, std::string(64, '0'), false, "CertificateNotServed",
       "domain app.school.example serves a different certificate than the one in Secret app-tls: point the Ingress "
       "TLS for app.school.example at Secret app-tls and wait for it to reload"},
      {"unreachable", hex, jd::Error{"tls probe app.school.example:443: connect: Connection refused"}, false,
       "EndpointUnreachable",
       "domain app.school.example could not be probed over TLS (tls probe app.school.example:443: connect: "
       "Connection refused): check the Ingress and DNS for app.school.example"},
      {"secret unparsable", LeafCertificateSha256("junk"), hex, false, "CertificateUnparsable",
       "Secret app-tls for domain app.school.example: no PEM certificate parses in tls.crt: put the certificate "
       "chain there, leaf first, in PEM"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const CheckResult r = CheckServedCertificate("app.school.example", "app-tls", c.expected, c.served);
    EXPECT_EQ(r.ok, c.ok);
    EXPECT_EQ(r.reason, c.reason);
    EXPECT_EQ(r.message, c.message);
  }
}

// ---- TlsProber against an in-test server -------------------------------------------------------------

// Accepts one connection on 127.0.0.1 in a thread. With a certificate it completes a TLS handshake
// (recording the SNI it was sent); without, it accepts TCP and stays silent until destroyed.
class TinyTlsServer {
 public:
  TinyTlsServer(X509* cert, EVP_PKEY* key) : cert_(cert), key_(key) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_fd_, 4), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~TinyTlsServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }
  // Waits for the one connection to be handled; then sni() is safe to read.
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  const std::string& sni() const { return sni_; }
  const std::string& error() const { return error_; }

 private:
  void Serve() {
    // A client that hangs up mid-write must not kill the test binary.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);

    int fd = -1;
    while (!stop_ && fd < 0) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    }
    if (fd < 0) return;
    if (cert_ == nullptr) {
      while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ::close(fd);
      return;
    }
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx, cert_);
    SSL_CTX_use_PrivateKey(ctx, key_);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
      sni_ = name ? name : "";
    } else {
      error_ = "handshake failed";
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ::close(fd);
  }

  X509* cert_;
  EVP_PKEY* key_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::string sni_;
  std::string error_;
  std::thread thread_;
};

TEST_F(CertificateTest, ProberReturnsTheServedLeafFingerprintAndSendsSni) {
  const Issued leaf = Issue({"app.school.example", {"app.school.example"}, Utc(2025, 5, 1), Utc(2025, 8, 30)},
                            &intermediate_);
  TinyTlsServer server(leaf.cert.get(), leaf.key.get());
  jd::FakeClock clock;
  OpenSslTlsProber prober(clock);
  auto sha = prober.PeerCertificateSha256("127.0.0.1", server.port(), "app.school.example", std::chrono::seconds(5));
  server.Join();
  ASSERT_TRUE(sha.ok()) << sha.error().message;
  EXPECT_EQ(sha.value(), LeafCertificateSha256(Pem(leaf.cert.get())).value());
  EXPECT_EQ(server.sni(), "app.school.example");
  EXPECT_EQ(server.error(), "");
  EXPECT_TRUE(CheckServedCertificate("app.school.example", "app-school-tls", LeafCertificateSha256(Pem(leaf.cert.get())),
                                     sha)
                  .ok);

  // A different certificate on the endpoint is told apart.
  const Issued other = Issue({"app.school.example", {"app.school.example"}, Utc(2025, 5, 1), Utc(2025, 8, 30)},
                             &intermediate_);
  EXPECT_EQ(CheckServedCertificate("app.school.example", "app-school-tls",
                                   LeafCertificateSha256(Pem(other.cert.get())), sha)
                .reason,
            "CertificateNotServed");
}

TEST_F(CertificateTest, ProberWithoutSniAndWithAnExpiredCertificate) {
  // No verification in the prober: an expired, self-signed certificate is still fingerprinted.
  const Issued expired = Issue({"old.example", {"old.example"}, Utc(2020, 1, 1), Utc(2021, 1, 1)}, nullptr);
  TinyTlsServer server(expired.cert.get(), expired.key.get());
  jd::FakeClock clock;
  OpenSslTlsProber prober(clock);
  auto sha = prober.PeerCertificateSha256("127.0.0.1", server.port(), "", std::chrono::seconds(5));
  server.Join();
  ASSERT_TRUE(sha.ok()) << sha.error().message;
  EXPECT_EQ(sha.value(), LeafCertificateSha256(Pem(expired.cert.get())).value());
  EXPECT_EQ(server.sni(), "");
}

TEST(TlsProberTest, ConnectionRefused) {
  // Take a free port and release it: nothing listens there.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(fd);

  jd::FakeClock clock;
  OpenSslTlsProber prober(clock);
  auto sha = prober.PeerCertificateSha256("127.0.0.1", port, "app.school.example", std::chrono::seconds(2));
  ASSERT_FALSE(sha.ok());
  EXPECT_EQ(sha.error().message, "tls probe 127.0.0.1:" + std::to_string(port) + ": connect: Connection refused");
}

TEST(TlsProberTest, SilentServerTimesOut) {
  TinyTlsServer server(nullptr, nullptr);
  jd::FakeClock clock;
  OpenSslTlsProber prober(clock);
  const auto start = std::chrono::steady_clock::now();
  auto sha = prober.PeerCertificateSha256("127.0.0.1", server.port(), "app.school.example",
                                          std::chrono::milliseconds(200));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(sha.ok());
  EXPECT_EQ(sha.error().message, "tls probe 127.0.0.1:" + std::to_string(server.port()) + ": handshake timed out");
  EXPECT_LT(took, std::chrono::seconds(3));
}

}  // namespace
}  // namespace jd::env
