// Tests for the JustDrivingEnvironment reconciler (reconcilers/environment/environment_reconciler.h
// and its steps) on the in-memory FakeClient, with a FakeClock, a FakeEventRecorder and a fake
// TlsProber. Certificates are made here at run time with OpenSSL.
//
// The caches the reconciler reads are StoreWriters filled from the FakeClient before each
// Reconcile (Sync), as the controller's informers would be once they caught up.
#include "reconcilers/environment/environment_reconciler.h"
#include "reconcilers/environment/environment_controller.h"

#include <ctime>
#include <map>
#include <memory>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/fake_clock.h"
#include "kube/event_recorder.h"
#include "kube/fake_client.h"
#include "reconcilers/common/conditions.h"
#include "reconcilers/environment/environment_status.h"
#include "reconcilers/environment/json_access.h"
#include "reconcilers/environment/spec_rules.h"
#include "reconcilers/environment/step_onboarding.h"
#include "reconcilers/environment/step_workloads.h"
#include "reconcilers/environment/tls_check.h"
#include "reconcilers/environment/workloads.h"

namespace jd::env {
namespace {

using kube::Action;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kNs = "school";
constexpr long kDay = 86400;

// ---- certificates -------------------------------------------------------------------------------

struct Pki {
  std::string ca_pem;
  EVP_PKEY* ca_key = nullptr;
  X509* ca = nullptr;
};

std::string Pem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, n);
  BIO_free(bio);
  return out;
}

void Ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `host` valid from `from` to `until`; issued by `pki` (a CA when pki is null).
X509* MakeCert(const std::string& host, std::time_t from, std::time_t until, const Pki* pki, EVP_PKEY** key_out) {
  static long serial = 1;
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  ASN1_TIME_set(X509_getm_notBefore(cert), from);
  ASN1_TIME_set(X509_getm_notAfter(cert), until);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, pki ? X509_get_subject_name(pki->ca) : name);
  X509_set_pubkey(cert, key);
  X509* issuer = pki ? pki->ca : cert;
  Ext(cert, issuer, NID_basic_constraints, pki ? "critical,CA:FALSE" : "critical,CA:TRUE");
  Ext(cert, issuer, NID_key_usage, pki ? "critical,digitalSignature" : "critical,keyCertSign,cRLSign");
  Ext(cert, issuer, NID_subject_key_identifier, "hash");
  if (pki) {
    Ext(cert, issuer, NID_ext_key_usage, "serverAuth");
    Ext(cert, issuer, NID_subject_alt_name, "DNS:" + host);
  }
  X509_sign(cert, pki ? pki->ca_key : key, EVP_sha256());
  *key_out = key;
  return cert;
}

std::string Base64(const std::string& s) {
  std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  out.resize(n);
  return out;
}

// 2024-01-01T00:00:00Z, the FakeClock's wall start.
const std::time_t kStart = 1704067200;

// ---- fakes --------------------------------------------------------------------------------------

class FakeProber final : public TlsProber {
 public:
  jd::StatusOr<std::string> PeerCertificateSha256(const std::string& host, int port, const std::string& sni,
                                                  std::chrono::milliseconds) override {
    calls.push_back(host + ":" + std::to_string(port) + " sni=" + sni);
    auto it = served.find(sni);
    if (it == served.end()) return jd::Error{"connect " + host + ":" + std::to_string(port) + ": refused"};
    return it->second;
  }
  std::map<std::string, std::string> served;  // sni -> fingerprint
  std::vector<std::string> calls;
};

// ---- fixture ------------------------------------------------------------------------------------

json Meta(const std::string& name) { return {{"name", name}, {"namespace", kNs}}; }

json Secret(const std::string& name, const std::map<std::string, std::string>& values,
            const std::string& type = "Opaque") {
  json data = json::object();
  for (const auto& [k, v] : values) data[k] = Base64(v);
  return {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", Meta(name)}, {"type", type}, {"data", data}};
}

json ConfigMap(const std::string& name, json data) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", Meta(name)}, {"data", std::move(data)}};
}

json StagingSpec() {
  return json::parse(R"({
    "tier": "staging",
    "app": {"image": "registry.example.com/justdriving/app"},
    "domains": [{"host": "staging.school.example", "tlsSecretName": "staging-tls"}],
    "minTLSDays": 14,
    "tlsCABundle": {"configMapName": "jd-ca-bundle", "key": "ca.crt"},
    "locale": {"timezone": "Europe/Amsterdam", "locale": "nl_NL", "currency": "EUR"},
    "config": {"configMapName": "justdriving-config"},
    "integrations": {"database": {"secretName": "jd-db"},
                     "payments": {"secretName": "jd-payments", "mode": "test"}},
    "requiredIntegrations": ["database", "payments"],
    "components": {"web": {"replicas": 2, "port": 8080}, "scheduler": {"enabled": true}},
    "smokeTests": [{"name": "registration", "command": ["php", "artisan", "smoke:registration"]}],
    "openToUsers": true
  })");
}

json ProductionSpec() {
  json spec = StagingSpec();
  spec["tier"] = "production";
  spec["domains"] = json::parse(R"([{"host": "app.school.example", "tlsSecretName": "production-tls"}])");
  spec["integrations"] = json::parse(R"({"database": {"secretName": "prod-db"},
                                         "payments": {"secretName": "prod-payments", "mode": "live"}})");
  spec["migrations"] = json::parse(R"({"backup": {"command": ["backup"]}})");
  return spec;
}

json Release(const std::string& version) {
  return {{"name", "staging-" + version},
          {"version", version},
          {"image", "registry.example.com/justdriving/app:" + version}};
}

class EnvironmentReconcilerTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    auto iso = IsoCodes::Load(IsoCodes::kDefaultDir);
    ASSERT_TRUE(iso.ok()) << iso.error().message;
    iso_ = new IsoCodes(iso.value());
    pki_ = new Pki();
    pki_->ca = MakeCert("Test CA", kStart - kDay, kStart + 3650 * kDay, nullptr, &pki_->ca_key);
    pki_->ca_pem = Pem(pki_->ca);
  }

  void SetUp() override {
    caches_ = std::make_unique<EnvironmentCaches>(EnvironmentCaches{
        envs_.View(), secrets_.View(), cms_.View(), deployments_.View(), jobs_.View(), services_.View(),
        ingresses_.View(), pdbs_.View()});
    options_.app_https_address = "127.0.0.1:8443";
    rec_ = std::make_unique<EnvironmentReconciler>(client_, *caches_, events_, clock_, *iso_, prober_, options_);
    SeedStaging();
  }

  // TLS Secret for `host` valid for `days` more days from now (2024-01-01).
  json TlsSecret(const std::string& name, const std::string& host, long days, std::string* leaf_pem = nullptr,
                 long extra_seconds = 0) {
    EVP_PKEY* key = nullptr;
    X509* cert = MakeCert(host, kStart - kDay, kStart + days * kDay + extra_seconds, pki_, &key);
    const std::string pem = Pem(cert);
    if (leaf_pem) *leaf_pem = pem;
    X509_free(cert);
    EVP_PKEY_free(key);
    return Secret(name, {{"tls.crt", pem}, {"tls.key", "unused"}}, "kubernetes.io/tls");
  }

  void SeedStaging(json spec = StagingSpec(), json status = {{"currentRelease", Release("2.14.0")}}) {
    client_.Seed(kube::kConfigMaps, ConfigMap("justdriving-config", {{"APP_ENV", "staging"}}));
    client_.Seed(kube::kConfigMaps, ConfigMap("jd-ca-bundle", {{"ca.crt", pki_->ca_pem}}));
    client_.Seed(kube::kSecrets, Secret("jd-db", {{"DB_PASSWORD", "staging-db-password-example"}}));
    client_.Seed(kube::kSecrets, Secret("jd-payments", {{"STRIPE_SECRET", "sk_test_staging-key-example"}}));
    client_.Seed(kube::kSecrets, TlsSecret("staging-tls", "staging.school.example", 90, &staging_leaf_));
    SeedEnv("staging", std::move(spec), std::move(status));
  }

  void SeedProduction(json spec = ProductionSpec()) {
    client_.Seed(kube::kSecrets, Secret("prod-db", {{"DB_PASSWORD", "production-db-password-example"}}));
    client_.Seed(kube::kSecrets, Secret("prod-payments", {{"STRIPE_SECRET", "sk_live_production-key-example"}}));
    client_.Seed(kube::kSecrets, TlsSecret("production-tls", "app.school.example", 90));
    SeedEnv("production", std::move(spec), json::object());
  }

  void SeedEnv(const std::string& name, json spec, json status) {
    json env = {{"apiVersion", "justdriving.io/v1alpha1"},
                {"kind", "JustDrivingEnvironment"},
                {"metadata", {{"name", name}, {"namespace", kNs}, {"uid", "uid-" + name}, {"generation", 1}}},
                {"spec", std::move(spec)}};
    if (!status.empty()) env["status"] = std::move(status);
    client_.Seed(kube::kJustDrivingEnvironments, env);
  }

  // Changes the stored spec (as a user's apply would: generation + 1).
  void EditSpec(const std::string& name, const std::function<void(json&)>& edit) {
    json env = Env(name);
    edit(env["spec"]);
    env["metadata"]["generation"] = env["metadata"]["generation"].get<int>() + 1;
    client_.Seed(kube::kJustDrivingEnvironments, env);
  }

  void Sync() {
    auto fill = [&](kube::StoreWriter& w, const kube::ResourceRef& ref) {
      w.Replace(client_.Objects(ref), client_.ResourceVersion());
    };
    fill(envs_, kube::kJustDrivingEnvironments);
    fill(secrets_, kube::kSecrets);
    fill(cms_, kube::kConfigMaps);
    fill(deployments_, kube::kDeployments);
    fill(jobs_, kube::kJobs);
    fill(services_, kube::kServices);
    fill(ingresses_, kube::kIngresses);
    fill(pdbs_, kube::kPodDisruptionBudgets);
  }

  jd::ReconcileOutcome Run(const std::string& name = "staging") {
    Sync();
    return rec_->Reconcile(jd::Request{kNs, name});
  }

  json Env(const std::string& name = "staging") { return *client_.Object(kube::kJustDrivingEnvironments, kNs, name); }

  json Cond(const std::string& type, const std::string& name = "staging") {
    const json env = Env(name);
    const json* c = rec::FindCondition(Field(env, {"status", "conditions"}), type);
    return c ? *c : json();
  }

  std::string Phase(const std::string& name = "staging") { return Env(name)["status"].value("phase", ""); }

  // Sets every Job of the fake to the given terminal condition ("Complete" / "Failed").
  void FinishJobs(const std::string& type, const std::string& message = "") {
    for (json job : client_.Objects(kube::kJobs, kNs)) {
      json cond = {{"type", type}, {"status", "True"}, {"reason", type == "Failed" ? "BackoffLimitExceeded" : "Done"},
                   {"message", message}};
      job["status"] = {{"conditions", json::array({cond})}};
      client_.Seed(kube::kJobs, job);
    }
  }

  void MakeDeploymentsAvailable() {
    for (json d : client_.Objects(kube::kDeployments, kNs)) {
      d["status"] = {{"availableReplicas", d["spec"].value("replicas", 1)},
                     {"conditions", json::array({{{"type", "Available"}, {"status", "True"}}})}};
      client_.Seed(kube::kDeployments, d);
    }
  }

  // Reconciles staging to Ready: checks pass, the smoke test Job completes, workloads available.
  void BringToReady() {
    Run();
    FinishJobs("Complete");
    Run();
    MakeDeploymentsAvailable();
    prober_.served["staging.school.example"] = LeafCertificateSha256(staging_leaf_).value();
    Run();
    ASSERT_EQ(Phase(), "Ready") << Env().dump(2);
  }

  std::vector<Action> Writes() {
    std::vector<Action> out;
    for (const Action& a : client_.Actions()) {
      if (a.verb != "get" && a.verb != "list" && a.verb != "watch") out.push_back(a);
    }
    return out;
  }

  static IsoCodes* iso_;
  static Pki* pki_;
  jd::FakeClock clock_;
  kube::FakeClient client_{clock_};
  kube::FakeEventRecorder events_;
  FakeProber prober_;
  kube::StoreWriter envs_, secrets_, cms_, deployments_, jobs_, services_, ingresses_, pdbs_;
  std::unique_ptr<EnvironmentCaches> caches_;
  EnvironmentReconcilerOptions options_;
  std::unique_ptr<EnvironmentReconciler> rec_;
  std::string staging_leaf_;
};

