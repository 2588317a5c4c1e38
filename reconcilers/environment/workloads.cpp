#include "reconcilers/environment/workloads.h"

#include <algorithm>

#include <openssl/evp.h>

#include "reconcilers/common/ownership.h"
#include "reconcilers/common/strings.h"

namespace jd::env {
namespace {

using nlohmann::json;

// Defaults of the CRD (crds/justdriving.io_justdrivingenvironments.yaml), applied again because a
// section left out of the spec (e.g. no `components` at all) gets none from the API server.
constexpr int64_t kDefaultWebReplicas = 2;
constexpr int64_t kDefaultWebPort = 8080;
constexpr int64_t kDefaultWorkerReplicas = 1;
constexpr int64_t kDefaultWorkerGraceSeconds = 60;
constexpr int64_t kDefaultWebsocketsReplicas = 1;
constexpr int64_t kDefaultWebsocketsPort = 6001;

constexpr int64_t kWebServicePort = 80;
constexpr int64_t kWebGraceSeconds = 30;
constexpr int64_t kSchedulerGraceSeconds = 60;
constexpr int64_t kPreStopSleepSeconds = 5;
// A queue job gets this much less than the pod's grace period, so it is killed by its own
// --timeout (and retried) before the kubelet's SIGKILL could cut it off mid-way.
constexpr int64_t kWorkerTimeoutMargin = 10;
constexpr std::size_t kMaxJobNameLength = 63;  // the Job controller puts it in a label value

const json* Member(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(std::string(key));
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

const json& Object(const json& obj, std::string_view key) {
  static const json kEmpty = json::object();
  const json* m = Member(obj, key);
  return m != nullptr && m->is_object() ? *m : kEmpty;
}

std::string String(const json& obj, std::string_view key) {
  const json* m = Member(obj, key);
  return m != nullptr && m->is_string() ? m->get<std::string>() : "";
}

int64_t Int(const json& obj, std::string_view key, int64_t fallback) {
  const json* m = Member(obj, key);
  return m != nullptr && m->is_number_integer() ? m->get<int64_t>() : fallback;
}

bool Bool(const json& obj, std::string_view key, bool fallback) {
  const json* m = Member(obj, key);
  return m != nullptr && m->is_boolean() ? m->get<bool>() : fallback;
}

std::vector<std::string> Strings(const json& obj, std::string_view key) {
  std::vector<std::string> out;
  const json* m = Member(obj, key);
  if (m == nullptr || !m->is_array()) return out;
  for (const auto& v : *m) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}


std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    return std::string(64, '0');  // only when OpenSSL cannot allocate
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

std::string EnvName(const RenderInput& in) {
  return String(Object(in.environment, "metadata"), "name");
}

std::string EnvNamespace(const RenderInput& in) {
  return String(Object(in.environment, "metadata"), "namespace");
}

const json& Components(const json& spec) { return Object(spec, "components"); }

// The spec's worker of `name`, or nullptr.
const json* FindWorker(const json& spec, const std::string& name) {
  const json* workers = Member(Components(spec), "workers");
  if (workers == nullptr || !workers->is_array()) return nullptr;
  for (const auto& w : *workers) {
    if (w.is_object() && String(w, "name") == name) return &w;
  }
  return nullptr;
}

bool SchedulerEnabled(const json& spec) {
  return Bool(Object(Components(spec), "scheduler"), "enabled", true);
}

bool WebsocketsEnabled(const json& spec) {
  return Bool(Object(Components(spec), "websockets"), "enabled", false);
}

int64_t WebReplicas(const json& spec) {
  return Int(Object(Components(spec), "web"), "replicas", kDefaultWebReplicas);
}

int64_t WebPort(const json& spec) {
  return Int(Object(Components(spec), "web"), "port", kDefaultWebPort);
}

int64_t WebsocketsPort(const json& spec) {
  return Int(Object(Components(spec), "websockets"), "port", kDefaultWebsocketsPort);
}

std::string WebServiceName(const std::string& env) { return env + "-web"; }
std::string WebsocketsServiceName(const std::string& env) { return env + "-websockets"; }

// The controller ownerReference to `owner`. An owner that was never stored (no uid) still gets a
// reference, with an empty uid, which the API server rejects: better a failed apply than an
// orphan that outlives its environment.
json OwnerReferences(const json& owner) {
  auto ref = rec::OwnerReference(owner);
  if (ref.ok()) return json::array({ref.value()});
  const json& meta = Object(owner, "metadata");
  return json::array({{{"apiVersion", String(owner, "apiVersion")},
                       {"kind", String(owner, "kind")},
                       {"name", String(meta, "name")},
                       {"uid", String(meta, "uid")},
                       {"controller", true},
                       {"blockOwnerDeletion", true}}});
}

json Metadata(const RenderInput& in, const std::string& name, const json& labels,
              const json& owner) {
  return {{"name", name},
          {"namespace", EnvNamespace(in)},
          {"labels", labels},
          {"ownerReferences", OwnerReferences(owner)}};
}

// Standard labels of an object of the environment for `component` (plus the worker label).
json Labels(const RenderInput& in, std::string_view component, const std::string& worker = "",
            const std::string& release = "") {
  json labels = rec::StandardLabels(EnvName(in), component, in.release.version,
                                    release.empty() ? in.release.name : release);
  if (!worker.empty()) labels[std::string(kWorkerLabel)] = rec::LabelValue(worker);
  return labels;
}

// APP_ENV per tier; an unknown tier (the CRD's enum forbids it) sets none.
std::string AppEnv(const std::string& tier) {
  if (tier == "production" || tier == "staging" || tier == "local") return tier;
  return "";
}

// envFrom: the ConfigMap, then the integration Secrets in a fixed order (database, cache, mail,
// sms, payments, external[] in spec order). On a key in several sources the later one wins, so a
// Secret overrides a ConfigMap key of the same name. No Secret is optional: a pod without its
// database credentials must not start (CreateContainerConfigError names the missing Secret).
json EnvFrom(const RenderInput& in) {
  json from = json::array();
  const std::string config = ConfigMapName(in);
  if (!config.empty()) from.push_back({{"configMapRef", {{"name", config}}}});
  const json& integrations = Object(in.spec, "integrations");
  for (const char* kind : {"database", "cache", "mail", "sms", "payments"}) {
    const std::string secret = String(Object(integrations, kind), "secretName");
    if (!secret.empty()) from.push_back({{"secretRef", {{"name", secret}}}});
  }
  const json* external = Member(integrations, "external");
  if (external != nullptr && external->is_array()) {
    for (const auto& e : *external) {
      const std::string secret = String(e, "secretName");
      if (!secret.empty()) from.push_back({{"secretRef", {{"name", secret}}}});
    }
  }
  return from;
}

// env: settings the operator owns (tier, locale, release); `env` wins over every envFrom source.
json Env(const RenderInput& in, const std::string& release_name) {
  json env = json::array();
  auto add = [&](const char* name, const std::string& value) {
    if (!value.empty()) env.push_back({{"name", name}, {"value", value}});
  };
  const json& locale = Object(in.spec, "locale");
  add("APP_ENV", AppEnv(String(in.spec, "tier")));
  add("APP_TIMEZONE", String(locale, "timezone"));
  add("APP_LOCALE", String(locale, "locale"));
  add("APP_CURRENCY", String(locale, "currency"));
  add("JD_RELEASE", release_name.empty() ? in.release.name : release_name);
  add("JD_VERSION", in.release.version);
  return env;
}

json ContainerSecurityContext() {
  return {{"runAsNonRoot", true},
          {"allowPrivilegeEscalation", false},
          // Laravel writes storage/ and bootstrap/cache/ inside the app directory.
          {"readOnlyRootFilesystem", false},
          {"capabilities", {{"drop", json::array({"ALL"})}}}};
}

json Container(const RenderInput& in, std::string_view name, const std::string& image,
               const std::string& release_name = "") {
  return {{"name", std::string(name)},
          {"image", image},
          {"imagePullPolicy", "IfNotPresent"},
          {"envFrom", EnvFrom(in)},
          {"env", Env(in, release_name)},
          {"securityContext", ContainerSecurityContext()}};
}

json ExecPreStop(std::vector<std::string> command) {
  return {{"preStop", {{"exec", {{"command", std::move(command)}}}}}};
}

// The pod spec every app pod shares; `container` is its only container.
json PodSpec(const RenderInput& in, json container, int64_t grace_seconds) {
  json pod = {
      {"containers", json::array({std::move(container)})},
      {"terminationGracePeriodSeconds", grace_seconds},
      // Pod-level half of the Pod Security "restricted" profile (the container half is in
      // ContainerSecurityContext).
      {"securityContext", {{"runAsNonRoot", true}, {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
      // Service links would inject e.g. REDIS_PORT=tcp://10.0.0.1:6379 for a Service named
      // "redis", silently overriding Laravel's REDIS_PORT from the cache Secret.
      {"enableServiceLinks", false},
      // The app never talks to the Kubernetes API; no token to steal.
      {"automountServiceAccountToken", false},
  };
  json pull = json::array();
  for (const auto& s : Strings(Object(in.spec, "app"), "imagePullSecrets")) {
    pull.push_back({{"name", s}});
  }
  if (!pull.empty()) pod["imagePullSecrets"] = std::move(pull);
  return pod;
}

json PodTemplate(const RenderInput& in, const json& labels, json pod_spec) {
  json meta = {{"labels", labels}};
  meta["annotations"][std::string(kConfigSnapshotAnnotation)] = ConfigMapName(in);
  return {{"metadata", std::move(meta)}, {"spec", std::move(pod_spec)}};
}

json RollingUpdate(const json& max_surge) {
  return {{"type", "RollingUpdate"},
          {"rollingUpdate", {{"maxUnavailable", 0}, {"maxSurge", max_surge}}}};
}

json Deployment(const RenderInput& in, Component c, const std::string& worker, int64_t replicas,
                json strategy, json container, int64_t grace_seconds) {
  const std::string env = EnvName(in);
  const json labels = Labels(in, ComponentName(c), worker);
  json spec = {
      {"replicas", replicas},
      {"selector", {{"matchLabels", SelectorLabels(env, c, worker)}}},
      {"strategy", std::move(strategy)},
      {"progressDeadlineSeconds", 600},
      {"template", PodTemplate(in, labels, PodSpec(in, std::move(container), grace_seconds))},
  };
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", Metadata(in, DeploymentName(env, c, worker), labels, in.environment)},
          {"spec", std::move(spec)}};
}

json WebDeployment(const RenderInput& in) {
  const int64_t port = WebPort(in.spec);
  json container = Container(in, "web", in.release.image);  // the image's own entrypoint serves
  container["ports"] = json::array({{{"name", "http"}, {"containerPort", port}, {"protocol", "TCP"}}});
  // /up is Laravel 11's health route: it answers 200 once the app boots, without touching the
  // database, so a database outage does not make the kubelet restart every web pod.
  container["readinessProbe"] = {{"httpGet", {{"path", "/up"}, {"port", "http"}}},
                                 {"periodSeconds", 5},
                                 {"failureThreshold", 3}};
  container["livenessProbe"] = {{"httpGet", {{"path", "/up"}, {"port", "http"}}},
                                {"initialDelaySeconds", 10},
                                {"periodSeconds", 10},
                                {"failureThreshold", 6}};
  // Endpoints are removed asynchronously after the pod is marked terminating; sleeping before
  // SIGTERM lets Services and Ingress controllers stop sending new requests first.
  container["lifecycle"] = ExecPreStop({"sleep", std::to_string(kPreStopSleepSeconds)});
  json d = Deployment(in, Component::kWeb, "", WebReplicas(in.spec), RollingUpdate("25%"),
                      std::move(container), kWebGraceSeconds);
  d["spec"]["minReadySeconds"] = 5;
  return d;
}

json WorkerDeployment(const RenderInput& in, const json& worker) {
  const std::string name = String(worker, "name");
  const int64_t grace = Int(worker, "gracePeriodSeconds", kDefaultWorkerGraceSeconds);
  json container = Container(in, "worker", in.release.image);
  if (Bool(worker, "horizon", false)) {
    // Horizon reads its queues from config/horizon.php; `queues` of the spec is not used.
    // horizon:terminate lets the supervisors finish their current jobs, then exits the master.
    container["command"] = {"php", "artisan", "horizon"};
    container["lifecycle"] = ExecPreStop({"php", "artisan", "horizon:terminate"});
  } else {
    // On SIGTERM queue:work finishes the job in hand and exits; --timeout stays below the grace
    // period so no job outlives it. --max-time recycles the process hourly (memory leaks).
    const int64_t timeout = std::max<int64_t>(1, grace - kWorkerTimeoutMargin);
    container["command"] = {"php",
                            "artisan",
                            "queue:work",
                            "--queue=" + rec::Join(Strings(worker, "queues"), ","),
                            "--sleep=3",
                            "--tries=3",
                            "--max-time=3600",
                            "--timeout=" + std::to_string(timeout)};
  }
  return Deployment(in, Component::kWorker, name, Int(worker, "replicas", kDefaultWorkerReplicas),
                    RollingUpdate(1), std::move(container), grace);
}

json SchedulerDeployment(const RenderInput& in) {
  json container = Container(in, "scheduler", in.release.image);
  container["command"] = {"php", "artisan", "schedule:work"};
  // Recreate: the old scheduler pod is gone before the new one starts, so no task runs twice.
  return Deployment(in, Component::kScheduler, "", 1, {{"type", "Recreate"}}, std::move(container),
                    kSchedulerGraceSeconds);
}

json WebsocketsDeployment(const RenderInput& in) {
  const json& ws = Object(Components(in.spec), "websockets");
  const int64_t port = WebsocketsPort(in.spec);
  json container = Container(in, "websockets", in.release.image);
  container["command"] = {"php", "artisan", "reverb:start", "--host=0.0.0.0",
                          "--port=" + std::to_string(port)};
  container["ports"] = json::array({{{"name", "ws"}, {"containerPort", port}, {"protocol", "TCP"}}});
  container["readinessProbe"] = {{"tcpSocket", {{"port", "ws"}}}, {"periodSeconds", 5},
                                 {"failureThreshold", 3}};
  container["lifecycle"] = ExecPreStop({"sleep", std::to_string(kPreStopSleepSeconds)});
  // More than one replica needs Reverb's Redis scaling (REVERB_SCALING_ENABLED in the config).
  return Deployment(in, Component::kWebsockets, "",
                    Int(ws, "replicas", kDefaultWebsocketsReplicas), RollingUpdate("25%"),
                    std::move(container), kWebGraceSeconds);
}

json Service(const RenderInput& in, Component c, const std::string& name, int64_t port,
             std::string_view target_port) {
  const std::string env = EnvName(in);
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", Metadata(in, name, Labels(in, ComponentName(c)), in.environment)},
          {"spec",
           {{"type", "ClusterIP"},
            {"selector", SelectorLabels(env, c)},
            {"ports", json::array({{{"name", std::string(target_port)},
                                    {"port", port},
                                    {"targetPort", std::string(target_port)},
                                    {"protocol", "TCP"}}})}}}};
}

// Only with more than one web replica. With one replica, a minAvailable=1 (or maxUnavailable=0)
// PDB allows zero voluntary disruptions: `kubectl drain` and node upgrades retry the eviction
// forever and block on this pod. maxUnavailable=1 with one replica would protect nothing. So a
// single replica gets no PDB and is simply rescheduled during a drain.
json WebPdb(const RenderInput& in) {
  const std::string env = EnvName(in);
  return {{"apiVersion", "policy/v1"},
          {"kind", "PodDisruptionBudget"},
          {"metadata", Metadata(in, env + "-web", Labels(in, "web"), in.environment)},
          {"spec",
           {{"maxUnavailable", 1},
            {"selector", {{"matchLabels", SelectorLabels(env, Component::kWeb)}}},
            // A crash-looping pod is not "available" anyway; letting drains evict it keeps a
            // broken release from blocking node maintenance.
            {"unhealthyPodEvictionPolicy", "AlwaysAllow"}}}};
}

// ingressClassName unset: the cluster's default IngressClass. Kubernetes picks the longest
// matching Prefix, so /app goes to websockets and everything else to web.
json Ingress(const RenderInput& in, const json& domains) {
  const std::string env = EnvName(in);
  const bool websockets = WebsocketsEnabled(in.spec);
  auto backend = [](const std::string& service, int64_t port) {
    return json{{"service", {{"name", service}, {"port", {{"number", port}}}}}};
  };
  json rules = json::array();
  json tls = json::array();
  for (const auto& d : domains) {
    const std::string host = String(d, "host");
    if (host.empty()) continue;
    json paths = json::array(
        {{{"path", "/"}, {"pathType", "Prefix"}, {"backend", backend(WebServiceName(env), kWebServicePort)}}});
    if (websockets) {
      paths.push_back({{"path", "/app"},
                       {"pathType", "Prefix"},
                       {"backend", backend(WebsocketsServiceName(env), WebsocketsPort(in.spec))}});
    }
    rules.push_back({{"host", host}, {"http", {{"paths", std::move(paths)}}}});
    const std::string secret = String(d, "tlsSecretName");
    if (!secret.empty()) tls.push_back({{"hosts", json::array({host})}, {"secretName", secret}});
  }
  json spec = {{"rules", std::move(rules)}};
  if (!tls.empty()) spec["tls"] = std::move(tls);
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "Ingress"},
          {"metadata", Metadata(in, env, Labels(in, "web"), in.environment)},
          {"spec", std::move(spec)}};
}

// Lowercase; characters outside [a-z0-9-] become '-'.
std::string DnsLabelChars(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) c = '-';
  }
  return s;
}

}  // namespace

