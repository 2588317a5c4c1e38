// Tests for certs.h, checked with OpenSSL itself: chain verification at a chosen time,
// hostname/IP checks, extensions and validity windows. No test reads the real clock.
#include "certs.h"

#include <arpa/inet.h>

#include <chrono>
#include <ctime>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include "openssl_ptr.h"

namespace kubesim {
namespace {

using namespace std::chrono_literals;
using TimePoint = CertRequest::TimePoint;

const TimePoint kNow = std::chrono::sys_days{std::chrono::year{2025} / 1 / 15} + 12h;

time_t T(TimePoint t) { return std::chrono::system_clock::to_time_t(t); }

X509Ptr Cert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

EvpPkeyPtr Key(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return EvpPkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

// X509_V_OK, or the verification error, for `leaf` against `ca` at time `at` as a TLS server.
int Verify(X509* leaf, X509* ca, TimePoint at, const char* host = nullptr, const char* ip = nullptr) {
  X509StorePtr store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca);
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, T(at));
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  if (host != nullptr) X509_VERIFY_PARAM_set1_host(param, host, 0);
  if (ip != nullptr) X509_VERIFY_PARAM_set1_ip_asc(param, ip);
  return X509_verify_cert(ctx.get()) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx.get());
}

std::set<std::string> SubjectAltNames(X509* cert) {
  std::set<std::string> out;
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    if (n->type == GEN_DNS) {
      const ASN1_STRING* s = n->d.dNSName;
      out.insert("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                      static_cast<size_t>(ASN1_STRING_length(s))));
    } else if (n->type == GEN_IPADD) {
      const ASN1_STRING* s = n->d.iPAddress;
      char buf[INET6_ADDRSTRLEN] = {};
      const int family = ASN1_STRING_length(s) == 4 ? AF_INET : AF_INET6;
      inet_ntop(family, ASN1_STRING_get0_data(s), buf, sizeof buf);
      out.insert(std::string("IP:") + buf);
    }
  }
  return out;
}

std::string SubjectText(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

CertRequest ServingRequest() {
  CertRequest req;
  req.dns_names = {"localhost", "kube-sim.local"};
  req.ip_addresses = {"127.0.0.1", "::1"};
  req.now = kNow;
  return req;
}

CertBundle MustGenerate(const CertRequest& req) {
  Result<CertBundle> b = GenerateCaAndServingCert(req);
  EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
  return b.ok() ? b.value() : CertBundle{};
}

TEST(GenerateCaAndServingCertTest, ServingCertVerifiesAgainstTheCa) {
  const CertBundle b = MustGenerate(ServingRequest());
  X509Ptr ca = Cert(b.ca_cert_pem);
  X509Ptr leaf = Cert(b.cert_pem);
  ASSERT_TRUE(ca && leaf);
  EXPECT_EQ(Verify(leaf.get(), ca.get(), kNow), X509_V_OK);
  EXPECT_EQ(Verify(leaf.get(), ca.get(), kNow + 24h, "localhost"), X509_V_OK);
  EXPECT_EQ(Verify(leaf.get(), ca.get(), kNow, "kube-sim.local"), X509_V_OK);
  EXPECT_EQ(Verify(leaf.get(), ca.get(), kNow, nullptr, "127.0.0.1"), X509_V_OK);
  EXPECT_EQ(Verify(leaf.get(), ca.get(), kNow, nullptr, "::1"), X509_V_OK);
  EXPECT_EQ(Verify(leaf.get(), ca.get(), kNow, "example.com"), X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(Verify(leaf.get(), ca.get(), kNow, nullptr, "10.0.0.1"), X509_V_ERR_IP_ADDRESS_MISMATCH);
}

TEST(GenerateCaAndServingCertTest, CaIsASelfSignedTenYearCa) {
  const CertBundle b = MustGenerate(ServingRequest());
  X509Ptr ca = Cert(b.ca_cert_pem);
  EvpPkeyPtr ca_key = Key(b.ca_key_pem);
  ASSERT_TRUE(ca && ca_key);
  EXPECT_EQ(X509_check_private_key(ca.get(), ca_key.get()), 1);
  EXPECT_EQ(X509_verify(ca.get(), ca_key.get()), 1);  // self-signed
  EXPECT_GE(X509_check_ca(ca.get()), 1);
  EXPECT_TRUE(X509_get_extension_flags(ca.get()) & EXFLAG_CA);
  const uint32_t ku = X509_get_key_usage(ca.get());
  EXPECT_TRUE(ku & KU_KEY_CERT_SIGN);
  EXPECT_TRUE(ku & KU_CRL_SIGN);
  EXPECT_EQ(SubjectText(ca.get()), "CN=kube-sim-ca");
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notBefore(ca.get()), T(kNow)), 0);
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notAfter(ca.get()), T(kNow + 24h * 3650)), 0);
  // The CA is its own trust anchor.
  EXPECT_EQ(Verify(ca.get(), ca.get(), kNow + 24h * 3000), X509_V_OK);
}