IsoCodes* EnvironmentReconcilerTest::iso_ = nullptr;
Pki* EnvironmentReconcilerTest::pki_ = nullptr;

// ---- onboarding ---------------------------------------------------------------------------------

TEST_F(EnvironmentReconcilerTest, ValidEnvironmentRunsSmokeTestsThenOpens) {
  auto out = Run();
  ASSERT_TRUE(std::holds_alternative<jd::Result>(out));
  EXPECT_EQ(std::get<jd::Result>(out).requeue_after, std::chrono::milliseconds(2000));  // a Job runs
  for (const char* type : {"ConfigValid", "SecretsIsolated", "PaymentModeValid", "TLSValid"}) {
    EXPECT_EQ(Cond(type)["status"], "True") << type << ": " << Cond(type).dump();
  }
  EXPECT_EQ(Cond("SmokeTestsPassed")["status"], "Unknown");
  EXPECT_EQ(Cond("OpenToUsers")["status"], "False");
  EXPECT_EQ(Phase(), "Onboarding");
  EXPECT_EQ(Cond("Reconciling")["status"], "True");

  // The smoke test Job, named by SmokeTestJobName over the release image.
  const std::string job_name =
      SmokeTestJobName("staging", StagingSpec()["smokeTests"][0], "registry.example.com/justdriving/app:2.14.0");
  auto job = client_.Object(kube::kJobs, kNs, job_name);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ((*job)["spec"]["template"]["spec"]["containers"][0]["image"], "registry.example.com/justdriving/app:2.14.0");
  EXPECT_EQ(Env()["status"]["smokeTests"][0]["state"], "Pending");
  // Workloads of the release are applied, but no Ingress before opening.
  EXPECT_TRUE(client_.Object(kube::kDeployments, kNs, "staging-web").has_value());
  EXPECT_TRUE(client_.Objects(kube::kIngresses, kNs).empty());
  EXPECT_THAT(events_.Events(), ::testing::Contains(HasSubstr("Normal CertificateValid TLSValid:")));

  FinishJobs("Complete");
  Run();
  EXPECT_EQ(Cond("SmokeTestsPassed")["status"], "True");
  EXPECT_EQ(Env()["status"]["smokeTests"][0]["state"], "Passed");
  EXPECT_EQ(Cond("OpenToUsers")["status"], "True");
  EXPECT_EQ(Cond("OpenToUsers")["reason"], "OnboardingPassed");
  EXPECT_EQ(client_.Objects(kube::kIngresses, kNs).size(), 1u);
  EXPECT_EQ(Phase(), "Degraded");  // open, Deployments not available yet
  EXPECT_THAT(events_.WithReason("OnboardingPassed"), ::testing::SizeIs(1));

  MakeDeploymentsAvailable();
  prober_.served["staging.school.example"] = LeafCertificateSha256(staging_leaf_).value();
  Run();
  EXPECT_EQ(Phase(), "Ready");
  EXPECT_EQ(Cond("Ready")["status"], "True");
  // The served certificate was probed at the configured address, with the domain as SNI.
  EXPECT_THAT(prober_.calls, ::testing::Contains("127.0.0.1:8443 sni=staging.school.example"));
}

TEST_F(EnvironmentReconcilerTest, ReReconcilingAnUnchangedEnvironmentWritesNothing) {
  BringToReady();
  client_.ClearActions();
  events_.Clear();
  Run();
  Run();
  EXPECT_EQ(Writes(), std::vector<Action>{});
  EXPECT_EQ(client_.Actions(), std::vector<Action>{});  // caches only: not even a read
  EXPECT_EQ(events_.Events(), std::vector<std::string>{});
}

TEST_F(EnvironmentReconcilerTest, StatusIsWrittenOnlyWhenItChanges) {
  Run();
  client_.ClearActions();
  Run();  // the Job was created: it is seen running (one status write)
  EXPECT_EQ(Writes(), (std::vector<Action>{{"patch-status", "justdrivingenvironments", kNs, "staging"}}));
  EXPECT_EQ(Env()["status"]["smokeTests"][0]["state"], "Running");
  client_.ClearActions();
  Run();  // the Job still runs: nothing new
  EXPECT_EQ(Writes(), std::vector<Action>{});
  // A check breaks: exactly one status write (and no workload write).
  client_.Seed(kube::kSecrets, Secret("jd-payments", {{"STRIPE_SECRET", "sk_live_oops-example"}}));
  Run();
  EXPECT_EQ(Writes(), (std::vector<Action>{{"patch-status", "justdrivingenvironments", kNs, "staging"}}));
  EXPECT_EQ(Cond("PaymentModeValid")["reason"], "LiveKeyInTestMode");
}

