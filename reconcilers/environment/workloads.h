// Workloads: the Kubernetes objects a JustDrivingEnvironment owns, rendered from its effective spec
// and its current release. Pure: no API calls, no clock; the same input gives the same JSON.
//
// What is rendered (all in the environment's namespace, with the standard labels of
// reconcilers/common/ownership.h and a controller ownerReference to the environment):
//   Service     <env>-web          port 80 -> the web container's port (named "http")
//   Service     <env>-websockets   (websockets enabled) port <websockets port> -> "ws"
//   PDB         <env>-web          (web replicas > 1) maxUnavailable 1
//   Deployment  <env>-web, <env>-worker-<name>..., <env>-scheduler (enabled),
//               <env>-websockets (enabled)
//   Ingress     <env>              (open_to_users and spec.domains non-empty) host -> <env>-web,
//                                  /app -> <env>-websockets when enabled; TLS per domain
//   Job         (RenderTaskJob)    smoke tests (owned by the environment), migrations and backups
//                                  (owned by the release)
//
// Pods get the release image, envFrom the config ConfigMap (the release's snapshot, else
// spec.config.configMapName) and every integration Secret (no value is ever inlined), and env
// APP_ENV / APP_TIMEZONE / APP_LOCALE / APP_CURRENCY / JD_RELEASE / JD_VERSION, which win over
// keys of the same name in the ConfigMap or Secrets (Kubernetes: `env` overrides `envFrom`).
//
// Selectors are only app.kubernetes.io/{name,instance,component} (+ justdriving.io/worker for
// workers), never the version or release, so a rollout never changes a selector (selectors of
// Deployments are immutable) and a Service keeps old and new web pods during a rollout.
//
// Defaults: the effective spec may miss fields the CRD would default (a section left out entirely
// gets no defaults from the API server), so the CRD's defaults are applied here again: web
// replicas 2 / port 8080; worker replicas 1 / horizon false / gracePeriodSeconds 60; scheduler
// enabled; websockets disabled, replicas 1, port 6001.
//
// The environment (and TaskJob::owner) must be the object as read from the API server (apiVersion,
// kind, metadata.name, metadata.uid). Without a uid the ownerReference is still rendered, with an
// empty uid, so the API server rejects the object ("uid must not be empty") instead of the operator
// creating an orphan the garbage collector would never delete.
//
// Usage (environment reconciler):
//   jd::env::RenderInput in{environment, effective_spec,
//                           {"production-2-14-0", "2.14.0", "registry.example.com/app:2.14.0",
//                            "production-2-14-0-config"},
//                           /*open_to_users=*/conditions_allow_traffic};
//   for (nlohmann::json& obj : jd::env::RenderWorkloads(in)) {
//     const std::string hash = jd::env::ContentHash(obj);
//     if (live_hash(obj) == hash) continue;                    // unchanged: no apply
//     obj["metadata"]["annotations"][jd::env::kAppliedHashAnnotation] = hash;
//     client.Apply(obj);
//   }
//   // prune Deployments no longer wanted (a removed worker, websockets disabled):
//   auto wanted = jd::env::WantedDeploymentNames(env_name, effective_spec);
// Usage (release reconciler, one component at a time):
//   for (const auto& c : jd::env::WantedComponents(env_name, spec))
//     Apply(jd::env::RenderDeployment(in, c.component, c.worker)), then wait for it to roll out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace jd::env {

// The annotation in which the reconciler stores ContentHash(desired object) on the applied object.
inline constexpr std::string_view kAppliedHashAnnotation = "justdriving.io/applied-hash";
// Pod template annotation naming the ConfigMap the pods read; a new snapshot rolls the pods.
inline constexpr std::string_view kConfigSnapshotAnnotation = "justdriving.io/config-snapshot";
// Label (on worker Deployments, their pods and in their selector) naming the worker.
inline constexpr std::string_view kWorkerLabel = "justdriving.io/worker";

