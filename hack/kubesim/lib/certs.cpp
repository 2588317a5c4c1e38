// certs.cpp — see certs.h.
#include "certs.h"

#include <ctime>
#include <string>
#include <utility>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "openssl_ptr.h"

namespace kubesim {
namespace {

using TimePoint = CertRequest::TimePoint;

// A 500 carrying (and clearing) OpenSSL's error queue.
ApiError OpenSslError(const std::string& what) {
  std::string msg = "certificate generation failed: " + what;
  unsigned long code = 0;
  bool first = true;
  while ((code = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    msg += first ? ": " : "; ";
    msg += buf;
    first = false;
  }
  return ApiError::Internal(std::move(msg));
}

ApiError BadRequest(const std::string& what) {
  ERR_clear_error();
  return ApiError::BadRequest("invalid certificate request: " + what);
}

Result<EvpPkeyPtr> GenerateKey(KeyAlgorithm algorithm) {
  EvpPkeyPtr key(algorithm == KeyAlgorithm::kRsa2048 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("key generation");
  return key;
}

Result<std::string> PemOf(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return OpenSslError("PEM_write_bio_X509");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

Result<std::string> PemOf(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError("PEM_write_bio_PrivateKey");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

// Never prompts on a terminal for a passphrase: encrypted keys are simply unreadable.
int NoPassphrase(char*, int, int, void*) { return 0; }

Result<X509Ptr> ReadCert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslError("BIO_new_mem_buf");
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!cert) return BadRequest("the CA certificate is not a PEM certificate");
  return cert;
}

Result<EvpPkeyPtr> ReadKey(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslError("BIO_new_mem_buf");
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) return BadRequest("the CA key is not an unencrypted PEM private key");
  return key;
}

// 127 random bits: positive and at most 16 bytes, as RFC 5280 asks.
bool SetRandomSerial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return false;
  bytes[0] &= 0x7F;
  bytes[0] |= 0x01;  // never zero
  BignumPtr bn(BN_bin2bn(bytes, sizeof bytes, nullptr));
  return bn && BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) != nullptr;
}

bool AddNameEntry(X509_NAME* name, const char* field, const std::string& value) {
  return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.data()),
                                    static_cast<int>(value.size()), -1, 0) == 1;
}

// Adds an extension described in openssl.cnf syntax ("critical,CA:TRUE").
bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// subjectAltName from DNS names and IP addresses; built from GENERAL_NAMEs so no request text
// is ever parsed as configuration.
Result<bool> AddSubjectAltNames(X509* cert, const CertRequest& req) {
  if (req.dns_names.empty() && req.ip_addresses.empty()) return false;
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return OpenSslError("sk_GENERAL_NAME_new_null");
  for (const std::string& dns : req.dns_names) {
    bool ok = !dns.empty();
    for (char c : dns) ok = ok && c > ' ' && c < 0x7F && c != ',';
    if (!ok) return BadRequest("invalid DNS name \"" + dns + "\"");
    GeneralNamePtr name(a2i_GENERAL_NAME(nullptr, nullptr, nullptr, GEN_DNS, dns.c_str(), 0));
    if (!name) return OpenSslError("DNS name \"" + dns + "\"");
    if (sk_GENERAL_NAME_push(names.get(), name.get()) == 0) return OpenSslError("sk_GENERAL_NAME_push");
    name.release();  // owned by `names` now
  }
  for (const std::string& ip : req.ip_addresses) {
    GeneralNamePtr name(a2i_GENERAL_NAME(nullptr, nullptr, nullptr, GEN_IPADD, ip.c_str(), 0));
    if (!name) return BadRequest("invalid IP address \"" + ip + "\"");
    if (sk_GENERAL_NAME_push(names.get(), name.get()) == 0) return OpenSslError("sk_GENERAL_NAME_push");
    name.release();
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslError("subjectAltName");
  }
  return true;
}

TimePoint Now(const CertRequest& req) { return req.now ? *req.now : std::chrono::system_clock::now(); }

bool SetValidity(X509* cert, TimePoint not_before, TimePoint not_after) {
  const time_t nb = std::chrono::system_clock::to_time_t(not_before);
  const time_t na = std::chrono::system_clock::to_time_t(not_after);
  return ASN1_TIME_set(X509_getm_notBefore(cert), nb) != nullptr &&
         ASN1_TIME_set(X509_getm_notAfter(cert), na) != nullptr;
}

// The parts every certificate shares: version 3, serial, subject, issuer, validity, key.
Result<X509Ptr> NewCert(const std::string& common_name, const std::vector<std::string>& organizations,
                        X509* issuer, EVP_PKEY* key, TimePoint not_before, TimePoint not_after) {
  X509Ptr cert(X509_new());
  if (!cert) return OpenSslError("X509_new");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1 || !SetRandomSerial(cert.get())) {
    return OpenSslError("version/serial");
  }
  X509_NAME* subject = X509_get_subject_name(cert.get());
  for (const std::string& o : organizations) {
    if (!AddNameEntry(subject, "O", o)) return OpenSslError("subject O=" + o);
  }
  if (!common_name.empty() && !AddNameEntry(subject, "CN", common_name)) {
    return OpenSslError("subject CN=" + common_name);
  }
  X509_NAME* issuer_name = issuer != nullptr ? X509_get_subject_name(issuer) : subject;
  if (X509_set_issuer_name(cert.get(), issuer_name) != 1) return OpenSslError("issuer name");
  if (!SetValidity(cert.get(), not_before, not_after)) return OpenSslError("validity");
  if (X509_set_pubkey(cert.get(), key) != 1) return OpenSslError("X509_set_pubkey");
  return cert;
}