TEST_F(EnvironmentReconcilerTest, ActiveReleaseMeansDeployingAndLeavesWorkloadsAlone) {
  client_.Seed(kube::kJustDrivingEnvironments, [&] {
    json env = Env();
    env["status"]["activeRelease"] = "staging-2-15-0";
    return env;
  }());
  Run();
  for (const Action& a : Writes()) {
    EXPECT_TRUE(a.resource == "justdrivingenvironments") << a;  // no Deployment, Service, Job
  }
  EXPECT_TRUE(client_.Objects(kube::kDeployments, kNs).empty());
  EXPECT_TRUE(client_.Objects(kube::kJobs, kNs).empty());
  EXPECT_EQ(Phase(), "Deploying");
  EXPECT_EQ(Env()["status"]["smokeTests"][0]["message"], "waiting for the release in progress to finish");
}

TEST_F(EnvironmentReconcilerTest, FailedSmokeTestKeepsTheEnvironmentClosedUntilTheTestChanges) {
  Run();
  FinishJobs("Failed", "Job has reached the specified backoff limit");
  Run();
  const json smoke = Cond("SmokeTestsPassed");
  EXPECT_EQ(smoke["status"], "False");
  EXPECT_EQ(smoke["reason"], "SmokeTestFailed");
  const std::string job = Env()["status"]["smokeTests"][0]["jobName"];
  EXPECT_THAT(smoke["message"].get<std::string>(), HasSubstr("smoke test registration (Job " + job));
  EXPECT_THAT(smoke["message"].get<std::string>(), HasSubstr("kubectl logs job/" + job + " -n school"));
  EXPECT_EQ(Cond("OpenToUsers")["status"], "False");
  EXPECT_TRUE(client_.Objects(kube::kIngresses, kNs).empty());
  EXPECT_EQ(Phase(), "Onboarding");
  EXPECT_EQ(Cond("Stalled")["reason"], "SmokeTestFailed");
  ASSERT_THAT(events_.WithReason("SmokeTestFailed"), ::testing::SizeIs(1));
  EXPECT_THAT(events_.WithReason("SmokeTestFailed")[0], ::testing::StartsWith("Warning SmokeTestFailed"));

  // Re-reconciling does not re-run it.
  client_.ClearActions();
  Run();
  EXPECT_EQ(Writes(), std::vector<Action>{});

  // A changed command is a new Job name: it runs, and the old Job is removed.
  EditSpec("staging", [](json& spec) { spec["smokeTests"][0]["command"] = {"php", "artisan", "smoke:registration", "-v"}; });
  Run();
  const std::string new_job = Env()["status"]["smokeTests"][0]["jobName"];
  EXPECT_NE(new_job, job);
  EXPECT_TRUE(client_.Object(kube::kJobs, kNs, new_job).has_value());
  EXPECT_FALSE(client_.Object(kube::kJobs, kNs, job).has_value());
}

TEST_F(EnvironmentReconcilerTest, NoReleaseYetAndTheTemplatesImage) {
  client_.Seed(kube::kJustDrivingEnvironments, [&] {
    json env = Env();
    env.erase("status");
    return env;
  }());
  Run();
  EXPECT_EQ(Cond("SmokeTestsPassed")["reason"], "NoReleaseYet");
  EXPECT_EQ(Cond("SmokeTestsPassed")["message"],
            "apply a JustDrivingRelease for this environment; smoke tests run against its image");
  EXPECT_TRUE(client_.Objects(kube::kJobs, kNs).empty());

  // A new region made from a template runs its smoke tests against the template's release image.
  client_.Seed(kube::kSecrets, TlsSecret("region-tls", "region.school.example", 90));
  json spec = {{"tier", "staging"},
               {"templateRef", {{"name", "base"}}},
               {"domains", json::parse(R"([{"host": "region.school.example", "tlsSecretName": "region-tls"}])")}};
  SeedEnv("region", spec, json::object());
  SeedEnv("base", StagingSpec(), {{"currentRelease", Release("2.13.0")}});
  Run("region");
  EXPECT_EQ(Env("region")["status"]["resolvedTemplate"], "school/base");
  const std::string job = Env("region")["status"]["smokeTests"][0]["jobName"];
  auto created = client_.Object(kube::kJobs, kNs, job);
  ASSERT_TRUE(created.has_value()) << Env("region").dump(2);
  EXPECT_EQ((*created)["spec"]["template"]["spec"]["containers"][0]["image"],
            "registry.example.com/justdriving/app:2.13.0");
}

TEST_F(EnvironmentReconcilerTest, OnceOpenAFailingCheckDegradesButNeverCloses) {
  BringToReady();
  events_.Clear();
  client_.Seed(kube::kSecrets, Secret("jd-payments", {{"STRIPE_SECRET", "sk_live_oops-example"}}));
  Run();
  EXPECT_EQ(Cond("OpenToUsers")["status"], "True");
  EXPECT_EQ(Phase(), "Degraded");
  EXPECT_EQ(Cond("Ready")["status"], "False");
  EXPECT_EQ(Cond("Stalled")["reason"], "LiveKeyInTestMode");
  EXPECT_EQ(client_.Objects(kube::kIngresses, kNs).size(), 1u);
  EXPECT_THAT(events_.Events(), ::testing::ElementsAre(::testing::StartsWith("Warning LiveKeyInTestMode PaymentModeValid: ")));

  // The user closes it: the Ingress goes.
  EditSpec("staging", [](json& spec) { spec["openToUsers"] = false; });
  Run();
  EXPECT_EQ(Cond("OpenToUsers")["reason"], "ClosedBySpec");
  EXPECT_TRUE(client_.Objects(kube::kIngresses, kNs).empty());
}

