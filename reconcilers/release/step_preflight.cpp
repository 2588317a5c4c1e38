// Preflight (step.h): the checks of the pre-deployment checklist, then the environment's deploy
// slot.
//
// Rules refused by the release's own spec block it (phase Blocked, quarantined until the spec
// changes: phase.h ShouldRestart); rules about the world around it make it wait (phase Waiting,
// re-checked when the environment, a ConfigMap or a Secret changes, and every
// wait_recheck_interval), because they fix themselves or are fixed elsewhere:
//   Blocked  spec.image not of the environment's spec.app.image; destructive migrations without
//            spec.migrations.plan; destructive migrations in production without
//            spec.migrations.approved: true.
//   Waiting  environment not found / unreadable / not valid for its current generation
//            (ConfigValid, SecretsIsolated, PaymentModeValid, TLSValid True with observedGeneration
//            current); promotion (spec.promotion.requireSucceededIn) unmet; a spec.requiredConfigKeys
//            key in neither the config ConfigMap nor an integration Secret (names only: values are
//            never read); deploy window closed (requeue at its next opening) unless
//            spec.overrideDeployWindow (recorded in status and the environment's history).
// When everything passes the release takes the slot (env status.activeRelease = its name, a merge
// patch carrying the environment's resourceVersion) and moves to BackingUp.
#include <algorithm>
#include <set>

#include "reconcilers/common/conditions.h"
#include "reconcilers/common/timestamp.h"
#include "reconcilers/environment/json_access.h"
#include "reconcilers/release/deploy_window.h"
#include "reconcilers/release/step.h"
#include "reconcilers/common/strings.h"

