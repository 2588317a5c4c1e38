// Integration test of the JustDrivingEnvironment controller (reconcilers/environment/) against an
// in-process kube-sim WITH its workload simulator (Deployment, ReplicaSet, Job controllers and the
// kubelet) and its app simulator (which serves the Ingress certificates), real SystemClock:
//   - the environment CRD of crds/ and the staging + production examples of docs/examples are applied
//     (YAML converted to JSON), TLS Secrets are made here (kube-sim's certificate helper);
//   - staging (with a current release set in its status) reaches Ready only after its smoke test
//     Jobs completed;
//   - production (from the staging template, no release of its own: smoke tests run against the
//     template's release image) has one smoke test failing by a scenario PUT to
//     /admin/v1/scenarios, and stays closed;
//   - production with test keys is refused (PaymentModeValid), staging holding production's DB
//     password is not isolated (SecretsIsolated, with a Warning Event), an expiring certificate
//     turns TLSValid False.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "app_simulator.h"
#include "deployment_controller.h"
#include "job_controller.h"
#include "kube/event_recorder.h"
#include "kubelet.h"
#include "kubesim_harness.h"
#include "reconcilers/common/conditions.h"
#include "reconcilers/environment/environment_controller.h"
#include "reconcilers/environment/json_access.h"
#include "reconcilers/environment/locale_rules.h"
#include "reconcilers/environment/tls_prober.h"
#include "reconcilers/environment/workloads.h"
#include "replicaset_controller.h"
#include "scenario.h"
#include "scenario_admin.h"
#include "simulator.h"
#include "text_util.h"
#include "yaml_json.h"

#ifndef JD_SOURCE_DIR
#define JD_SOURCE_DIR "."
#endif