TEST_F(EnvironmentReconcilerTest, ServedCertificateIsCheckedOnceOpen) {
  BringToReady();
  prober_.served["staging.school.example"] = std::string(64, 'a');
  Run();
  EXPECT_EQ(Cond("TLSValid")["reason"], "CertificateNotServed");
  EXPECT_EQ(Phase(), "Degraded");
  EXPECT_EQ(Cond("OpenToUsers")["status"], "True");
}

TEST_F(EnvironmentReconcilerTest, RequeuesWhenTheCertificateWillCrossMinTlsDays) {
  client_.Seed(kube::kSecrets, TlsSecret("staging-tls", "staging.school.example", 14, nullptr, 7200));
  FinishJobs("Complete");  // no Job yet: nothing to poll after the first run
  auto out = Run();
  // The smoke Job was just created: polled in 2 s, sooner than the certificate's 2 hours.
  EXPECT_EQ(std::get<jd::Result>(out).requeue_after, std::chrono::milliseconds(2000));
  FinishJobs("Complete");
  EditSpec("staging", [](json& spec) { spec["openToUsers"] = false; });
  out = Run();
  // 14 days and 2 hours left, minTLSDays 14: TLSValid changes in 2 hours (+1 s).
  EXPECT_EQ(std::get<jd::Result>(out).requeue_after, std::chrono::milliseconds(7201 * 1000));
  EXPECT_EQ(Cond("TLSValid")["status"], "True");
  clock_.Advance(std::chrono::seconds(7201));
  Run();
  EXPECT_EQ(Cond("TLSValid")["reason"], "ExpiresSoon");
}

// ---- every rule: a failing case, its condition message and its Event ------------------------------

struct RuleCase {
  std::string name;
  std::function<void(EnvironmentReconcilerTest&, kube::FakeClient&)> setup;
  std::string env;        // the environment reconciled
  std::string condition;  // the condition that goes False
  std::string reason;
  std::string message;    // a substring of the condition message
};

class RuleTest : public EnvironmentReconcilerTest, public ::testing::WithParamInterface<RuleCase> {};

std::vector<RuleCase> RuleCases() {
  return {
      {"MissingConfigMap",
       [](auto& t, auto&) { t.EditSpec("staging", [](json& s) { s["config"]["configMapName"] = "nope"; }); }, "staging",
       "ConfigValid", "MissingConfigMap", "spec.config.configMapName"},
      {"UnknownTimezone",
       [](auto& t, auto&) { t.EditSpec("staging", [](json& s) { s["locale"]["timezone"] = "Europe/Amsterdm"; }); }, "staging",
       "ConfigValid", "UnknownTimezone", "spec.locale.timezone \"Europe/Amsterdm\" is not an IANA time zone"},
      {"MalformedLocale",
       [](auto& t, auto&) { t.EditSpec("staging", [](json& s) { s["locale"]["locale"] = "dutch"; }); }, "staging", "ConfigValid",
       "MalformedLocale", "spec.locale.locale"},
      {"UnknownCurrency",
       [](auto& t, auto&) { t.EditSpec("staging", [](json& s) { s["locale"]["currency"] = "EUX"; }); }, "staging", "ConfigValid",
       "UnknownCurrency", "spec.locale.currency"},
      {"RequiredIntegrationMissing",
       [](auto& t, auto&) { t.EditSpec("staging", [](json& s) { s["requiredIntegrations"].push_back("sms"); }); }, "staging",
       "ConfigValid", "RequiredIntegrationMissing", "spec.integrations.sms"},
      {"MissingSecret",
       [](auto&, kube::FakeClient& c) { (void)c.Delete(kube::kSecrets, kNs, "jd-db"); }, "staging", "ConfigValid",
       "MissingSecret", "jd-db"},
      {"MalformedSpec",
       [](auto& t, auto&) { t.EditSpec("staging", [](json& s) { s["minTLSDays"] = "fourteen"; }); }, "staging", "ConfigValid",
       "MalformedSpec", "spec.minTLSDays must be an integer, not a string: correct it in the manifest"},
      {"MissingRequiredField",
       [](auto& t, auto&) { t.EditSpec("staging", [](json& s) { s["smokeTests"][0].erase("command"); }); }, "staging",
       "ConfigValid", "MalformedSpec", "spec.smokeTests[0].command is required"},
      {"TemplateLoop",
       [](auto& t, auto&) {
         t.EditSpec("staging", [](json& s) { s["templateRef"] = {{"name", "other"}}; });
         t.SeedEnv("other", {{"tier", "staging"}, {"templateRef", {{"name", "staging"}}}}, json::object());
       },
       "staging", "ConfigValid", "TemplateLoop", "template loop"},
      {"TemplateNotFound",
       [](auto& t, auto&) { t.EditSpec("staging", [](json& s) { s["templateRef"] = {{"name", "missing"}}; }); }, "staging",
       "ConfigValid", "TemplateNotFound", "not found"},
      {"ProductionWithTestMode",
       [](auto& t, auto&) {
         json spec = ProductionSpec();
         spec["integrations"]["payments"]["mode"] = "test";
         t.SeedProduction(spec);
       },
       "production", "PaymentModeValid", "PaymentModeMismatch", "spec.integrations.payments.mode"},
      {"ProductionWithTestKeys",
       [](auto& t, auto& c) {
         t.SeedProduction();
         c.Seed(kube::kSecrets, Secret("prod-payments", {{"STRIPE_SECRET", "sk_test_production-example"}}));
       },
       "production", "PaymentModeValid", "TestKeyInLiveMode", "Secret prod-payments key STRIPE_SECRET holds a test key"},
      {"ProductionWithoutBackup",
       [](auto& t, auto&) {
         json spec = ProductionSpec();
         spec.erase("migrations");
         t.SeedProduction(spec);
       },
       "production", "ConfigValid", "ProductionNeedsBackup", "spec.migrations.backup"},
      {"SharedSecretAcrossTiers",
       [](auto& t, auto& c) {
         t.SeedProduction();
         c.Seed(kube::kSecrets, Secret("jd-db", {{"DB_PASSWORD", "production-db-password-example"}}));
       },
       "staging", "SecretsIsolated", "SharedSecretValue",
       "Secret jd-db key DB_PASSWORD holds the same value as Secret prod-db key DB_PASSWORD of environment "
       "school/production (tier production)"},
      {"CertificateExpiresSoon",
       [](auto& t, auto& c) { c.Seed(kube::kSecrets, t.TlsSecret("staging-tls", "staging.school.example", 5)); },
       "staging", "TLSValid", "ExpiresSoon", "5 days left, spec.minTLSDays is 14"},
      {"CertificateForAnotherHost",
       [](auto& t, auto& c) { c.Seed(kube::kSecrets, t.TlsSecret("staging-tls", "other.example", 90)); }, "staging",
       "TLSValid", "HostMismatch", "staging.school.example"},
      {"TlsSecretMissing",
       [](auto&, auto& c) { (void)c.Delete(kube::kSecrets, kNs, "staging-tls"); }, "staging", "TLSValid",
       "TLSSecretMissing", "spec.domains[0].tlsSecretName: Secret staging-tls"},
      {"CABundleMissing",
       [](auto& t, auto&) { t.EditSpec("staging", [](json& s) { s["tlsCABundle"]["key"] = "bundle.pem"; }); }, "staging",
       "TLSValid", "CABundleMissing", "spec.tlsCABundle.key: ConfigMap jd-ca-bundle has no key bundle.pem"},
  };
}

