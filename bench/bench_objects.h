// bench_objects.h — realistic Kubernetes objects, generated in code, for the store and informer
// benchmarks (benchmarks only; not part of the operator).
//
//   BenchConfigMap(i, rv)    a ConfigMap of about 1 KiB serialized: labels, annotations, one
//                            controller ownerReference to an Environment, a few data keys
//   BenchDeployment(i, rv)   a Deployment of about 4 KiB serialized: the same metadata plus a pod
//                            template with one container (env, resources, probes, mounts) and a
//                            status with conditions
//
// Object i lives in namespace "ns-<i % kBenchNamespaces>" and is owned (controller: true) by owner
// i / kBenchObjectsPerOwner, whose uid is BenchOwnerUid(i / kBenchObjectsPerOwner), so
// ListByIndex(kControllerOwnerIndex, uid) returns kBenchObjectsPerOwner objects. Deterministic:
// the same i gives the same object (except resourceVersion, which is passed in).
//
// Usage:
//   nlohmann::json cm = jd::bench::BenchConfigMap(42, "1000");
//   std::size_t wire = cm.dump().size();   // ~1 KiB
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace jd::bench {

inline constexpr int kBenchNamespaces = 10;
inline constexpr int kBenchObjectsPerOwner = 10;

// A UUID-shaped string derived from (kind, n).
inline std::string BenchUid(std::uint32_t kind, std::uint32_t n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8%03x-%012x", n * 2654435761u, kind & 0xffffu, n & 0xfffu,
                (n >> 12) & 0xfffu, n);
  return buf;
}

inline std::string BenchOwnerUid(int owner) { return BenchUid(1, static_cast<std::uint32_t>(owner)); }

inline std::string BenchNamespace(int i) { return "ns-" + std::to_string(i % kBenchNamespaces); }