std::string_view ComponentName(Component c) {
  switch (c) {
    case Component::kWeb: return "web";
    case Component::kWorker: return "worker";
    case Component::kScheduler: return "scheduler";
    case Component::kWebsockets: return "websockets";
  }
  return "web";
}

std::string DeploymentName(const std::string& env, Component c, const std::string& worker) {
  if (c == Component::kWorker) return env + "-worker-" + worker;
  return env + "-" + std::string(ComponentName(c));
}

nlohmann::json SelectorLabels(const std::string& env, Component c, const std::string& worker) {
  json labels = {{"app.kubernetes.io/name", "justdriving"},
                 {"app.kubernetes.io/instance", rec::LabelValue(env)},
                 {"app.kubernetes.io/component", std::string(ComponentName(c))}};
  if (c == Component::kWorker) labels[std::string(kWorkerLabel)] = rec::LabelValue(worker);
  return labels;
}

std::string ConfigMapName(const RenderInput& in) {
  if (!in.release.config_snapshot.empty()) return in.release.config_snapshot;
  return String(Object(in.spec, "config"), "configMapName");
}

std::vector<WantedComponent> WantedComponents(const std::string& env, const nlohmann::json& spec) {
  std::vector<WantedComponent> out;
  out.push_back({Component::kWeb, "", DeploymentName(env, Component::kWeb)});
  const json* workers = Member(Components(spec), "workers");
  if (workers != nullptr && workers->is_array()) {
    for (const auto& w : *workers) {
      const std::string name = String(w, "name");
      if (!name.empty()) {
        out.push_back({Component::kWorker, name, DeploymentName(env, Component::kWorker, name)});
      }
    }
  }
  if (SchedulerEnabled(spec)) {
    out.push_back({Component::kScheduler, "", DeploymentName(env, Component::kScheduler)});
  }
  if (WebsocketsEnabled(spec)) {
    out.push_back({Component::kWebsockets, "", DeploymentName(env, Component::kWebsockets)});
  }
  return out;
}