TEST_P(RuleTest, FailsWithAMessageAndAWarningEvent) {
  const RuleCase& c = GetParam();
  c.setup(*this, client_);
  auto out = Run(c.env);
  ASSERT_TRUE(std::holds_alternative<jd::Result>(out)) << std::get<jd::ReconcileError>(out).message();
  const json cond = Cond(c.condition, c.env);
  EXPECT_EQ(cond["status"], "False") << cond.dump();
  EXPECT_EQ(cond["reason"], c.reason) << cond.dump();
  EXPECT_THAT(cond["message"].get<std::string>(), HasSubstr(c.message));
  EXPECT_EQ(Phase(c.env), "Invalid");
  EXPECT_EQ(Cond("Ready", c.env)["status"], "False");
  EXPECT_EQ(Cond("Stalled", c.env)["status"], "True");
  EXPECT_EQ(Cond("OpenToUsers", c.env)["status"], "False");
  EXPECT_EQ(Env(c.env)["status"]["observedGeneration"], Env(c.env)["metadata"]["generation"]);
  EXPECT_THAT(events_.WithReason(c.reason),
              ::testing::Contains(::testing::StartsWith("Warning " + c.reason + " " + c.condition + ": ")));
  EXPECT_TRUE(client_.Objects(kube::kJobs, kNs).empty());  // nothing runs before the checks pass
  // No secret value in any message or Event.
  for (const std::string& e : events_.Events()) EXPECT_THAT(e, ::testing::Not(HasSubstr("password-example")));
}

INSTANTIATE_TEST_SUITE_P(Rules, RuleTest, ::testing::ValuesIn(RuleCases()),
                         [](const auto& info) { return info.param.name; });

TEST_F(EnvironmentReconcilerTest, NeverThrowsOnGarbage) {
  for (json spec : {json("a string"), json::array(), json{{"tier", 7}}, json{{"domains", {{"host", 1}}}},
                    json{{"tier", "staging"}, {"integrations", {{"external", "x"}}}}}) {
    SeedEnv("garbage", spec, json::object());
    auto out = Run("garbage");
    ASSERT_TRUE(std::holds_alternative<jd::Result>(out)) << spec.dump();
    EXPECT_EQ(Phase("garbage"), "Invalid") << spec.dump();
    EXPECT_EQ(Cond("ConfigValid", "garbage")["reason"], "MalformedSpec") << spec.dump();
  }
  // A status of the wrong shape is repaired, not a crash.
  SeedEnv("garbage", StagingSpec(), {{"conditions", "nope"}, {"currentRelease", 5}});
  ASSERT_TRUE(std::holds_alternative<jd::Result>(Run("garbage")));
}

TEST_F(EnvironmentReconcilerTest, ApiFailuresAreTransientErrors) {
  kube::ApiError boom;
  boom.code = 500;
  boom.reason = "InternalError";
  boom.message = "boom";
  client_.FailNext("patch", "jobs", boom);
  auto out = Run();
  ASSERT_TRUE(std::holds_alternative<jd::ReconcileError>(out));
  EXPECT_FALSE(std::get<jd::ReconcileError>(out).terminal());
  EXPECT_THAT(std::get<jd::ReconcileError>(out).message(), HasSubstr("boom"));
}

// ---- pure parts ---------------------------------------------------------------------------------

