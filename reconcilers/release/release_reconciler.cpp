#include "reconcilers/release/release_reconciler.h"

#include <algorithm>
#include <utility>

#include "common/base64.h"
#include "reconcilers/environment/json_access.h"
#include "reconcilers/environment/step_resolve.h"

namespace jd::release {

using env::Field;
using env::String;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

// At most this many steps per reconcile (Pending -> Preflight -> BackingUp -> ... -> RollingBack
// needs fewer; the bound only stops a step that keeps answering kContinue).
constexpr int kMaxStepsPerReconcile = 16;

const kube::ResourceRef* RefFor(const std::string& kind) {
  if (kind == "Deployment") return &kube::kDeployments;
  if (kind == "Service") return &kube::kServices;
  if (kind == "PodDisruptionBudget") return &kube::kPodDisruptionBudgets;
  if (kind == "Ingress") return &kube::kIngresses;
  if (kind == "Job") return &kube::kJobs;
  if (kind == "ConfigMap") return &kube::kConfigMaps;
  return nullptr;
}

json WithTypeMeta(json obj) {
  if (!obj.contains("apiVersion")) obj["apiVersion"] = "justdriving.io/v1alpha1";
  if (!obj.contains("kind")) obj["kind"] = "JustDrivingRelease";
  return obj;
}

Phase PhaseOf(const json& release) {
  return ParsePhase(String(Field(release, {"status", "phase"}))).value_or(Phase::kPending);
}

bool Announced(Phase p) { return p == Phase::kSucceeded || p == Phase::kFailed || p == Phase::kRolledBack; }

kube::EventType EventTypeFor(Phase to) {
  return to == Phase::kFailed || to == Phase::kBlocked || to == Phase::kRollingBack ? kube::EventType::kWarning
                                                                                   : kube::EventType::kNormal;
}

}  // namespace

ReleaseReconciler::ReleaseReconciler(kube::Client& client, ReleaseCaches caches, kube::EventRecorder& recorder,
                                     const jd::Clock& clock, HttpProber& prober, Notifier* notifier,
                                     ReleaseMetrics* metrics, ReleaseReconcilerOptions options)
    : client_(client),
      caches_(std::move(caches)),
      recorder_(recorder),
      clock_(clock),
      prober_(prober),
      notifier_(notifier),
      metrics_(metrics),
      options_(std::move(options)) {}

jd::ReconcileOutcome ReleaseReconciler::Reconcile(const jd::Request& request) {
  try {
    kube::ObjectPtr cached = caches_.releases.Get(request.ns, request.name);
    if (!cached || !cached->is_object()) return jd::Result::Done();  // deleted: the GC takes what it owned
    if (!Field(*cached, {"metadata", "deletionTimestamp"}).is_null()) return jd::Result::Done();
    const json release = WithTypeMeta(*cached);
    if (IsTerminal(PhaseOf(release))) {
      // Decided from the caches: nothing to do means no API call at all.
      kube::ObjectPtr env = caches_.environments.Get(request.ns, String(Field(release, {"spec", "environment"})));
      const json environment = env ? *env : json();
      const env::EffectiveSpec eff =
          env ? env::ResolveEffectiveSpec(environment, env::LookupIn(caches_.environments)) : env::EffectiveSpec{};
      ReleaseStatus st(Field(release, {"status"}), env::Int(Field(release, {"metadata", "generation"}), 0),
                       clock_.WallNow());
      StepInput in(release, env ? &environment : nullptr, eff.spec, eff.check.message, caches_, options_,
                   clock_.WallNow());
      StepOutcome out = StepTerminal(in, st);
      if (IsTerminal(st.phase()) && !out.env_patch) return jd::Result::Done();
    }
    return ReconcileLive(request);
  } catch (const std::exception& e) {
    return jd::ReconcileError("release " + request.Key() + ": unexpected error: " + e.what());
  }
}

