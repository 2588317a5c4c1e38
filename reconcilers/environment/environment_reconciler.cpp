#include "reconcilers/environment/environment_reconciler.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "reconcilers/common/conditions.h"
#include "reconcilers/environment/environment_status.h"
#include "reconcilers/environment/json_access.h"
#include "reconcilers/environment/step_onboarding.h"
#include "reconcilers/environment/step_resolve.h"
#include "reconcilers/environment/step_validate.h"
#include "reconcilers/environment/step_workloads.h"
#include "reconcilers/environment/workloads.h"

namespace jd::env {

using nlohmann::json;
using std::chrono::milliseconds;

// What one reconcile works on: the stored object and the status being built from it.
struct ReconcileWork {
  ReconcileWork(const json& environment, WallTime at) : env(environment), now(at) {
    ns = String(Field(env, {"metadata", "namespace"}));
    name = String(Field(env, {"metadata", "name"}));
    uid = String(Field(env, {"metadata", "uid"}));
    generation = Int(Field(env, {"metadata", "generation"}), 0);
    const json& stored = Field(env, {"status"});
    status = stored.is_object() ? stored : json::object();
    const json& conds = Field(status, {"conditions"});
    conditions = conds.is_array() ? conds : json::array();
    old_conditions = conditions;
    was_open = rec::IsTrue(old_conditions, "OpenToUsers");
    // The release controller holds the environment's deploy slot in status.activeRelease.
    deploying = !String(Field(status, {"activeRelease"})).empty();
  }

  const json& env;
  WallTime now;
  std::string ns, name, uid;
  int64_t generation = 0;
  json status;             // a copy of the stored status, updated in place
  json conditions;         // status.conditions being built
  json old_conditions;     // as stored
  bool was_open = false;   // OpenToUsers True before this reconcile
  bool deploying = false;  // status.activeRelease set (by the release controller)
  std::optional<milliseconds> requeue;