TEST(ComputePhaseTest, Table) {
  struct Case {
    PhaseInputs in;
    std::string want;
  };
  const std::vector<Case> cases = {
      {{"Deploying", true, true, false, false}, "Deploying"},
      {{"Ready", true, false, true, true}, "Ready"},
      {{"", true, false, true, true}, "Ready"},
      {{"Ready", true, true, true, true}, "Degraded"},
      {{"Ready", true, false, false, true}, "Degraded"},
      {{"Ready", true, false, true, false}, "Degraded"},
      {{"Onboarding", false, true, false, true}, "Invalid"},
      {{"", false, false, false, true}, "Onboarding"},
      {{"Invalid", false, false, true, true}, "Onboarding"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ComputePhase(c.in), c.want) << c.in.current << " open=" << c.in.open
                                          << " invalid=" << c.in.validation_failed;
  }
}

TEST(TransitionEventsTest, OnlyFlipsProduceEvents) {
  json before = json::array();
  json after = json::array();
  const WallTime t{};
  rec::SetCondition(before, {"ConfigValid", "True", "ConfigValid", "ok"}, 1, t);
  rec::SetCondition(before, {"TLSValid", "True", "CertificateValid", "ok"}, 1, t);
  rec::SetCondition(after, {"ConfigValid", "True", "ConfigValid", "still ok"}, 1, t);
  rec::SetCondition(after, {"TLSValid", "False", "Expired", "expired"}, 1, t);
  rec::SetCondition(after, {"SmokeTestsPassed", "Unknown", "SmokeTestsRunning", "1 running"}, 1, t);
  rec::SetCondition(after, {"OpenToUsers", "False", "NotRequested", "closed"}, 1, t);
  EXPECT_EQ(TransitionEvents(before, after),
            (std::vector<EventSpec>{{kube::EventType::kWarning, "Expired", "TLSValid: expired"}}));
  json opened = after;
  rec::SetCondition(opened, {"OpenToUsers", "True", "OnboardingPassed", "open"}, 1, t);
  EXPECT_EQ(TransitionEvents(after, opened),
            (std::vector<EventSpec>{{kube::EventType::kNormal, "OnboardingPassed", "OpenToUsers: open"}}));
}

TEST(StatusPatchTest, WritesOwnedFieldsOnly) {
  const json stored = {{"phase", "Ready"},
                       {"resolvedTemplate", "a/b"},
                       {"currentRelease", {{"name", "r"}}},
                       {"activeRelease", "r2"}};
  const json desired = {{"phase", "Deploying"}, {"observedGeneration", 2}, {"conditions", json::array()},
                        {"currentRelease", {{"name", "other"}}}, {"activeRelease", ""}};
  // The release controller's fields (currentRelease, activeRelease) are never written from here.
  EXPECT_EQ(StatusPatch(stored, desired), (json{{"status",
                                                 {{"phase", "Deploying"},
                                                  {"observedGeneration", 2},
                                                  {"conditions", json::array()},
                                                  {"resolvedTemplate", nullptr}}}}));
}

TEST(PlanWorkloadsTest, AppliesOnlyChangedObjectsAndPrunes) {
  json web = {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"metadata", {{"name", "s-web"}, {"namespace", "n"}}},
              {"spec", {{"replicas", 2}}}};
  json live_web = web;
  live_web["metadata"]["annotations"][std::string(kAppliedHashAnnotation)] = ContentHash(web);
  json old_worker = {{"metadata", {{"name", "s-worker-old"}, {"namespace", "n"}}}};
  json ingress = {{"metadata", {{"name", "s"}, {"namespace", "n"}}}};

  WorkloadPlan same =
      PlanWorkloads({web}, {{"Deployment", {live_web, old_worker}}, {"Ingress", {ingress}}}, {"s-web"}, true);
  EXPECT_TRUE(same.apply.empty());
  EXPECT_EQ(same.remove, (std::vector<ObjectKey>{{"Deployment", "n", "s-worker-old"}, {"Ingress", "n", "s"}}));

  json changed = web;
  changed["spec"]["replicas"] = 3;
  WorkloadPlan plan = PlanWorkloads({changed}, {{"Deployment", {live_web}}}, {"s-web"}, true);
  ASSERT_EQ(plan.apply.size(), 1u);
  EXPECT_EQ(plan.apply[0]["metadata"]["annotations"][std::string(kAppliedHashAnnotation)], ContentHash(changed));
  EXPECT_TRUE(PlanWorkloads({changed}, {{"Deployment", {live_web}}}, {"s-web"}, false).apply.empty());
}

TEST(SpecShapeTest, NamesTheField) {
  struct Case {
    json spec;
    std::string message;  // "" = passes
  };
  const std::vector<Case> cases = {
      {StagingSpec(), ""},
      {json::object(), "spec.tier is required: correct it in the manifest"},
      {{{"tier", "staging"}, {"domains", {{{"host", "a.b"}}}}}, "spec.domains[0].tlsSecretName is required"},
      {{{"tier", "staging"}, {"integrations", {{"payments", {{"secretName", "p"}, {"mode", true}}}}}},
       "spec.integrations.payments.mode must be a string, not a boolean"},
      {{{"tier", "staging"}, {"components", {{"workers", {{{"name", "w"}, {"queues", "default"}}}}}}},
       "spec.components.workers[0].queues must be a list, not a string"},
      {{{"tier", "staging"}, {"openToUsers", "yes"}}, "spec.openToUsers must be a boolean, not a string"},
  };
  for (const Case& c : cases) {
    CheckResult r = CheckSpecShape(c.spec);
    EXPECT_EQ(r.ok, c.message.empty()) << c.spec.dump();
    if (!c.message.empty()) {
      EXPECT_THAT(r.message, HasSubstr(c.message));
    }
  }
}