TEST(GenerateCaAndServingCertTest, ServingCertShape) {
  const CertBundle b = MustGenerate(ServingRequest());
  X509Ptr leaf = Cert(b.cert_pem);
  EvpPkeyPtr key = Key(b.key_pem);
  ASSERT_TRUE(leaf && key);
  EXPECT_EQ(X509_check_private_key(leaf.get(), key.get()), 1);
  EXPECT_EQ(EVP_PKEY_get_base_id(key.get()), EVP_PKEY_EC);
  EXPECT_EQ(X509_check_ca(leaf.get()), 0);
  EXPECT_TRUE(X509_get_extended_key_usage(leaf.get()) & XKU_SSL_SERVER);
  EXPECT_FALSE(X509_get_extended_key_usage(leaf.get()) & XKU_SSL_CLIENT);
  EXPECT_TRUE(X509_get_key_usage(leaf.get()) & KU_DIGITAL_SIGNATURE);
  EXPECT_EQ(SubjectAltNames(leaf.get()),
            (std::set<std::string>{"DNS:localhost", "DNS:kube-sim.local", "IP:127.0.0.1", "IP:::1"}));
  EXPECT_EQ(SubjectText(leaf.get()), "CN=kube-sim");
  // Default validity: one year from now.
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notBefore(leaf.get()), T(kNow)), 0);
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notAfter(leaf.get()), T(kNow + 24h * 365)), 0);
  EXPECT_NE(b.key_pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  EXPECT_NE(b.cert_pem.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
}

TEST(GenerateCaAndServingCertTest, RsaKeysAndCustomValidity) {
  CertRequest req = ServingRequest();
  req.key_algorithm = KeyAlgorithm::kRsa2048;
  req.validity = 48h;
  const CertBundle b = MustGenerate(req);
  X509Ptr ca = Cert(b.ca_cert_pem);
  X509Ptr leaf = Cert(b.cert_pem);
  EvpPkeyPtr key = Key(b.key_pem);
  EvpPkeyPtr ca_key = Key(b.ca_key_pem);
  ASSERT_TRUE(ca && leaf && key && ca_key);
  EXPECT_EQ(EVP_PKEY_get_base_id(key.get()), EVP_PKEY_RSA);
  EXPECT_EQ(EVP_PKEY_get_bits(key.get()), 2048);
  EXPECT_EQ(EVP_PKEY_get_base_id(ca_key.get()), EVP_PKEY_RSA);
  EXPECT_TRUE(X509_get_key_usage(leaf.get()) & KU_KEY_ENCIPHERMENT);
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notAfter(leaf.get()), T(kNow + 48h)), 0);
  EXPECT_EQ(Verify(leaf.get(), ca.get(), kNow + 47h, "localhost"), X509_V_OK);
  EXPECT_EQ(Verify(leaf.get(), ca.get(), kNow + 49h, "localhost"), X509_V_ERR_CERT_HAS_EXPIRED);
}

TEST(IssueCertTest, ValidityWindowsAsAsked) {
  const CertBundle ca = MustGenerate(ServingRequest());
  X509Ptr ca_cert = Cert(ca.ca_cert_pem);
  struct Case {
    const char* name;
    TimePoint not_before, not_after;
    TimePoint verify_at;
    int want;
  };
  const Case cases[] = {
      {"expired", kNow - 48h, kNow - 24h, kNow, X509_V_ERR_CERT_HAS_EXPIRED},
      {"soon expiring, still valid", kNow - 24h, kNow + 1h, kNow, X509_V_OK},
      {"soon expiring, an hour later", kNow - 24h, kNow + 1h, kNow + 2h, X509_V_ERR_CERT_HAS_EXPIRED},
      {"not yet valid", kNow + 24h, kNow + 48h, kNow, X509_V_ERR_CERT_NOT_YET_VALID},
      {"long lived", kNow, kNow + 24h * 800, kNow + 24h * 700, X509_V_OK},
  };
  for (const Case& c : cases) {
    CertRequest req = ServingRequest();
    req.not_before = c.not_before;
    req.not_after = c.not_after;
    Result<CertBundle> b = IssueCert(ca.ca_cert_pem, ca.ca_key_pem, req);
    ASSERT_TRUE(b.ok()) << c.name << ": " << b.error().message;
    X509Ptr leaf = Cert(b.value().cert_pem);
    ASSERT_TRUE(leaf) << c.name;
    EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notBefore(leaf.get()), T(c.not_before)), 0) << c.name;
    EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notAfter(leaf.get()), T(c.not_after)), 0) << c.name;
    EXPECT_EQ(Verify(leaf.get(), ca_cert.get(), c.verify_at, "localhost"), c.want) << c.name;
    EXPECT_EQ(X509_check_private_key(leaf.get(), Key(b.value().key_pem).get()), 1) << c.name;
  }
}