jd::ReconcileOutcome ReleaseReconciler::ReconcileLive(const jd::Request& request) {
  auto got = client_.Get(kube::kJustDrivingReleases, request.ns, request.name);
  if (kube::IsNotFound(got)) return jd::Result::Done();
  if (!got.ok()) return jd::ReconcileError("get release " + request.Key() + ": " + kube::Describe(got.error()));
  json release = WithTypeMeta(got.value());
  if (!Field(release, {"metadata", "deletionTimestamp"}).is_null()) return jd::Result::Done();

  const std::string env_name = String(Field(release, {"spec", "environment"}));
  json environment;
  bool have_env = false;
  if (!env_name.empty()) {
    auto e = client_.Get(kube::kJustDrivingEnvironments, request.ns, env_name);
    if (e.ok()) {
      environment = e.value();
      have_env = true;
    } else if (!kube::IsNotFound(e)) {
      return jd::ReconcileError("get environment " + request.ns + "/" + env_name + ": " + kube::Describe(e.error()));
    }
  }
  if (have_env) {
    if (!environment.contains("apiVersion")) environment["apiVersion"] = "justdriving.io/v1alpha1";
    if (!environment.contains("kind")) environment["kind"] = "JustDrivingEnvironment";
  }
  const env::EffectiveSpec eff =
      have_env ? env::ResolveEffectiveSpec(environment, env::LookupIn(caches_.environments)) : env::EffectiveSpec{};
  const std::string spec_error = eff.check.ok ? "" : eff.check.message;
  const json spec = eff.check.ok ? eff.spec : json();

  const WallTime now = clock_.WallNow();
  ReleaseStatus st(Field(release, {"status"}), env::Int(Field(release, {"metadata", "generation"}), 0), now);
  std::vector<StepOutcome> outcomes;
  for (int i = 0; i < kMaxStepsPerReconcile; ++i) {
    StepInput in(release, have_env ? &environment : nullptr, spec, spec_error, caches_, options_, now);
    const Phase before = st.phase();
    StepOutcome out = RunStep(in, st);
    if (std::string err = Execute(out, request.ns); !err.empty()) {
      return jd::ReconcileError("release " + request.Key() + ": " + err);
    }
    if (out.env_patch && have_env) {
      auto patched = PatchEnvironment(environment, *out.env_patch);
      if (kube::IsConflict(patched)) return jd::Result::RequeueAfter(options_.conflict_requeue);
      if (!patched.ok()) {
        return jd::ReconcileError("patch status of environment " + request.ns + "/" + env_name + ": " +
                                  kube::Describe(patched.error()));
      }
      environment = patched.value();
    }
    const bool again = out.kind == StepOutcome::kContinue && !(st.phase() == before && IsTerminal(before));
    outcomes.push_back(std::move(out));
    if (!again) break;
  }

  // The release status, once, when it changed.
  if (st.Changed()) {
    json obj = release;
    obj["status"] = st.value();
    auto wrote = client_.UpdateStatus(kube::kJustDrivingReleases, obj);
    if (kube::IsConflict(wrote)) return jd::Result::RequeueAfter(options_.conflict_requeue);
    if (!wrote.ok()) {
      return jd::ReconcileError("write status of release " + request.Key() + ": " + kube::Describe(wrote.error()));
    }
    release = WithTypeMeta(wrote.value());
  }
  StepInput final_in(release, have_env ? &environment : nullptr, spec, spec_error, caches_, options_, now);
  bool became_terminal = false;
  for (const Transition& t : st.transitions()) became_terminal = became_terminal || IsTerminal(t.to);
  became_terminal = became_terminal && IsTerminal(st.phase());

  // Events, metrics and notifications describe what was written.
  for (const Transition& t : st.transitions()) {
    const std::string reason = t.to == Phase::kPending ? t.reason : std::string(ToString(t.to));
    recorder_.Event(release, EventTypeFor(t.to), reason, t.message);
  }
  for (const StepOutcome& out : outcomes) {
    for (const EventToRecord& e : out.events) recorder_.Event(release, e.type, e.reason, e.message);
  }
  Observe(st, outcomes);
  if (became_terminal && Announced(st.phase())) Announce(final_in, st);

  // The environment's bookkeeping of a terminal release, after its status.
  jd::Result result = jd::Result::Done();
  if (became_terminal && have_env) {
    if (auto patch = FinishEnvPatch(final_in, st)) {
      auto patched = PatchEnvironment(environment, *patch);
      if (kube::IsConflict(patched)) return jd::Result::RequeueAfter(options_.conflict_requeue);
      if (!patched.ok()) {
        return jd::ReconcileError("patch status of environment " + request.ns + "/" + env_name + ": " +
                                  kube::Describe(patched.error()));
      }
    }
  }
  const StepOutcome& last = outcomes.back();
  switch (last.kind) {
    case StepOutcome::kStop:
      return result;
    case StepOutcome::kRequeueAfter:
      return jd::Result::RequeueAfter(std::clamp(last.delay, milliseconds(1), options_.max_requeue));
    case StepOutcome::kContinue:
      return jd::Result::RequeueAfter(milliseconds(1000));
  }
  return result;
}