  void Set(const std::string& type, const CheckResult& r) {
    rec::SetCondition(conditions, {type, std::string(r.ok ? rec::kTrue : rec::kFalse), r.reason, r.message},
                      generation, now);
  }
  void Set(const rec::Condition& c) { rec::SetCondition(conditions, c, generation, now); }
  void RequeueWithin(milliseconds d) {
    if (d.count() <= 0) d = milliseconds(1000);
    if (!requeue || d < *requeue) requeue = d;
  }
};

namespace {

using Work = ReconcileWork;

ReleaseRef CurrentRelease(const json& status) {
  const json& r = Field(status, {"currentRelease"});
  return ReleaseRef{String(Field(r, {"name"})), String(Field(r, {"version"})), String(Field(r, {"image"})),
                    String(Field(r, {"configSnapshot"}))};
}

bool WantsOpen(const json& env) { return Bool(Field(env, {"spec", "openToUsers"}), false); }

std::string Blocking(const json& conditions) {
  std::string out;
  for (const std::string& type : kCheckConditions) {
    if (!rec::IsTrue(conditions, type)) out += (out.empty() ? "" : ", ") + type;
  }
  return out;
}

// The spec could not be read: ConfigValid says why, the rest is not checked.
void MarkUnreadable(Work& w, const CheckResult& why) {
  w.Set("ConfigValid", why);
  for (const char* type : {"SecretsIsolated", "PaymentModeValid", "TLSValid"}) {
    w.Set({type, std::string(rec::kUnknown), "NotChecked", "not checked: the spec cannot be read (see ConfigValid)"});
  }
  w.Set({"SmokeTestsPassed", std::string(rec::kUnknown), "WaitingForChecks",
         "smoke tests run once ConfigValid, SecretsIsolated, PaymentModeValid and TLSValid are True"});
  w.Set(DecideOpenToUsers(w.was_open, WantsOpen(w.env), false, "ConfigValid"));
  w.status.erase("resolvedTemplate");
}

std::vector<json> OwnedBy(const kube::StoreView& view, const std::string& uid) {
  std::vector<json> out;
  if (uid.empty()) return out;
  for (const kube::ObjectPtr& o : view.ListByIndex(kube::kControllerOwnerIndex, uid)) out.push_back(*o);
  return out;
}

}  // namespace

EnvironmentReconciler::EnvironmentReconciler(kube::Client& client, EnvironmentCaches caches,
                                             kube::EventRecorder& recorder, const jd::Clock& clock,
                                             const IsoCodes& iso, TlsProber& prober,
                                             EnvironmentReconcilerOptions options)
    : client_(client),
      caches_(std::move(caches)),
      recorder_(recorder),
      clock_(clock),
      iso_(iso),
      prober_(prober),
      options_(std::move(options)) {}

jd::ReconcileOutcome EnvironmentReconciler::Reconcile(const jd::Request& request) {
  try {
    kube::ObjectPtr env = caches_.environments.Get(request.ns, request.name);
    if (!env) return jd::Result::Done();  // deleted: the garbage collector removes what it owned
    if (!Field(*env, {"metadata", "deletionTimestamp"}).is_null()) return jd::Result::Done();
    if (!env->is_object()) return jd::Result::Done();
    json object = *env;  // owner references and Events need apiVersion and kind
    if (!object.contains("apiVersion")) object["apiVersion"] = "justdriving.io/v1alpha1";
    if (!object.contains("kind")) object["kind"] = "JustDrivingEnvironment";
    return ReconcileObject(object);
  } catch (const std::exception& e) {
    return jd::ReconcileError("environment " + request.Key() + ": unexpected error: " + e.what());
  }
}

jd::ReconcileOutcome EnvironmentReconciler::ReconcileObject(const json& env) {
  Work w(env, clock_.WallNow());
  const EffectiveSpec eff = ResolveEffectiveSpec(env, LookupIn(caches_.environments));
  std::vector<std::string> unavailable;
  if (!eff.check.ok) {
    MarkUnreadable(w, eff.check);
    return Finish(w, unavailable);
  }
  const bool checks_ok = RunChecks(w, eff.spec);
  if (std::string err = RunOnboarding(w, eff.spec, eff.chain, checks_ok); !err.empty()) {
    return jd::ReconcileError(err);
  }
  if (std::string err = RunWorkloads(w, eff.spec, unavailable); !err.empty()) return jd::ReconcileError(err);
  if (eff.resolved_template.empty()) {
    w.status.erase("resolvedTemplate");
  } else {
    w.status["resolvedTemplate"] = eff.resolved_template;
  }
  return Finish(w, unavailable);
}

bool EnvironmentReconciler::RunChecks(ReconcileWork& w, const json& spec) {
  const ValidationSources sources{caches_.environments, caches_.secrets, caches_.config_maps,
                                  options_.ca_bundle_path, options_.app_https_address, prober_, w.now};
  const Validation v = Validate(GatherValidationInput(w.env, spec, sources, w.was_open), iso_);
  w.Set("ConfigValid", v.config);
  w.Set("SecretsIsolated", v.isolation);
  w.Set("PaymentModeValid", v.payment);
  w.Set("TLSValid", v.tls);
  if (v.tls_recheck_at) {
    w.RequeueWithin(std::chrono::duration_cast<milliseconds>(*v.tls_recheck_at - w.now) + std::chrono::seconds(1));
  }
  return v.config.ok && v.isolation.ok && v.payment.ok && v.tls.ok;
}

std::string EnvironmentReconciler::RunOnboarding(ReconcileWork& w, const json& spec,
                                                 const std::vector<std::string>& chain, bool checks_ok) {
  const ReleaseRef release = CurrentRelease(w.status);
  std::map<std::string, json> smoke_jobs;
  for (json& job : OwnedBy(caches_.jobs, w.uid)) {
    if (String(Field(job, {"metadata", "labels", "app.kubernetes.io/component"})) == "smoke-test") {
      smoke_jobs.emplace(String(Field(job, {"metadata", "name"})), std::move(job));
    }
  }
  std::vector<std::string> owned_jobs;
  for (const auto& entry : smoke_jobs) owned_jobs.push_back(entry.first);
  const SmokePlan plan = PlanSmokeTests(SmokeInput{
      w.name, w.ns, spec, release.image, TemplateReleaseImage(chain, LookupIn(caches_.environments)), checks_ok,
      w.deploying, Field(w.status, {"smokeTests"}),
      [&](const std::string& job_name) -> const json* {
        auto it = smoke_jobs.find(job_name);
        return it == smoke_jobs.end() ? nullptr : &it->second;
      },
      owned_jobs});
  WorkloadPlan jobs;
  for (const TaskJob& job : plan.create) jobs.apply.push_back(RenderTaskJob(RenderInput{w.env, spec, release, false}, job));
  for (const std::string& stale : plan.stale) jobs.remove.push_back({"Job", w.ns, stale});
  if (std::string err = ApplyPlan(client_, jobs, options_.field_manager); !err.empty()) return err;
  w.Set(plan.condition);
  if (plan.running) w.RequeueWithin(options_.job_poll_interval);
  w.status["smokeTests"] = plan.statuses;
  w.Set(DecideOpenToUsers(w.was_open, WantsOpen(w.env), checks_ok && plan.passed, Blocking(w.conditions)));
  if (rec::IsTrue(w.conditions, "OpenToUsers")) w.RequeueWithin(options_.open_recheck_interval);
  return "";
}

std::string EnvironmentReconciler::RunWorkloads(ReconcileWork& w, const json& spec,
                                                std::vector<std::string>& unavailable) {
  const ReleaseRef release = CurrentRelease(w.status);
  const std::vector<json> deployments = OwnedBy(caches_.deployments, w.uid);
  const std::vector<std::string> wanted = WantedDeploymentNames(w.name, spec);
  if (!release.image.empty()) unavailable = UnavailableDeployments(deployments, wanted);
  if (w.deploying) return "";  // the release controller rolls the components now
  const LiveObjects live = {{"Deployment", deployments},
                            {"Service", OwnedBy(caches_.services, w.uid)},
                            {"Ingress", OwnedBy(caches_.ingresses, w.uid)},
                            {"PodDisruptionBudget", OwnedBy(caches_.pod_disruption_budgets, w.uid)}};
  const bool open = rec::IsTrue(w.conditions, "OpenToUsers");
  const WorkloadPlan plan =
      PlanWorkloads(RenderWorkloads(RenderInput{w.env, spec, release, open}), live, wanted, !release.image.empty());
  return ApplyPlan(client_, plan, options_.field_manager);
}

jd::ReconcileOutcome EnvironmentReconciler::Finish(ReconcileWork& w, const std::vector<std::string>& unavailable) {
  bool validation_failed = false;
  for (const char* type : {"ConfigValid", "SecretsIsolated", "PaymentModeValid", "TLSValid"}) {
    const json* c = rec::FindCondition(w.conditions, type);
    validation_failed = validation_failed || (c != nullptr && String(Field(*c, {"status"})) == rec::kFalse);
  }
  const std::string phase = ComputePhase(PhaseInputs{w.deploying ? "Deploying" : "",
                                                     rec::IsTrue(w.conditions, "OpenToUsers"), validation_failed,
                                                     rec::IsTrue(w.conditions, "SmokeTestsPassed"),
                                                     unavailable.empty()});
  w.status["phase"] = phase;
  w.status["observedGeneration"] = w.generation;
  rec::SetReadiness(w.conditions, ComputeReadiness(phase, w.conditions, unavailable), w.generation, w.now);
  w.status["conditions"] = w.conditions;
  auto wrote = WriteStatusIfChanged(client_, w.env, w.status);
  if (!wrote.ok()) {
    return jd::ReconcileError("write status of " + w.ns + "/" + w.name + ": " + kube::Describe(wrote.error()));
  }
  for (const EventSpec& e : TransitionEvents(w.old_conditions, w.conditions)) {
    recorder_.Event(w.env, e.type, e.reason, e.message);
  }
  if (!w.requeue) return jd::Result::Done();
  return jd::Result::RequeueAfter(std::min(*w.requeue, options_.max_requeue));
}

}  // namespace jd::env