std::vector<std::string> WantedDeploymentNames(const std::string& env, const nlohmann::json& spec) {
  std::vector<std::string> names;
  for (auto& c : WantedComponents(env, spec)) names.push_back(std::move(c.name));
  return names;
}

nlohmann::json RenderDeployment(const RenderInput& in, Component c, const std::string& worker) {
  if (in.release.image.empty()) return nullptr;
  switch (c) {
    case Component::kWeb: return WebDeployment(in);
    case Component::kWorker: {
      const json* w = FindWorker(in.spec, worker);
      return w == nullptr ? json(nullptr) : WorkerDeployment(in, *w);
    }
    case Component::kScheduler:
      return SchedulerEnabled(in.spec) ? SchedulerDeployment(in) : json(nullptr);
    case Component::kWebsockets:
      return WebsocketsEnabled(in.spec) ? WebsocketsDeployment(in) : json(nullptr);
  }
  return nullptr;
}

std::vector<nlohmann::json> RenderWorkloads(const RenderInput& in) {
  std::vector<json> out;
  if (in.release.image.empty()) return out;
  const std::string env = EnvName(in);
  const bool websockets = WebsocketsEnabled(in.spec);

  out.push_back(Service(in, Component::kWeb, WebServiceName(env), kWebServicePort, "http"));
  if (websockets) {
    out.push_back(Service(in, Component::kWebsockets, WebsocketsServiceName(env),
                          WebsocketsPort(in.spec), "ws"));
  }
  if (WebReplicas(in.spec) > 1) out.push_back(WebPdb(in));
  for (const auto& c : WantedComponents(env, in.spec)) {
    json d = RenderDeployment(in, c.component, c.worker);
    if (!d.is_null()) out.push_back(std::move(d));
  }
  const json* domains = Member(in.spec, "domains");
  if (in.open_to_users && domains != nullptr && domains->is_array() && !domains->empty()) {
    out.push_back(Ingress(in, *domains));
  }
  return out;
}