// The metadata both kinds share: what a justdriving-managed object carries.
inline nlohmann::json BenchMetadata(const std::string& name, int i, std::uint32_t kind, const std::string& rv) {
  const int owner = i / kBenchObjectsPerOwner;
  const std::string env = "env-" + std::to_string(owner);
  return {
      {"name", name},
      {"namespace", BenchNamespace(i)},
      {"uid", BenchUid(kind, static_cast<std::uint32_t>(i))},
      {"resourceVersion", rv},
      {"generation", 3},
      {"creationTimestamp", "2024-05-17T09:21:44Z"},
      {"labels",
       {{"app.kubernetes.io/name", "driving-school"},
        {"app.kubernetes.io/instance", env},
        {"app.kubernetes.io/managed-by", "justdriving-operator"},
        {"justdriving.io/environment", env},
        {"justdriving.io/component", "web"}}},
      {"annotations",
       {{"justdriving.io/config-hash", "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
        {"justdriving.io/release", "2024.05.3"}}},
      {"ownerReferences",
       nlohmann::json::array({{{"apiVersion", "justdriving.io/v1alpha1"},
                               {"kind", "Environment"},
                               {"name", env},
                               {"uid", BenchOwnerUid(owner)},
                               {"controller", true},
                               {"blockOwnerDeletion", true}}})},
  };
}

inline nlohmann::json BenchConfigMap(int i, const std::string& rv) {
  char name[32];
  std::snprintf(name, sizeof name, "settings-%06d", i);
  return {
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata", BenchMetadata(name, i, 2, rv)},
      {"data",
       {{"LOCALE", "de-CH"},
        {"CURRENCY", "CHF"},
        {"TIMEZONE", "Europe/Zurich"},
        {"BOOKING_WINDOW_DAYS", "42"},
        {"LESSON_MINUTES", "45"},
        {"SMTP_HOST", "smtp.mail.example.internal"},
        {"school.yaml",
         "name: Fahrschule Beispiel\ncity: Zuerich\ncategories: [B, A1, A, BE]\n"
         "openingHours:\n  mon-fri: \"08:00-18:30\"\n"}}},
  };
}

inline nlohmann::json BenchDeployment(int i, const std::string& rv) {
  char name[32];
  std::snprintf(name, sizeof name, "web-%06d", i);
  const nlohmann::json labels = {{"app.kubernetes.io/name", "driving-school"},
                                 {"app.kubernetes.io/instance", "env-" + std::to_string(i / kBenchObjectsPerOwner)},
                                 {"justdriving.io/component", "web"}};
  nlohmann::json env = nlohmann::json::array();
  const char* vars[][2] = {{"LOCALE", "de-CH"},
                           {"CURRENCY", "CHF"},
                           {"TIMEZONE", "Europe/Zurich"},
                           {"DATABASE_HOST", "postgres.db.svc.cluster.local"},
                           {"DATABASE_PORT", "5432"},
                           {"DATABASE_NAME", "school"},
                           {"LOG_LEVEL", "info"},
                           {"HTTP_PORT", "8080"},
                           {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector:4317"}};
  for (const auto& v : vars) env.push_back({{"name", v[0]}, {"value", v[1]}});
  env.push_back({{"name", "DATABASE_PASSWORD"},
                 {"valueFrom", {{"secretKeyRef", {{"name", "db-credentials"}, {"key", "password"}}}}}});
  env.push_back({{"name", "POD_NAME"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}});
  auto probe = [](const char* path, int delay) {
    return nlohmann::json{{"httpGet", {{"path", path}, {"port", "http"}, {"scheme", "HTTP"}}},
                          {"initialDelaySeconds", delay},
                          {"periodSeconds", 10},
                          {"timeoutSeconds", 2},
                          {"successThreshold", 1},
                          {"failureThreshold", 3}};
  };
  auto condition = [](const char* type, const char* reason, const char* message) {
    return nlohmann::json{{"type", type},
                          {"status", "True"},
                          {"lastUpdateTime", "2024-05-17T09:23:10Z"},
                          {"lastTransitionTime", "2024-05-17T09:21:44Z"},
                          {"reason", reason},
                          {"message", message}};
  };
  nlohmann::json meta = BenchMetadata(name, i, 3, rv);
  meta["annotations"]["deployment.kubernetes.io/revision"] = "7";
  return {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", std::move(meta)},
      {"spec",
       {{"replicas", 2},
        {"revisionHistoryLimit", 10},
        {"progressDeadlineSeconds", 600},
        {"selector", {{"matchLabels", labels}}},
        {"strategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", "25%"}, {"maxUnavailable", 0}}}}},
        {"template",
         {{"metadata",
           {{"labels", labels},
            {"annotations", {{"justdriving.io/config-hash", "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"}}}}},
          {"spec",
           {{"serviceAccountName", "driving-school"},
            {"terminationGracePeriodSeconds", 30},
            {"securityContext", {{"runAsNonRoot", true}, {"runAsUser", 10001}, {"fsGroup", 10001}}},
            {"containers",
             nlohmann::json::array(
                 {{{"name", "web"},
                   {"image", "registry.example.com/justdriving/driving-school:2024.05.3"},
                   {"imagePullPolicy", "IfNotPresent"},
                   {"ports", nlohmann::json::array({{{"name", "http"}, {"containerPort", 8080}, {"protocol", "TCP"}},
                                                    {{"name", "metrics"}, {"containerPort", 9090}, {"protocol", "TCP"}}})},
                   {"env", env},
                   {"envFrom", nlohmann::json::array({{{"configMapRef", {{"name", "settings"}}}}})},
                   {"resources",
                    {{"requests", {{"cpu", "250m"}, {"memory", "256Mi"}}}, {"limits", {{"cpu", "1"}, {"memory", "512Mi"}}}}},
                   {"livenessProbe", probe("/healthz", 10)},
                   {"readinessProbe", probe("/ready", 5)},
                   {"volumeMounts", nlohmann::json::array({{{"name", "config"}, {"mountPath", "/etc/school"}, {"readOnly", true}},
                                                           {{"name", "tmp"}, {"mountPath", "/tmp"}}})},
                   {"securityContext",
                    {{"allowPrivilegeEscalation", false},
                     {"readOnlyRootFilesystem", true},
                     {"capabilities", {{"drop", nlohmann::json::array({"ALL"})}}}}},
                   {"terminationMessagePath", "/dev/termination-log"},
                   {"terminationMessagePolicy", "File"}}})},
            {"volumes", nlohmann::json::array({{{"name", "config"}, {"configMap", {{"name", "settings"}, {"defaultMode", 420}}}},
                                               {{"name", "tmp"}, {"emptyDir", {{"sizeLimit", "64Mi"}}}}})},
            {"restartPolicy", "Always"},
            {"dnsPolicy", "ClusterFirst"},
            {"schedulerName", "default-scheduler"}}}}}}},
      {"status",
       {{"observedGeneration", 3},
        {"replicas", 2},
        {"updatedReplicas", 2},
        {"readyReplicas", 2},
        {"availableReplicas", 2},
        {"conditions",
         nlohmann::json::array(
             {condition("Available", "MinimumReplicasAvailable", "Deployment has minimum availability."),
              condition("Progressing", "NewReplicaSetAvailable",
                        "ReplicaSet \"web-7d9c6b5f4\" has successfully progressed.")})}}},
  };
}

}  // namespace jd::bench
