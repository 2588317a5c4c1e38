// kubeconfig_writer.h — the kubeconfig kube-sim writes for its clients (kubectl, helm, the
// operator): server URL, CA data and a bearer token, in one context made current.
//
// Usage:
//   std::string text = KubeconfigYaml({"https://127.0.0.1:6443", ca_pem, token, "default"});
#pragma once

#include <string>

namespace kubesim {

struct KubeconfigSpec {
  std::string server;     // https://127.0.0.1:PORT
  std::string ca_pem;     // empty with plain HTTP
  std::string token;
  std::string namespace_ = "default";
};

std::string KubeconfigYaml(const KubeconfigSpec& spec);

}  // namespace kubesim
