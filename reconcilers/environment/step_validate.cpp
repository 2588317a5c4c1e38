#include "reconcilers/environment/step_validate.h"

#include <fstream>
#include <sstream>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/base64.h"
#include "reconcilers/environment/json_access.h"
#include "reconcilers/environment/payment_mode.h"
#include "reconcilers/environment/spec_rules.h"
#include "reconcilers/environment/template.h"
#include "reconcilers/environment/tls_check.h"

namespace jd::env {

namespace {

using nlohmann::json;

constexpr int kDefaultMinTlsDays = 14;
constexpr auto kProbeTimeout = std::chrono::seconds(5);

// Failures of several rules in one result: messages joined with "; ", the reason of the first.
CheckResult Combine(const std::vector<CheckResult>& results, const std::string& pass_reason,
                    const std::string& pass_message) {
  CheckResult out = CheckResult::Pass(pass_reason, pass_message);
  for (const CheckResult& r : results) {
    if (r.ok) continue;
    if (out.ok) {
      out = CheckResult::Fail(r.reason, r.message);
    } else {
      out.message += "; " + r.message;
    }
  }
  return out;
}

void AddSecretName(std::set<std::string>& out, const json& section) {
  std::string name = String(Field(section, {"secretName"}));
  if (!name.empty()) out.insert(name);
}

std::vector<SecretFingerprint> FingerprintAll(const EnvironmentId& id, const std::set<std::string>& names,
                                              const std::map<std::string, SecretContent>& secrets) {
  std::vector<SecretFingerprint> out;
  for (const std::string& name : names) {
    auto it = secrets.find(name);
    if (it == secrets.end()) continue;
    auto prints = FingerprintSecret(id, name, it->second.data);
    out.insert(out.end(), prints.begin(), prints.end());
  }
  return out;
}

CheckResult CheckPayment(const ValidationInput& in) {
  const json& payments = Field(in.spec, {"integrations", "payments"});
  if (payments.is_null()) {
    if (in.id.tier == "production") {
      return CheckResult::Fail("PaymentModeNotSet",
                               "spec.integrations.payments is not set: a production environment needs payments "
                               "with mode: live");
    }
    return CheckResult::Pass("PaymentModeValid", "no payments integration configured");
  }
  const std::string secret = String(Field(payments, {"secretName"}));
  auto it = in.secrets.find(secret);
  static const std::map<std::string, std::string> kNone;
  return CheckPaymentMode(in.id.tier, String(Field(payments, {"mode"})), secret,
                          it == in.secrets.end() ? kNone : it->second.data);
}

// One domain's certificate: Secret present and of the right type, then CheckCertificate.
CheckResult CheckDomain(const ValidationInput& in, const json& domain, std::size_t index, int min_days) {
  const std::string host = String(Field(domain, {"host"}));
  const std::string secret = String(Field(domain, {"tlsSecretName"}));
  const std::string field = "spec.domains[" + std::to_string(index) + "].tlsSecretName";
  auto it = in.secrets.find(secret);
  if (it == in.secrets.end()) {
    return CheckResult::Fail("TLSSecretMissing", field + ": Secret " + secret + " for domain " + host +
                                                     " does not exist in namespace " + in.id.ns +
                                                     ": create it (type kubernetes.io/tls, keys tls.crt and tls.key)");
  }
  if (it->second.type != "kubernetes.io/tls") {
    return CheckResult::Fail("TLSSecretWrongType", field + ": Secret " + secret + " has type \"" + it->second.type +
                                                       "\": recreate it with type kubernetes.io/tls");
  }
  auto crt = it->second.data.find("tls.crt");
  const std::string pem = crt == it->second.data.end() ? "" : crt->second;
  if (!in.ca_bundle.ok()) return CheckResult::Fail("CABundleMissing", in.ca_bundle.error().message);
  return CheckCertificate(pem, in.ca_bundle.value(), host, secret, in.now, min_days);
}

CheckResult CheckServed(const ValidationInput& in, const json& domain) {
  const std::string host = String(Field(domain, {"host"}));
  const std::string secret = String(Field(domain, {"tlsSecretName"}));
  auto served = in.served.find(host);
  if (served == in.served.end()) return CheckResult::Pass("CertificateServed");  // not probed (wildcard)
  std::string pem;
  if (auto it = in.secrets.find(secret); it != in.secrets.end() && it->second.data.count("tls.crt") > 0) {
    pem = it->second.data.at("tls.crt");
  }
  return CheckServedCertificate(host, secret, LeafCertificateSha256(pem), served->second);
}

std::optional<WallTime> TlsRecheckAt(const ValidationInput& in, int min_days) {
  std::optional<WallTime> earliest;
  const json& domains = Field(in.spec, {"domains"});
  if (!domains.is_array()) return earliest;
  for (const json& d : domains) {
    auto it = in.secrets.find(String(Field(d, {"tlsSecretName"})));
    if (it == in.secrets.end() || !it->second.data.count("tls.crt")) continue;
    auto not_after = CertificateNotAfter(it->second.data.at("tls.crt"));
    if (!not_after) continue;
    WallTime cross = *not_after - std::chrono::hours(24) * min_days;
    if (cross <= in.now) cross = *not_after;  // already failing: the next change is expiry
    if (cross <= in.now) continue;
    if (!earliest || cross < *earliest) earliest = cross;
  }
  return earliest;
}

int MinTlsDays(const json& spec) { return static_cast<int>(Int(Field(spec, {"minTLSDays"}), kDefaultMinTlsDays)); }

// "host:port" -> {host, port}; {address, 443} when there is no port.
std::pair<std::string, int> SplitHostPort(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) return {address, 443};
  try {
    return {address.substr(0, colon), std::stoi(address.substr(colon + 1))};
  } catch (const std::exception&) {
    return {address.substr(0, colon), 443};
  }
}

jd::StatusOr<std::string> ReadCABundle(const json& spec, const std::string& ns, const ValidationSources& src) {
  const json& bundle = Field(spec, {"tlsCABundle"});
  if (bundle.is_null()) {
    std::ifstream in(src.ca_bundle_path);
    if (!in) {
      return jd::Error{"the system CA bundle " + src.ca_bundle_path +
                       " cannot be read: install ca-certificates or set spec.tlsCABundle"};
    }
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  const std::string name = String(Field(bundle, {"configMapName"}));
  const std::string key = String(Field(bundle, {"key"}), "ca.crt");
  kube::ObjectPtr cm = src.config_maps.Get(ns, name);
  if (!cm) {
    return jd::Error{"spec.tlsCABundle.configMapName: ConfigMap " + name + " does not exist in namespace " + ns +
                     ": create it with the PEM CA bundle under key " + key};
  }
  const json& pem = Field(*cm, {"data", key.c_str()});
  if (!pem.is_string()) {
    return jd::Error{"spec.tlsCABundle.key: ConfigMap " + name + " has no key " + key +
                     ": put the PEM CA bundle under it or correct spec.tlsCABundle.key"};
  }
  return pem.get<std::string>();
}

std::map<std::string, jd::StatusOr<std::string>> Probe(const json& spec, const ValidationSources& src) {
  std::map<std::string, jd::StatusOr<std::string>> served;
  const json& domains = Field(spec, {"domains"});
  if (!domains.is_array()) return served;
  for (const json& d : domains) {
    const std::string host = String(Field(d, {"host"}));
    if (host.empty() || host.rfind("*.", 0) == 0) continue;  // a wildcard names no one endpoint
    auto [addr, port] = src.app_https_address.empty() ? std::pair<std::string, int>{host, 443}
                                                      : SplitHostPort(src.app_https_address);
    served.emplace(host, src.prober.PeerCertificateSha256(addr, port, host, kProbeTimeout));
  }
  return served;
}

// Fingerprints of every environment but `self`, each under its own effective spec.
std::vector<SecretFingerprint> OtherFingerprints(const EnvironmentId& self, const ValidationSources& src) {
  std::vector<SecretFingerprint> out;
  const EnvironmentLookup lookup = [&](const std::string& ns, const std::string& name) -> std::optional<json> {
    kube::ObjectPtr o = src.environments.Get(ns, name);
    if (!o) return std::nullopt;
    return *o;
  };
  for (const kube::ObjectPtr& env : src.environments.List()) {
    const std::string ns = String(Field(*env, {"metadata", "namespace"}));
    const std::string name = String(Field(*env, {"metadata", "name"}));
    if (ns == self.ns && name == self.name) continue;
    if (!CheckSpecShape(Field(*env, {"spec"})).ok) continue;
    auto resolved = ResolveTemplate(*env, lookup);
    if (!resolved.ok()) continue;
    const json& spec = resolved.value().spec;
    EnvironmentId id{ns, name, String(Field(spec, {"tier"}))};
    for (const std::string& secret : IsolationSecretNames(spec)) {
      kube::ObjectPtr obj = src.secrets.Get(ns, secret);
      if (!obj) continue;
      auto prints = FingerprintSecret(id, secret, DecodeSecret(*obj).data);
      out.insert(out.end(), prints.begin(), prints.end());
    }
  }
  return out;
}

}  // namespace

CheckResult CheckConfigValid(const json& spec, const ExistingObjects& existing, const IsoCodes& iso) {
  return Combine({CheckSpecRules(spec), CheckConfig(spec, existing), CheckLocale(LocaleSpecFromJson(spec), iso)},
                 "ConfigValid", "configuration, integrations and locale are valid");
}

CheckResult CheckTlsValid(const ValidationInput& in) {
  const json& domains = Field(in.spec, {"domains"});
  if (!domains.is_array() || domains.empty()) {
    return CheckResult::Pass("NoDomains", "spec.domains is empty: no certificate to check");
  }
  const int min_days = MinTlsDays(in.spec);
  for (std::size_t i = 0; i < domains.size(); ++i) {
    CheckResult r = CheckDomain(in, domains[i], i, min_days);
    if (!r.ok) return r;
  }
  if (in.probe_served) {
    for (const json& d : domains) {
      CheckResult r = CheckServed(in, d);
      if (!r.ok) return r;
    }
  }
  return CheckResult::Pass("CertificateValid", "every domain's certificate is valid for at least " +
                                                   std::to_string(min_days) + " more days");
}

Validation Validate(const ValidationInput& in, const IsoCodes& iso) {
  Validation v;
  v.config = CheckConfigValid(in.spec, in.existing, iso);
  v.isolation = CheckIsolation(FingerprintAll(in.id, IsolationSecretNames(in.spec), in.secrets), in.others);
  v.payment = CheckPayment(in);
  v.tls = CheckTlsValid(in);
  v.tls_recheck_at = TlsRecheckAt(in, MinTlsDays(in.spec));
  return v;
}

std::set<std::string> IsolationSecretNames(const json& spec) {
  std::set<std::string> out;
  const json& integrations = Field(spec, {"integrations"});
  for (const char* key : {"database", "cache", "mail", "sms", "payments"}) {
    AddSecretName(out, Field(integrations, {key}));
  }
  const json& external = Field(integrations, {"external"});
  if (external.is_array()) {
    for (const json& e : external) AddSecretName(out, e);
  }
  const json& hooks = Field(spec, {"notifications", "webhooks"});
  if (hooks.is_array()) {
    for (const json& h : hooks) AddSecretName(out, h);
  }
  return out;
}

std::set<std::string> ReferencedSecretNames(const json& spec) {
  std::set<std::string> out = IsolationSecretNames(spec);
  const json& domains = Field(spec, {"domains"});
  if (domains.is_array()) {
    for (const json& d : domains) {
      std::string name = String(Field(d, {"tlsSecretName"}));
      if (!name.empty()) out.insert(name);
    }
  }
  return out;
}

std::set<std::string> ReferencedConfigMapNames(const json& spec) {
  std::set<std::string> out;
  for (const char* section : {"config", "tlsCABundle"}) {
    std::string name = String(Field(spec, {section, "configMapName"}));
    if (!name.empty()) out.insert(name);
  }
  return out;
}

SecretContent DecodeSecret(const json& secret) {
  SecretContent out;
  out.type = String(Field(secret, {"type"}), "Opaque");
  const json& data = Field(secret, {"data"});
  if (data.is_object()) {
    for (auto it = data.begin(); it != data.end(); ++it) {
      if (!it->is_string()) continue;
      auto decoded = jd::Base64Decode(it->get<std::string>());
      if (decoded.ok()) out.data[it.key()] = decoded.value();
    }
  }
  const json& string_data = Field(secret, {"stringData"});
  if (string_data.is_object()) {
    for (auto it = string_data.begin(); it != string_data.end(); ++it) {
      if (it->is_string()) out.data[it.key()] = it->get<std::string>();
    }
  }
  return out;
}

std::optional<WallTime> CertificateNotAfter(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return std::nullopt;
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr) return std::nullopt;
  std::tm tm{};
  const bool ok = ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1;
  X509_free(cert);
  if (!ok) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

ValidationInput GatherValidationInput(const json& environment, const json& spec, const ValidationSources& src,
                                      bool probe_served) {
  ValidationInput in;
  in.id = EnvironmentId{String(Field(environment, {"metadata", "namespace"})),
                        String(Field(environment, {"metadata", "name"})), String(Field(spec, {"tier"}))};
  in.spec = spec;
  for (const kube::ObjectPtr& cm : src.config_maps.List(in.id.ns)) {
    in.existing.config_maps.insert(String(Field(*cm, {"metadata", "name"})));
  }
  for (const kube::ObjectPtr& s : src.secrets.List(in.id.ns)) {
    in.existing.secrets.insert(String(Field(*s, {"metadata", "name"})));
  }
  for (const std::string& name : ReferencedSecretNames(spec)) {
    if (kube::ObjectPtr s = src.secrets.Get(in.id.ns, name)) in.secrets[name] = DecodeSecret(*s);
  }
  in.others = OtherFingerprints(in.id, src);
  in.ca_bundle = ReadCABundle(spec, in.id.ns, src);
  in.now = src.now;
  in.probe_served = probe_served;
  if (probe_served) in.served = Probe(spec, src);
  return in;
}

}  // namespace jd::env