namespace jd::release {

using env::Bool;
using env::Field;
using env::Int;
using env::String;
using nlohmann::json;

namespace {

const std::vector<std::string> kValidityConditions = {"ConfigValid", "SecretsIsolated", "PaymentModeValid",
                                                      "TLSValid"};

// The repository of an image reference: without @digest, and without :tag when the colon comes
// after the last '/' (a registry port is not a tag).
std::string Repository(std::string image) {
  if (auto at = image.find('@'); at != std::string::npos) image.resize(at);
  const auto slash = image.rfind('/');
  const auto colon = image.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) image.resize(colon);
  return image;
}

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

PreflightVerdict Verdict(PreflightVerdict::Kind kind, std::string reason, std::string message) {
  PreflightVerdict v;
  v.kind = kind;
  v.reason = std::move(reason);
  v.message = std::move(message);
  return v;
}
PreflightVerdict Wait(std::string reason, std::string message) {
  return Verdict(PreflightVerdict::kWait, std::move(reason), std::move(message));
}
PreflightVerdict Block(std::string reason, std::string message) {
  return Verdict(PreflightVerdict::kBlock, std::move(reason), std::move(message));
}


// "" when every validity condition is True for the environment's current generation.
std::string EnvironmentProblem(const json& environment) {
  const int64_t generation = Int(Field(environment, {"metadata", "generation"}), 0);
  const json& conds = Field(environment, {"status", "conditions"});
  std::vector<std::string> problems;
  for (const std::string& type : kValidityConditions) {
    const json* c = rec::FindCondition(conds, type);
    if (c == nullptr) {
      problems.push_back(type + " not checked yet");
      continue;
    }
    if (Int(Field(*c, {"observedGeneration"}), -1) != generation) {
      problems.push_back(type + " not checked yet for generation " + std::to_string(generation));
      continue;
    }
    if (String(Field(*c, {"status"})) != rec::kTrue) {
      std::string p = type + " is " + String(Field(*c, {"status"}), "Unknown");
      const std::string msg = String(Field(*c, {"message"}));
      if (!msg.empty()) p += " (" + msg + ")";
      problems.push_back(p);
    }
  }
  return rec::Join(problems, "; ");
}

// Whether `version` Succeeded in environment `env_name` of `ns`: a release of it in phase
// Succeeded, or an entry of that environment's status.history.
bool SucceededIn(const StepInput& in, const std::string& env_name) {
  for (const kube::ObjectPtr& r : in.caches.releases.List(in.ns)) {
    if (String(Field(*r, {"spec", "environment"})) == env_name && String(Field(*r, {"spec", "version"})) == in.version &&
        String(Field(*r, {"status", "phase"})) == "Succeeded") {
      return true;
    }
  }
  kube::ObjectPtr other = in.caches.environments.Get(in.ns, env_name);
  if (!other) return false;
  const json& history = Field(*other, {"status", "history"});
  if (!history.is_array()) return false;
  for (const json& h : history) {
    if (String(Field(h, {"version"})) == in.version && String(Field(h, {"outcome"})) == "Succeeded") return true;
  }
  return false;
}

// Names of the Secrets whose keys become the app's environment (workloads.h EnvFrom).
std::vector<std::string> IntegrationSecrets(const json& spec) {
  std::vector<std::string> out;
  const json& integrations = Field(spec, {"integrations"});
  for (const char* kind : {"database", "cache", "mail", "sms", "payments"}) {
    const std::string s = String(Field(integrations, {kind, "secretName"}));
    if (!s.empty()) out.push_back(s);
  }
  const json& external = Field(integrations, {"external"});
  if (external.is_array()) {
    for (const json& e : external) {
      const std::string s = String(Field(e, {"secretName"}));
      if (!s.empty()) out.push_back(s);
    }
  }
  return out;
}

void AddKeys(std::set<std::string>& keys, const json& obj, const char* field) {
  const json& data = Field(obj, {field});
  if (!data.is_object()) return;
  for (const auto& [k, v] : data.items()) keys.insert(k);
}

std::optional<PreflightVerdict> CheckConfigKeys(const StepInput& in) {
  const json& required = Field(in.release, {"spec", "requiredConfigKeys"});
  if (!required.is_array() || required.empty()) return std::nullopt;
  std::set<std::string> keys;
  const std::string config = String(Field(in.spec, {"config", "configMapName"}));
  if (!config.empty()) {
    if (kube::ObjectPtr cm = in.ConfigMap(config)) {
      AddKeys(keys, *cm, "data");
      AddKeys(keys, *cm, "binaryData");
    }
  }
  const std::vector<std::string> secrets = IntegrationSecrets(in.spec);
  for (const std::string& s : secrets) {
    if (kube::ObjectPtr secret = in.Secret(s)) {
      AddKeys(keys, *secret, "data");
      AddKeys(keys, *secret, "stringData");
    }
  }
  std::vector<std::string> missing;
  for (const json& k : required) {
    if (k.is_string() && keys.count(k.get<std::string>()) == 0) missing.push_back(k.get<std::string>());
  }
  if (missing.empty()) return std::nullopt;
  std::string where = config.empty() ? "no config ConfigMap (spec.config.configMapName is not set)"
                                     : "ConfigMap " + config;
  where += secrets.empty() ? " and no integration Secret" : " and Secrets " + rec::Join(secrets);
  return Wait("MissingConfigKeys", "spec.requiredConfigKeys: " + rec::Join(missing) + (missing.size() == 1 ? " is" : " are") +
                                       " in neither " + where + " of environment " + in.env_name +
                                       ": add " + (missing.size() == 1 ? "it" : "them") +
                                       " to the ConfigMap (or to the Secret of the integration " +
                                       (missing.size() == 1 ? "it belongs" : "they belong") + " to)");
}

std::optional<PreflightVerdict> CheckWindow(const StepInput& in) {
  auto windows = ParseDeployWindows(Field(in.spec, {"deployWindows"}));
  if (!windows.ok()) return Wait("InvalidDeployWindows", "environment " + in.env_name + ": " + windows.error().message);
  if (windows.value().empty()) return std::nullopt;
  const std::string tz = String(Field(in.spec, {"locale", "timezone"}), "UTC");
  auto open = IsOpen(windows.value(), tz, in.now);
  if (!open.ok()) return Wait("InvalidDeployWindows", "environment " + in.env_name + ": " + open.error().message);
  if (open.value()) return std::nullopt;
  if (Bool(Field(in.release, {"spec", "overrideDeployWindow"}), false)) {
    PreflightVerdict v;
    v.window_overridden = true;
    return v;
  }
  auto next = NextOpening(windows.value(), tz, in.now);
  if (!next.ok()) return Wait("DeployWindowClosed", "environment " + in.env_name + ": " + next.error().message);
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(next.value() - in.now);
  PreflightVerdict v = Wait("DeployWindowClosed",
                            "outside the deploy windows of environment " + in.env_name + " (spec.deployWindows, " + tz +
                                "): waiting until " + rec::FormatRfc3339(next.value()) +
                                "; set spec.overrideDeployWindow: true to deploy now (recorded in the history)");
  v.requeue_after = std::max(delay, std::chrono::milliseconds(1000));
  return v;
}

}  // namespace