struct CaPair {
  X509Ptr cert;
  EvpPkeyPtr key;
};

Result<CaPair> NewCa(const CertRequest& req) {
  Result<EvpPkeyPtr> key = GenerateKey(req.key_algorithm);
  if (!key.ok()) return key.error();
  const TimePoint now = Now(req);
  Result<X509Ptr> cert = NewCert(req.ca_common_name, {}, nullptr, key.value().get(), now, now + req.ca_validity);
  if (!cert.ok()) return cert.error();
  X509* c = cert.value().get();
  if (!AddExtension(c, c, NID_basic_constraints, "critical,CA:TRUE") ||
      !AddExtension(c, c, NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign") ||
      !AddExtension(c, c, NID_subject_key_identifier, "hash")) {
    return OpenSslError("CA extensions");
  }
  if (X509_sign(c, key.value().get(), EVP_sha256()) == 0) return OpenSslError("signing the CA");
  return CaPair{std::move(cert).value(), std::move(key).value()};
}

Result<CertBundle> Issue(X509* ca, EVP_PKEY* ca_key, const CertRequest& req) {
  const TimePoint not_before = req.not_before ? *req.not_before : Now(req);
  const TimePoint not_after = req.not_after ? *req.not_after : not_before + req.validity;
  if (not_after <= not_before) return BadRequest("not_after must be later than not_before");

  Result<EvpPkeyPtr> key = GenerateKey(req.key_algorithm);
  if (!key.ok()) return key.error();
  Result<X509Ptr> cert = NewCert(req.common_name, req.organizations, ca, key.value().get(), not_before, not_after);
  if (!cert.ok()) return cert.error();
  X509* c = cert.value().get();

  const char* key_usage = req.key_algorithm == KeyAlgorithm::kRsa2048 ? "critical,digitalSignature,keyEncipherment"
                                                                       : "critical,digitalSignature";
  if (!AddExtension(c, ca, NID_basic_constraints, "critical,CA:FALSE") ||
      !AddExtension(c, ca, NID_key_usage, key_usage) ||
      !AddExtension(c, ca, NID_subject_key_identifier, "hash") ||
      !AddExtension(c, ca, NID_authority_key_identifier, "keyid:always")) {
    return OpenSslError("certificate extensions");
  }
  const char* eku = req.server_auth && req.client_auth ? "serverAuth,clientAuth"
                    : req.server_auth                  ? "serverAuth"
                    : req.client_auth                  ? "clientAuth"
                                                       : nullptr;
  if (eku != nullptr && !AddExtension(c, ca, NID_ext_key_usage, eku)) return OpenSslError("extKeyUsage");
  Result<bool> sans = AddSubjectAltNames(c, req);
  if (!sans.ok()) return sans.error();
  if (X509_sign(c, ca_key, EVP_sha256()) == 0) return OpenSslError("signing the certificate");

  CertBundle bundle;
  Result<std::string> ca_pem = PemOf(ca);
  Result<std::string> ca_key_pem = PemOf(ca_key);
  Result<std::string> cert_pem = PemOf(c);
  Result<std::string> key_pem = PemOf(key.value().get());
  for (const Result<std::string>* r : {&ca_pem, &ca_key_pem, &cert_pem, &key_pem}) {
    if (!r->ok()) return r->error();
  }
  bundle.ca_cert_pem = std::move(ca_pem).value();
  bundle.ca_key_pem = std::move(ca_key_pem).value();
  bundle.cert_pem = std::move(cert_pem).value();
  bundle.key_pem = std::move(key_pem).value();
  return bundle;
}

}  // namespace

Result<CertBundle> GenerateCaAndServingCert(const CertRequest& request) {
  Result<CaPair> ca = NewCa(request);
  if (!ca.ok()) return ca.error();
  return Issue(ca.value().cert.get(), ca.value().key.get(), request);
}

Result<CertBundle> IssueCert(const std::string& ca_cert_pem, const std::string& ca_key_pem,
                             const CertRequest& request) {
  Result<X509Ptr> ca = ReadCert(ca_cert_pem);
  if (!ca.ok()) return ca.error();
  Result<EvpPkeyPtr> key = ReadKey(ca_key_pem);
  if (!key.ok()) return key.error();
  if (X509_check_private_key(ca.value().get(), key.value().get()) != 1) {
    return BadRequest("the CA key does not match the CA certificate");
  }
  return Issue(ca.value().get(), key.value().get(), request);
}

}  // namespace kubesim
