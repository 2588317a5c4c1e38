#include "kubeconfig_writer.h"

#include "text_util.h"

namespace kubesim {

std::string KubeconfigYaml(const KubeconfigSpec& s) {
  std::string out;
  out += "apiVersion: v1\nkind: Config\npreferences: {}\n";
  out += "clusters:\n- name: kube-sim\n  cluster:\n    server: " + s.server + "\n";
  if (!s.ca_pem.empty()) out += "    certificate-authority-data: " + Base64Encode(s.ca_pem) + "\n";
  out += "users:\n- name: kube-sim-admin\n  user:\n    token: " + s.token + "\n";
  out += "contexts:\n- name: kube-sim\n  context:\n    cluster: kube-sim\n    user: kube-sim-admin\n    namespace: " +
         s.namespace_ + "\n";
  out += "current-context: kube-sim\n";
  return out;
}

}  // namespace kubesim