TEST(SpecRulesTest, CelRulesOnTheMergedSpec) {
  struct Case {
    std::function<void(json&)> edit;
    std::string reason;  // "" = passes
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](json&) {}, "", ""},
      {[](json& s) { s["tier"] = "prod"; }, "UnknownTier", "spec.tier \"prod\" is not local, staging or production"},
      {[](json& s) { s["integrations"]["payments"]["mode"] = "live"; }, "PaymentModeMismatch",
       "spec.integrations.payments.mode must be live when spec.tier is production and test on every other tier"},
      {[](json& s) { s["rollback"] = {{"database", "restoreBackup"}}; }, "RestoreCommandMissing",
       "spec.rollback.database restoreBackup needs spec.migrations.backup.restoreCommand"},
      {[](json& s) { s["smokeTests"].push_back(s["smokeTests"][0]); }, "DuplicateName",
       "spec.smokeTests: each name may appear only once"},
      {[](json& s) { s["healthChecks"] = {{"intervalSeconds", 5}, {"timeoutSeconds", 10}}; },
       "HealthCheckTimeoutTooLong", "spec.healthChecks.timeoutSeconds must not be larger"},
      {[](json& s) { s["deployWindows"] = {{{"days", {"Mon"}}, {"start", "10:00"}, {"end", "10:00"}}}; },
       "EmptyDeployWindow", "spec.deployWindows[0]: start and end are equal"},
      {[](json& s) { s["app"].erase("image"); }, "AppImageMissing", "spec.app.image is not set"},
  };
  for (const Case& c : cases) {
    json spec = StagingSpec();
    c.edit(spec);
    CheckResult r = CheckSpecRules(spec);
    EXPECT_EQ(r.ok, c.reason.empty()) << r.message;
    if (c.reason.empty()) continue;
    EXPECT_EQ(r.reason, c.reason);
    EXPECT_THAT(r.message, HasSubstr(c.message));
  }
}

TEST(EnvironmentNameTest, OwnedObjectNamesMustStayDnsLabels) {
  struct Case {
    std::string name;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"staging", "NameValid"},
      {std::string(52, 'a'), "NameValid"},
      {std::string(53, 'a'), "NameTooLong"},
      {"1st-school", "NameNotDNS1035"},
  };
  for (const Case& c : cases) {
    const CheckResult r = CheckEnvironmentName({{"metadata", {{"name", c.name}}}});
    EXPECT_EQ(r.reason, c.reason) << c.name;
    EXPECT_EQ(r.ok, c.reason == "NameValid") << c.name;
    if (!r.ok) EXPECT_THAT(r.message, HasSubstr("metadata.name")) << r.message;
  }
}

TEST(DecideOpenToUsersTest, Table) {
  struct Case {
    bool was_open, wants_open, all_passed;
    std::string status, reason;
  };
  const std::vector<Case> cases = {
      {false, true, true, "True", "OnboardingPassed"},   {false, true, false, "False", "OnboardingIncomplete"},
      {true, true, false, "True", "Open"},               {true, true, true, "True", "Open"},
      {false, false, true, "False", "NotRequested"},     {true, false, true, "False", "ClosedBySpec"},
  };
  for (const Case& c : cases) {
    rec::Condition got = DecideOpenToUsers(c.was_open, c.wants_open, c.all_passed, "TLSValid");
    EXPECT_EQ(got.status, c.status) << c.was_open << c.wants_open << c.all_passed;
    EXPECT_EQ(got.reason, c.reason);
  }
}

// ---- the controller's map functions -------------------------------------------------------------

TEST(EnvironmentControllerMapTest, SecretsConfigMapsAndTemplatesMapToTheRightEnvironments) {
  kube::StoreWriter writer;
  auto env = [](const std::string& ns, const std::string& name, json spec, int generation, int observed) {
    return json{{"metadata", {{"namespace", ns}, {"name", name}, {"generation", generation}}},
                {"spec", std::move(spec)},
                {"status", {{"observedGeneration", observed}}}};
  };
  json region = {{"tier", "staging"}, {"templateRef", {{"name", "staging"}}}};
  writer.Replace({env("school", "staging", StagingSpec(), 1, 1), env("school", "region", region, 1, 1),
                  env("other", "production", ProductionSpec(), 1, 1)},
                 "1");
  const kube::StoreView view = writer.View();
  auto named = [](const std::string& ns, const std::string& name) {
    return json{{"metadata", {{"namespace", ns}, {"name", name}}}};
  };
  using R = std::vector<jd::Request>;
  // An isolation Secret: every environment of the cluster is re-checked.
  EXPECT_EQ(EnvironmentsReferencingSecret(view, named("school", "jd-db")),
            (R{{"other", "production"}, {"school", "region"}, {"school", "staging"}}));
  // A TLS Secret: only the environments of its namespace naming it (region's domains are not inherited).
  EXPECT_EQ(EnvironmentsReferencingSecret(view, named("school", "staging-tls")), (R{{"school", "staging"}}));
  EXPECT_EQ(EnvironmentsReferencingSecret(view, named("school", "unrelated")), R{});
  // ConfigMaps by the effective spec (region inherits config and tlsCABundle from staging).
  EXPECT_EQ(EnvironmentsReferencingConfigMap(view, named("school", "jd-ca-bundle")),
            (R{{"school", "region"}, {"school", "staging"}}));
  // An environment maps to those inheriting from it; a spec not yet reconciled maps to all.
  EXPECT_EQ(EnvironmentsDependingOn(view, env("school", "staging", StagingSpec(), 1, 1)), (R{{"school", "region"}}));
  EXPECT_EQ(EnvironmentsDependingOn(view, env("school", "staging", StagingSpec(), 2, 1)).size(), 3u);
}

}  // namespace
}  // namespace jd::env