// What runs: the environment's current release.
struct ReleaseRef {
  std::string name;             // JustDrivingRelease name ("" when none yet)
  std::string version;
  std::string image;            // full image ref with tag or digest
  std::string config_snapshot;  // ConfigMap of the release's config snapshot ("" = spec.config.configMapName)
};

enum class Component { kWeb, kWorker, kScheduler, kWebsockets };

// "web", "worker", "scheduler", "websockets": the app.kubernetes.io/component label value and the
// container name.
std::string_view ComponentName(Component c);

struct RenderInput {
  const nlohmann::json& environment;  // the JustDrivingEnvironment object (metadata.name/namespace/uid)
  const nlohmann::json& spec;         // the EFFECTIVE spec (templates already merged)
  ReleaseRef release;
  bool open_to_users = false;         // render the Ingress
};

// "<env>-web", "<env>-worker-<worker>", "<env>-scheduler", "<env>-websockets".
std::string DeploymentName(const std::string& env, Component c, const std::string& worker = "");

// The labels selecting one component's pods: app.kubernetes.io/name, app.kubernetes.io/instance,
// app.kubernetes.io/component (+ justdriving.io/worker for a worker). Never version or release.
nlohmann::json SelectorLabels(const std::string& env, Component c, const std::string& worker = "");

// The ConfigMap the pods read: release.config_snapshot, else spec.config.configMapName ("" when
// neither is set; then no configMapRef is rendered).
std::string ConfigMapName(const RenderInput& in);

// One Deployment the spec asks for, in rollout order (web, workers in spec order, scheduler,
// websockets).
struct WantedComponent {
  Component component;
  std::string worker;  // the worker's name for kWorker, else ""
  std::string name;    // DeploymentName(env, component, worker)
};
std::vector<WantedComponent> WantedComponents(const std::string& env, const nlohmann::json& spec);

// Names of every Deployment the spec asks for (WantedComponents' names), to prune the others.
std::vector<std::string> WantedDeploymentNames(const std::string& env, const nlohmann::json& spec);

// Every object the environment should own right now, in apply order: Services (web, websockets),
// PDB, Deployments (web, workers, scheduler, websockets), Ingress. Empty when release.image is
// empty (nothing to run yet).
std::vector<nlohmann::json> RenderWorkloads(const RenderInput& in);

// One component's Deployment. Null JSON when release.image is empty or the spec does not ask for
// it (scheduler or websockets disabled, no worker of that name).
nlohmann::json RenderDeployment(const RenderInput& in, Component c, const std::string& worker = "");

// A one-shot Job: `command` in `image` (in.release.image when empty) with the app's envFrom/env,
// container "task", restartPolicy Never, backoffLimit 0, activeDeadlineSeconds timeout_seconds,
// ttlSecondsAfterFinished unset (Jobs are kept for audit; the owner's deletion collects them),
// labels with component `component` (smoke-test|migration|backup) and release `release_name`
// (in.release.name when empty), controller owner `owner` (the environment when null).
struct TaskJob {
  std::string name;
  std::string component;
  std::vector<std::string> command;
  std::string image;
  int64_t timeout_seconds = 600;
  const nlohmann::json* owner = nullptr;
  std::string release_name;
};
nlohmann::json RenderTaskJob(const RenderInput& in, const TaskJob& job);

// Deterministic smoke test Job name: "<env>-smoke-<test name>-<8 hex>", the hex from SHA-256 over
// the release `image`, the test's own `image` (if set) and its `command`, so the test runs again
// whenever what it tests or how changes, and never twice for the same. Truncated to 63 characters
// (the job-name label limit) keeping the hash; characters outside [a-z0-9-] become '-'.
std::string SmokeTestJobName(const std::string& env, const nlohmann::json& smoke_test,
                             const std::string& image);

// SHA-256 (first 16 hex) of `obj` dumped with sorted keys, ignoring the kAppliedHashAnnotation
// itself, so hashing an object that already carries its hash gives the same value.
std::string ContentHash(const nlohmann::json& obj);

}  // namespace jd::env