namespace jd {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr const char* kNs = "school-demo";
const kube::ResourceRef kCrds{"apiextensions.k8s.io", "v1", "customresourcedefinitions", false};
const std::string kStagingImage = "registry.example.com/justdriving/app:2.14.0";

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const kube::ResourceRef* RefFor(const std::string& kind) {
  if (kind == "Namespace") return &kube::kNamespaces;
  if (kind == "ConfigMap") return &kube::kConfigMaps;
  if (kind == "Secret") return &kube::kSecrets;
  if (kind == "JustDrivingEnvironment") return &kube::kJustDrivingEnvironments;
  if (kind == "CustomResourceDefinition") return &kCrds;
  return nullptr;  // releases are the release controller's business
}

template <typename Pred>
bool Eventually(Pred pred, seconds timeout = seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return pred();
}

class EnvironmentKubesimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(kube_.Start(), "");
    kubesim::RegisterScenarioAdmin(kube_.api(), scenarios_);
    sim_ = std::make_unique<kubesim::Simulator>(kube_.api(), sim_clock_, scenarios_, "t0ken");
    sim_->Add(std::make_unique<kubesim::DeploymentController>());
    sim_->Add(std::make_unique<kubesim::ReplicaSetController>());
    sim_->Add(std::make_unique<kubesim::JobController>());
    sim_->Add(std::make_unique<kubesim::Kubelet>());
    sim_->Start();
    apps_ = std::make_unique<kubesim::AppSimulator>(kube_.api(), scenarios_, sim_clock_);
    auto ports = apps_->Start();
    ASSERT_TRUE(ports.ok()) << ports.error().message;
    https_port_ = ports.value().second;
    auto iso = env::IsoCodes::Load(env::IsoCodes::kDefaultDir);
    ASSERT_TRUE(iso.ok()) << iso.error().message;
    iso_ = std::make_unique<env::IsoCodes>(iso.value());
  }

  void TearDown() override {
    if (controller_.controller) controller_.controller->Stop();
    if (apps_) apps_->Stop();
    if (sim_) sim_->Stop();
    kube_.Stop();
  }

  // Creates every object of a YAML file (several documents allowed).
  void ApplyFile(const std::string& relative) {
    auto docs = kubesim::YamlDocumentsToJson(ReadFile(std::filesystem::path(JD_SOURCE_DIR) / relative));
    ASSERT_TRUE(docs.ok()) << relative << ": " << docs.error().message;
    for (const json& doc : docs.value()) {
      if (!doc.is_object()) continue;
      const kube::ResourceRef* ref = RefFor(doc.value("kind", ""));
      if (ref == nullptr) continue;
      auto r = kube_.client().Create(*ref, doc);
      ASSERT_TRUE(r.ok()) << relative << ": " << kube::Describe(r.error());
    }
  }

  // A kubernetes.io/tls Secret for `host` from the test CA, valid `days` more days.
  void PutTlsSecret(const std::string& name, const std::string& host, int days) {
    kubesim::CertRequest req;
    req.common_name = host;
    req.dns_names = {host};
    req.not_after = std::chrono::system_clock::now() + std::chrono::hours(24 * days);
    auto b = kubesim::IssueCert(ca_.ca_cert_pem, ca_.ca_key_pem, req);
    ASSERT_TRUE(b.ok()) << b.error().message;
    json secret = {{"apiVersion", "v1"},
                   {"kind", "Secret"},
                   {"metadata", {{"name", name}, {"namespace", kNs}}},
                   {"type", "kubernetes.io/tls"},
                   {"data",
                    {{"tls.crt", kubesim::Base64Encode(b.value().cert_pem)},
                     {"tls.key", kubesim::Base64Encode(b.value().key_pem)}}}};
    auto existing = kube_.client().Get(kube::kSecrets, kNs, name);
    auto r = existing.ok() ? kube_.client().Update(kube::kSecrets, secret) : kube_.client().Create(kube::kSecrets, secret);
    ASSERT_TRUE(r.ok()) << kube::Describe(r.error());
  }

  void MakeCa() {
    kubesim::CertRequest req;
    req.dns_names = {"unused.example"};
    req.ca_common_name = "Just Driving test CA";
    auto b = kubesim::GenerateCaAndServingCert(req);
    ASSERT_TRUE(b.ok()) << b.error().message;
    ca_ = b.value();
    json cm = {{"apiVersion", "v1"},
               {"kind", "ConfigMap"},
               {"metadata", {{"name", "jd-ca-bundle"}, {"namespace", kNs}}},
               {"data", {{"ca.crt", ca_.ca_cert_pem}}}};
    ASSERT_TRUE(kube_.client().Create(kube::kConfigMaps, cm).ok());
  }

  // PUT /admin/v1/scenarios (kube-sim's admin endpoint) with `doc`.
  void PutScenarios(const json& doc) {
    kubesim::HttpRequest req;
    req.method = "PUT";
    req.path = "/admin/v1/scenarios";
    req.headers["authorization"] = "Bearer t0ken";
    req.headers["content-type"] = "application/json";
    req.body = doc.dump();
    kubesim::ApiResponse resp = kube_.api().Handle(req);
    ASSERT_EQ(resp.response.status, 200) << resp.response.body;
  }

  void PatchSecret(const std::string& name, const json& string_data) {
    json data = json::object();
    for (auto it = string_data.begin(); it != string_data.end(); ++it) {
      data[it.key()] = kubesim::Base64Encode(it->get<std::string>());
    }
    auto r = kube_.client().Patch(kube::kSecrets, kNs, name, kube::PatchType::kMerge, {{"data", data}});
    ASSERT_TRUE(r.ok()) << kube::Describe(r.error());
  }

  void StartController() {
    prober_ = std::make_unique<env::OpenSslTlsProber>(kube_.clock());
    recorder_ = std::make_unique<kube::KubeEventRecorder>(kube_.client(), kube_.clock(), "justdriving-operator");
    env::EnvironmentReconcilerOptions opts;
    opts.app_https_address = "127.0.0.1:" + std::to_string(https_port_);
    ControllerOptions copts;
    copts.max_concurrent_reconciles = 2;
    auto c = env::NewEnvironmentController(kube_.client(), kube_.clock(), copts, {*recorder_, *iso_, *prober_, opts});
    ASSERT_TRUE(c.ok()) << c.error().message;
    controller_ = std::move(c).value();
    controller_.controller->Start();
    ASSERT_TRUE(controller_.controller->WaitForCacheSync(seconds(30)));
  }

  json Env(const std::string& name) {
    auto r = kube_.client().Get(kube::kJustDrivingEnvironments, kNs, name);
    return r.ok() ? r.value() : json::object();
  }

  json Cond(const std::string& name, const std::string& type) {
    const json env = Env(name);
    const json* c = rec::FindCondition(env::Field(env, {"status", "conditions"}), type);
    return c ? *c : json::object();
  }

  bool CondIs(const std::string& name, const std::string& type, const std::string& status,
              const std::string& reason = "") {
    const json c = Cond(name, type);
    return c.value("status", "") == status && (reason.empty() || c.value("reason", "") == reason);
  }

  testing::KubesimHarness kube_;
  kubesim::SystemClock sim_clock_;
  kubesim::Scenarios scenarios_;
  std::unique_ptr<kubesim::Simulator> sim_;
  std::unique_ptr<kubesim::AppSimulator> apps_;
  int https_port_ = 0;
  kubesim::CertBundle ca_;
  std::unique_ptr<env::IsoCodes> iso_;
  std::unique_ptr<env::OpenSslTlsProber> prober_;
  std::unique_ptr<kube::KubeEventRecorder> recorder_;
  env::EnvironmentController controller_;
};

