// sim_client.h — the in-process client kube-sim's simulated controllers and kubelet use. Every
// call goes through ApiServer::Handle, so controllers see and cause exactly what external
// clients see: validation, resourceVersions and conflicts, watch events, accounting under their
// own user agent.
//
// Usage:
//   SimClient client(api, token, "kube-controller-manager/v1.32.0 (deployment-controller)");
//   auto pods = client.List(kPods, "default", "app=web");
//   client.UpdateStatus(kDeployments, dep);               // PUT .../status
//   client.RecordEvent(dep, "Normal", "ScalingReplicaSet", "Scaled up replica set web-7d9 to 3",
//                      "deployment-controller", ctx.now);
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_error.h"
#include "api_server.h"

namespace kubesim {

struct Gvr {
  std::string group, version, resource;
  std::string Prefix() const { return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version; }
};

inline const Gvr kPods{"", "v1", "pods"};
inline const Gvr kServices{"", "v1", "services"};
inline const Gvr kSecrets{"", "v1", "secrets"};
inline const Gvr kEvents{"", "v1", "events"};
inline const Gvr kDeployments{"apps", "v1", "deployments"};
inline const Gvr kReplicaSets{"apps", "v1", "replicasets"};
inline const Gvr kJobs{"batch", "v1", "jobs"};
inline const Gvr kIngresses{"networking.k8s.io", "v1", "ingresses"};

class SimClient {
 public:
  SimClient(ApiServer& api, std::string token, std::string user_agent)
      : api_(api), token_(std::move(token)), user_agent_(std::move(user_agent)) {}

  Result<nlohmann::json> Get(const Gvr& r, const std::string& ns, const std::string& name) const;
  // Items of a list (label_selector in the labelSelector query syntax; ns "" = all namespaces).
  Result<std::vector<nlohmann::json>> List(const Gvr& r, const std::string& ns,
                                           const std::string& label_selector = "") const;
  Result<nlohmann::json> Create(const Gvr& r, const std::string& ns, const nlohmann::json& obj) const;
  // PUT of the whole object (optimistic concurrency through its resourceVersion).
  Result<nlohmann::json> Update(const Gvr& r, const nlohmann::json& obj) const;
  // PUT to the status subresource.
  Result<nlohmann::json> UpdateStatus(const Gvr& r, const nlohmann::json& obj) const;
  // JSON merge patch, of the object or (status = true) of its status subresource.
  Result<nlohmann::json> MergePatch(const Gvr& r, const std::string& ns, const std::string& name,
                                    const nlohmann::json& patch, bool status = false) const;
  Result<nlohmann::json> Delete(const Gvr& r, const std::string& ns, const std::string& name,
                                const std::string& propagation = "Background") const;
  // A core/v1 Event about `involved` (any object with apiVersion/kind/metadata), as the real
  // controllers emit them; repeated identical events bump count and lastTimestamp.
  void RecordEvent(const nlohmann::json& involved, const std::string& type, const std::string& reason,
                   const std::string& message, const std::string& component, TimePoint now) const;

 private:
  Result<nlohmann::json> Call(const std::string& method, const std::string& path, const std::string& query,
                              const std::string& content_type, const std::string& body) const;

  ApiServer& api_;
  const std::string token_;
  const std::string user_agent_;
};

}  // namespace kubesim