nlohmann::json RenderTaskJob(const RenderInput& in, const TaskJob& job) {
  const std::string release = job.release_name.empty() ? in.release.name : job.release_name;
  const json labels = Labels(in, job.component, "", release);
  json container = Container(in, "task", job.image.empty() ? in.release.image : job.image, release);
  container["command"] = job.command;
  json pod = PodSpec(in, std::move(container), kWebGraceSeconds);
  pod["restartPolicy"] = "Never";
  // No ttlSecondsAfterFinished: finished Jobs (and their pods' logs) are kept for audit and go
  // with their owner.
  json spec = {{"backoffLimit", 0},
               {"activeDeadlineSeconds", job.timeout_seconds},
               {"template", PodTemplate(in, labels, std::move(pod))}};
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata", Metadata(in, job.name, labels, job.owner != nullptr ? *job.owner : in.environment)},
          {"spec", std::move(spec)}};
}

std::string SmokeTestJobName(const std::string& env, const nlohmann::json& smoke_test,
                             const std::string& image) {
  // A JSON array is an unambiguous encoding: ["a b"] and ["a", "b"] hash differently.
  const json material = {image, String(smoke_test, "image"), Strings(smoke_test, "command")};
  const std::string hash = Sha256Hex(material.dump()).substr(0, 8);
  std::string prefix = DnsLabelChars(env + "-smoke-" + String(smoke_test, "name"));
  const std::size_t max_prefix = kMaxJobNameLength - 1 - hash.size();
  if (prefix.size() > max_prefix) prefix.resize(max_prefix);
  while (!prefix.empty() && prefix.back() == '-') prefix.pop_back();
  std::size_t start = 0;
  while (start < prefix.size() && prefix[start] == '-') ++start;
  prefix = prefix.substr(start);
  return prefix.empty() ? hash : prefix + "-" + hash;
}

std::string ContentHash(const nlohmann::json& obj) {
  const json* annotations = Member(Object(obj, "metadata"), "annotations");
  if (annotations != nullptr && annotations->contains(std::string(kAppliedHashAnnotation))) {
    json copy = obj;
    json& a = copy["metadata"]["annotations"];
    a.erase(std::string(kAppliedHashAnnotation));
    if (a.empty()) copy["metadata"].erase("annotations");
    return Sha256Hex(copy.dump()).substr(0, 16);
  }
  // nlohmann::json keeps object keys sorted (std::map), so dump() is canonical.
  return Sha256Hex(obj.dump()).substr(0, 16);
}

}  // namespace jd::env