PreflightVerdict CheckPreflight(const StepInput& in) {
  // The environment exists and its spec can be read.
  if (in.environment == nullptr) {
    return Wait("EnvironmentNotFound", "spec.environment: JustDrivingEnvironment " + in.env_name +
                                           " does not exist in namespace " + in.ns +
                                           ": create it, or correct spec.environment");
  }
  if (in.spec.is_null()) {
    return Wait("EnvironmentInvalid", "environment " + in.env_name + " cannot be read: " + in.spec_error);
  }
  const json& rspec = Field(in.release, {"spec"});
  // spec.image is a tag or digest of the environment's app image.
  const std::string repo = String(Field(in.spec, {"app", "image"}));
  if (!repo.empty() && Repository(in.image) != repo) {
    return Block("ImageMismatch", "spec.image \"" + in.image + "\" is not an image of " + repo +
                                      " (spec.app.image of environment " + in.env_name + "): use " + repo +
                                      ":<tag> or " + repo + "@sha256:<digest>");
  }
  // Destructive migrations carry a plan; in production they are approved.
  const bool destructive = Bool(Field(rspec, {"migrations", "destructive"}), false);
  if (destructive && Trim(String(Field(rspec, {"migrations", "plan"}))).empty()) {
    return Block("MigrationPlanMissing",
                 "spec.migrations.plan is required when spec.migrations.destructive is true: describe how data "
                 "survives the migrations and how to undo them");
  }
  if (destructive && String(Field(in.spec, {"tier"})) == "production" &&
      !Bool(Field(rspec, {"migrations", "approved"}), false)) {
    return Block("MigrationNotApproved",
                 "spec.migrations.approved must be true to run destructive migrations in production environment " +
                     in.env_name + ": have spec.migrations.plan reviewed, then set spec.migrations.approved: true");
  }
  // The environment is valid for its current generation.
  if (std::string problem = EnvironmentProblem(*in.environment); !problem.empty()) {
    return Wait("EnvironmentNotValid", "environment " + in.env_name + " is not valid yet: " + problem);
  }
  // Promotion: the same version Succeeded where required first.
  const json& required = Field(rspec, {"promotion", "requireSucceededIn"});
  if (required.is_array()) {
    std::vector<std::string> unmet;
    for (const json& e : required) {
      if (e.is_string() && !SucceededIn(in, e.get<std::string>())) unmet.push_back(e.get<std::string>());
    }
    if (!unmet.empty()) {
      return Wait("PromotionPending", "spec.promotion.requireSucceededIn: version " + in.version +
                                          " has not Succeeded in " + rec::Join(unmet) + " yet: deploy it there first");
    }
  }
  if (auto keys = CheckConfigKeys(in)) return *keys;
  if (auto window = CheckWindow(in)) return *window;
  return PreflightVerdict{};
}

StepOutcome StepPreflight(const StepInput& in, ReleaseStatus& st) {
  const PreflightVerdict v = CheckPreflight(in);
  StepOutcome out;
  const bool holding = in.environment != nullptr && in.ActiveRelease() == in.name;
  if (v.kind == PreflightVerdict::kBlock) {
    st.SetCondition(kPreflightPassed, false, v.reason, v.message);
    st.FinishStep("preflight", kStepFailed, v.message);
    st["failureReason"] = v.reason;
    st["finishedAt"] = st.Stamp();
    st.SetPhase(Phase::kBlocked, v.reason, v.message);
    return StepOutcome::Stop();  // a held slot is given back by FinishEnvPatch
  }
  if (v.kind == PreflightVerdict::kWait) {
    st.SetCondition(kPreflightPassed, false, v.reason, v.message);
    st.StartStep("preflight", v.message);
    st.Erase("startedAt");
    st.SetPhase(Phase::kWaiting, v.reason, v.message);
    out = StepOutcome::RequeueAfter(v.requeue_after.value_or(in.options.wait_recheck_interval));
    if (holding) out.env_patch = json{{"activeRelease", ""}};
    return out;
  }
  if (!holding && SlotHeldByOther(in)) {
    const std::string message = "release " + in.ActiveRelease() + " is in progress in environment " + in.env_name +
                                "; this release starts when it has finished (one release at a time per environment)";
    st.Erase("startedAt");
    st.SetPhase(Phase::kWaiting, "ReleaseInProgress", message);
    return StepOutcome::RequeueAfter(in.options.wait_recheck_interval);
  }
  out = StepOutcome::Continue();
  if (!holding) out.env_patch = json{{"activeRelease", in.name}};
  std::string message = "environment valid, migrations reviewed, promotion and config keys satisfied";
  if (v.window_overridden) {
    st["deployWindowOverridden"] = true;
    message += "; deploy window overridden (spec.overrideDeployWindow)";
    if (!Bool(st.stored().value("deployWindowOverridden", json()), false)) {
      out.events.push_back({kube::EventType::kWarning, "DeployWindowOverridden",
                            "deploying outside the deploy windows of environment " + in.env_name +
                                " because spec.overrideDeployWindow is true"});
    }
  }
  st.SetCondition(kPreflightPassed, true, "PreflightPassed", message);
  st.FinishStep("preflight", kStepSucceeded, message);
  st.SetPhase(Phase::kBackingUp, "BackingUp", "taking the config snapshot and backing the database up");
  return out;
}

}  // namespace jd::release