TEST_F(EnvironmentKubesimTest, OnboardsStagingAndGuardsProduction) {
  // The environment CRD, served once created (the release CRD is not needed by this controller and
  // is tested by tests/e2e/crds_test.sh).
  ApplyFile("crds/justdriving.io_justdrivingenvironments.yaml");
  ASSERT_TRUE(Eventually([&] { return kube_.client().List(kube::kJustDrivingEnvironments, kNs).ok(); }, seconds(10)));

  // One production smoke test fails (by scenario); everything else runs at 5x speed.
  const json staging_spec = kubesim::YamlToJson(ReadFile(std::filesystem::path(JD_SOURCE_DIR) /
                                                         "docs/examples/03-environment-staging.yaml"))
                                .value()["spec"];
  const json& failing_test = staging_spec["smokeTests"][2];  // invoices-payments
  const std::string failing_job = env::SmokeTestJobName("production", failing_test, kStagingImage);
  PutScenarios({{"timeScale", 0.2},
                {"scenarios",
                 {{{"name", "broken-invoices"},
                   {"match", {{"labels", {{"job-name", failing_job}}}}},
                   {"job", {{"durationSeconds", 1}, {"exitCode", 1}, {"log", "invoice total mismatch"}}}}}}});

  // Staging: namespace, TLS and CA bundle, config, secrets, environment; its current release.
  ApplyFile("docs/examples/00-namespace.yaml");
  MakeCa();
  PutTlsSecret("staging-tls", "staging.school-demo.example", 90);
  ApplyFile("docs/examples/01-config.yaml");
  ApplyFile("docs/examples/02-secrets-staging.yaml");
  ApplyFile("docs/examples/03-environment-staging.yaml");
  auto patched = kube_.client().PatchStatus(
      kube::kJustDrivingEnvironments, kNs, "staging", kube::PatchType::kMerge,
      {{"status", {{"currentRelease", {{"name", "staging-2-14-0"}, {"version", "2.14.0"}, {"image", kStagingImage}}}}}});
  ASSERT_TRUE(patched.ok()) << kube::Describe(patched.error());

  StartController();

  // Staging becomes Ready, and only after every smoke test Job completed.
  ASSERT_TRUE(Eventually([&] { return env::String(env::Field(Env("staging"), {"status", "phase"})) == "Ready"; }))
      << Env("staging")["status"].dump(2);
  const json staging = Env("staging");
  ASSERT_EQ(staging["status"]["smokeTests"].size(), 4u);
  const std::string opened_at = Cond("staging", "OpenToUsers").value("lastTransitionTime", "");
  for (const json& t : staging["status"]["smokeTests"]) {
    EXPECT_EQ(t["state"], "Passed") << t.dump();
    auto job = kube_.client().Get(kube::kJobs, kNs, t["jobName"].get<std::string>());
    ASSERT_TRUE(job.ok());
    EXPECT_TRUE(rec::IsTrue(job.value()["status"]["conditions"], "Complete")) << job.value()["status"].dump();
    // RFC 3339 UTC strings of one format compare in time order.
    EXPECT_GE(opened_at, env::String(env::Field(job.value(), {"status", "completionTime"}))) << t.dump();
  }
  EXPECT_TRUE(kube_.client().Get(kube::kIngresses, kNs, "staging").ok());
  EXPECT_TRUE(CondIs("staging", "TLSValid", "True", "CertificateValid"));  // served by the app simulator

  // Production from the staging template: checks pass, one smoke test fails, it stays closed.
  PutTlsSecret("production-tls", "app.school-demo.example", 90);
  ApplyFile("docs/examples/production/01-config.yaml");
  ApplyFile("docs/examples/production/02-secrets.yaml");
  // The examples share SMS_PROVIDER and SMS_SENDER between tiers (settings, not credentials:
  // secret_isolation.h does not compare *_PROVIDER / *_SENDER), so production is isolated as shipped.
  ApplyFile("docs/examples/production/03-environment.yaml");
  ASSERT_TRUE(Eventually([&] { return CondIs("production", "SmokeTestsPassed", "False", "SmokeTestFailed"); }))
      << Env("production")["status"].dump(2);
  for (const char* check : {"ConfigValid", "SecretsIsolated", "PaymentModeValid", "TLSValid"}) {
    EXPECT_TRUE(CondIs("production", check, "True")) << check << ": " << Cond("production", check).dump();
  }
  const std::string smoke_message = Cond("production", "SmokeTestsPassed")["message"];
  EXPECT_NE(smoke_message.find("smoke test invoices-payments (Job " + failing_job), std::string::npos) << smoke_message;
  EXPECT_NE(smoke_message.find("kubectl logs job/" + failing_job), std::string::npos) << smoke_message;
  EXPECT_TRUE(CondIs("production", "OpenToUsers", "False", "OnboardingIncomplete"));
  EXPECT_EQ(Env("production")["status"]["phase"], "Onboarding");
  EXPECT_EQ(Env("production")["status"]["resolvedTemplate"], "school-demo/staging");
  EXPECT_FALSE(kube_.client().Get(kube::kIngresses, kNs, "production").ok());

  // Production with test keys is refused.
  PatchSecret("jd-prod-payments", {{"PAYMENT_SECRET_KEY", "sk_test_production-oops"}});
  ASSERT_TRUE(Eventually([&] { return CondIs("production", "PaymentModeValid", "False", "TestKeyInLiveMode"); }))
      << Cond("production", "PaymentModeValid").dump();
  EXPECT_EQ(Env("production")["status"]["phase"], "Invalid");

  // Staging holding production's DB password: not isolated (both sides), Warning Event.
  PatchSecret("jd-db", {{"DB_PASSWORD", "production-db-password-example"}});
  ASSERT_TRUE(Eventually([&] { return CondIs("staging", "SecretsIsolated", "False", "SharedSecretValue"); }))
      << Cond("staging", "SecretsIsolated").dump();
  const std::string shared = Cond("staging", "SecretsIsolated")["message"];
  EXPECT_NE(shared.find("environment school-demo/production (tier production)"), std::string::npos) << shared;
  EXPECT_NE(shared.find("DB_PASSWORD"), std::string::npos) << shared;
  EXPECT_EQ(shared.find("production-db-password-example"), std::string::npos);
  EXPECT_TRUE(Eventually([&] { return CondIs("production", "SecretsIsolated", "False", "SharedSecretValue"); }));
  // Open staging stays open; it is Degraded.
  EXPECT_TRUE(CondIs("staging", "OpenToUsers", "True"));
  EXPECT_TRUE(Eventually([&] { return env::String(env::Field(Env("staging"), {"status", "phase"})) == "Degraded"; }));
  EXPECT_TRUE(Eventually([&] {
    auto events = kube_.client().List(kube::kEvents, kNs);
    if (!events.ok()) return false;
    for (const json& e : events.value()["items"]) {
      if (e.value("reason", "") == "SharedSecretValue" && e.value("type", "") == "Warning") return true;
    }
    return false;
  })) << "no Warning Event SharedSecretValue";

  // An expiring certificate turns TLSValid False.
  PutTlsSecret("staging-tls", "staging.school-demo.example", 5);
  ASSERT_TRUE(Eventually([&] { return CondIs("staging", "TLSValid", "False", "ExpiresSoon"); }))
      << Cond("staging", "TLSValid").dump();
  EXPECT_NE(Cond("staging", "TLSValid")["message"].get<std::string>().find("spec.minTLSDays is 14"), std::string::npos);
}

}  // namespace
}  // namespace jd