TEST(IssueCertTest, WrongHostAndForeignCa) {
  const CertBundle ca = MustGenerate(ServingRequest());
  const CertBundle other = MustGenerate(ServingRequest());
  CertRequest req = ServingRequest();
  req.dns_names = {"wrong.example"};
  req.ip_addresses = {"10.9.8.7"};
  Result<CertBundle> b = IssueCert(ca.ca_cert_pem, ca.ca_key_pem, req);
  ASSERT_TRUE(b.ok()) << b.error().message;
  X509Ptr leaf = Cert(b.value().cert_pem);
  X509Ptr ca_cert = Cert(ca.ca_cert_pem);
  X509Ptr other_ca = Cert(other.ca_cert_pem);
  EXPECT_EQ(Verify(leaf.get(), ca_cert.get(), kNow, "wrong.example"), X509_V_OK);
  EXPECT_EQ(Verify(leaf.get(), ca_cert.get(), kNow, "localhost"), X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(Verify(leaf.get(), ca_cert.get(), kNow, nullptr, "127.0.0.1"), X509_V_ERR_IP_ADDRESS_MISMATCH);
  EXPECT_EQ(Verify(leaf.get(), other_ca.get(), kNow), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  // The bundle carries the issuing CA back.
  X509Ptr returned_ca = Cert(b.value().ca_cert_pem);
  EXPECT_EQ(X509_cmp(returned_ca.get(), ca_cert.get()), 0);
}

TEST(IssueCertTest, ClientCertWithOrganizations) {
  const CertBundle ca = MustGenerate(ServingRequest());
  CertRequest req;
  req.now = kNow;
  req.common_name = "admin";
  req.organizations = {"system:masters"};
  req.server_auth = false;
  req.client_auth = true;
  Result<CertBundle> b = IssueCert(ca.ca_cert_pem, ca.ca_key_pem, req);
  ASSERT_TRUE(b.ok()) << b.error().message;
  X509Ptr leaf = Cert(b.value().cert_pem);
  EXPECT_EQ(SubjectText(leaf.get()), "CN=admin,O=system:masters");
  EXPECT_TRUE(X509_get_extended_key_usage(leaf.get()) & XKU_SSL_CLIENT);
  EXPECT_FALSE(X509_get_extended_key_usage(leaf.get()) & XKU_SSL_SERVER);
  EXPECT_TRUE(SubjectAltNames(leaf.get()).empty());
}

TEST(IssueCertTest, SerialNumbersDiffer) {
  const CertBundle ca = MustGenerate(ServingRequest());
  Result<CertBundle> a = IssueCert(ca.ca_cert_pem, ca.ca_key_pem, ServingRequest());
  Result<CertBundle> b = IssueCert(ca.ca_cert_pem, ca.ca_key_pem, ServingRequest());
  ASSERT_TRUE(a.ok() && b.ok());
  X509Ptr ca_cert = Cert(a.value().cert_pem);
  X509Ptr cb_cert = Cert(b.value().cert_pem);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(ca_cert.get()), X509_get0_serialNumber(cb_cert.get())), 0);
}

TEST(IssueCertTest, Errors) {
  const CertBundle ca = MustGenerate(ServingRequest());
  const CertBundle other = MustGenerate(ServingRequest());
  struct Case {
    const char* name;
    std::string ca_cert, ca_key;
    CertRequest req;
    const char* message;
  };
  CertRequest bad_ip = ServingRequest();
  bad_ip.ip_addresses = {"300.1.1.1"};
  CertRequest bad_dns = ServingRequest();
  bad_dns.dns_names = {"has space"};
  CertRequest empty_dns = ServingRequest();
  empty_dns.dns_names = {""};
  CertRequest backwards = ServingRequest();
  backwards.not_before = kNow;
  backwards.not_after = kNow - 1h;
  const std::vector<Case> cases = {
      {"garbage CA cert", "not a pem", ca.ca_key_pem, ServingRequest(), "the CA certificate is not a PEM certificate"},
      {"garbage CA key", ca.ca_cert_pem, "nope", ServingRequest(), "the CA key is not an unencrypted PEM private key"},
      {"key of another CA", ca.ca_cert_pem, other.ca_key_pem, ServingRequest(),
       "the CA key does not match the CA certificate"},
      {"bad IP", ca.ca_cert_pem, ca.ca_key_pem, bad_ip, "invalid IP address \"300.1.1.1\""},
      {"bad DNS", ca.ca_cert_pem, ca.ca_key_pem, bad_dns, "invalid DNS name \"has space\""},
      {"empty DNS", ca.ca_cert_pem, ca.ca_key_pem, empty_dns, "invalid DNS name \"\""},
      {"backwards window", ca.ca_cert_pem, ca.ca_key_pem, backwards, "not_after must be later than not_before"},
  };
  for (const Case& c : cases) {
    Result<CertBundle> b = IssueCert(c.ca_cert, c.ca_key, c.req);
    ASSERT_FALSE(b.ok()) << c.name;
    EXPECT_EQ(b.error().code, 400) << c.name;
    EXPECT_EQ(b.error().reason, "BadRequest") << c.name;
    EXPECT_EQ(b.error().message, std::string("invalid certificate request: ") + c.message) << c.name;
  }
  // GenerateCaAndServingCert validates the same way.
  Result<CertBundle> g = GenerateCaAndServingCert(bad_ip);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, 400);
}

}  // namespace
}  // namespace kubesim