StepOutcome ReleaseReconciler::RunStep(const StepInput& in, ReleaseStatus& st) {
  switch (st.phase()) {
    case Phase::kPending:
    case Phase::kWaiting:
      return StepQueue(in, st);
    case Phase::kPreflight:
      return StepPreflight(in, st);
    case Phase::kBackingUp:
      return StepBackup(in, st);
    case Phase::kMigrating:
      return StepMigrate(in, st);
    case Phase::kRollingOut:
      return StepRollout(in, st);
    case Phase::kVerifying:
    case Phase::kRollingBack: {
      std::optional<std::vector<ProbeResult>> answers;
      if (NeedsProbeRound(in, st)) {
        answers.emplace();
        for (const ProbeRequest& req : PlanProbes(in)) answers->push_back(prober_.Get(req));
      }
      return st.phase() == Phase::kVerifying ? StepVerify(in, st, answers) : StepRevert(in, st, answers);
    }
    default:
      return StepTerminal(in, st);
  }
}

std::string ReleaseReconciler::Execute(const StepOutcome& out, const std::string& ns) {
  for (const json& obj : out.create) {
    const std::string kind = String(Field(obj, {"kind"}));
    const kube::ResourceRef* ref = RefFor(kind);
    if (ref == nullptr) return "cannot create " + kind + ": not a kind the release owns";
    auto r = client_.Create(*ref, obj);
    if (!r.ok() && !kube::IsAlreadyExists(r)) {
      return "create " + kind + " " + ns + "/" + String(Field(obj, {"metadata", "name"})) + ": " +
             kube::Describe(r.error());
    }
  }
  for (const json& obj : out.apply) {
    const std::string kind = String(Field(obj, {"kind"}));
    const kube::ResourceRef* ref = RefFor(kind);
    if (ref == nullptr) return "cannot apply " + kind + ": not a kind the release rolls out";
    const std::string name = String(Field(obj, {"metadata", "name"}));
    auto r = client_.Patch(*ref, ns, name, kube::PatchType::kApply, obj,
                           kube::PatchOptions{.field_manager = options_.field_manager, .force = true});
    if (!r.ok()) return "apply " + kind + " " + ns + "/" + name + ": " + kube::Describe(r.error());
  }
  return "";
}

kube::ApiResult<json> ReleaseReconciler::PatchEnvironment(const json& environment, const json& fields) {
  const json body = {{"metadata", {{"resourceVersion", String(Field(environment, {"metadata", "resourceVersion"}))}}},
                     {"status", fields}};
  return client_.PatchStatus(kube::kJustDrivingEnvironments, String(Field(environment, {"metadata", "namespace"})),
                             String(Field(environment, {"metadata", "name"})), kube::PatchType::kMerge, body);
}

void ReleaseReconciler::Announce(const StepInput& in, const ReleaseStatus& st) {
  if (notifier_ == nullptr) return;
  const json& hooks = Field(in.spec, {"notifications", "webhooks"});
  if (!hooks.is_array() || hooks.empty()) return;
  const std::string body = BuildPayload(Announcement(in, st));
  for (const json& hook : hooks) {
    const std::string url = String(Field(hook, {"url"}));
    const std::string secret_name = String(Field(hook, {"secretName"}));
    kube::ObjectPtr secret = in.Secret(secret_name);
    const std::string encoded = secret ? String(Field(*secret, {"data", "secret"})) : "";
    auto key = Base64Decode(encoded);
    if (url.empty() || encoded.empty() || !key.ok()) {
      recorder_.Event(in.release, kube::EventType::kWarning, "NotificationNotSent",
                      "webhook " + url + " not notified: Secret " + secret_name +
                          " (spec.notifications.webhooks[].secretName) has no valid key `secret`");
      continue;
    }
    notifier_->Enqueue(url, key.value(), body);
  }
}

void ReleaseReconciler::Observe(const ReleaseStatus& st, const std::vector<StepOutcome>& outcomes) {
  if (metrics_ == nullptr) return;
  for (const FinishedStep& s : st.finished_steps()) metrics_->StepDuration(s.name, s.seconds);
  for (const Transition& t : st.transitions()) {
    if (t.to == Phase::kRollingBack) metrics_->RollbackStarted();
    if (IsTerminal(t.to)) metrics_->Outcome(std::string(ToString(t.to)));
  }
  for (const StepOutcome& out : outcomes) {
    if (out.time_to_detect_seconds) metrics_->TimeToDetectFailure(*out.time_to_detect_seconds);
  }
}

}  // namespace jd::release
