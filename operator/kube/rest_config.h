// RestConfig: how to reach and authenticate to the Kubernetes API server, and where it came from.
//
// Three loaders, in the order controller-runtime's config.GetConfig consults them:
//   ResolveRestConfig(flag, context, env)  the operator's entry point; picks the first of
//     1. --kubeconfig <path> (the flag, passed in by the caller),
//     2. $KUBECONFIG (first existing file of a ':'-separated list; files are not merged),
//     3. the in-cluster service account (InClusterConfig),
//     4. $HOME/.kube/config,
//   and fails with one message that says what was tried when none applies.
//   LoadKubeconfig(path, context)          parses one kubeconfig file (clusters/users/contexts).
//   InClusterConfig(env, sa_dir)           KUBERNETES_SERVICE_HOST/PORT + the mounted token/CA.
//
// Supported kubeconfig credentials: token, tokenFile, client-certificate(-data) with
// client-key(-data). Exec and auth-provider plugins and basic auth are refused with an error
// (no silent fallback to anonymous). Relative file paths resolve against the kubeconfig's
// directory, as in kubectl. Every file is read at load time, so a bad path fails at startup.
//
// Usage:
//   jd::MapEnvironment env = jd::MapEnvironment::FromEnvp(envp);
//   auto config = jd::kube::ResolveRestConfig(options.kubeconfig, options.context, env);
//   if (!config.ok()) { std::cerr << config.error().message << "\n"; return 1; }
//   log->info("API server {} ({})", config.value().server, config.value().source);
#pragma once

#include <chrono>
#include <string>

#include "common/environment.h"
#include "common/status_or.h"

namespace jd::kube {

// Where the kubelet mounts a pod's service account token, CA bundle and namespace.
inline constexpr char kServiceAccountDir[] = "/var/run/secrets/kubernetes.io/serviceaccount";

struct RestConfig {
  // Base URL of the API server, "https://host:port" (a kubeconfig server without a scheme gets
  // "https://"; a trailing '/' is removed).
  std::string server;
  // PEM bundle to verify the server's certificate. Empty: system trust store.
  std::string ca_pem;
  // PEM client certificate and key for mutual TLS; both set or both empty.
  std::string client_cert_pem, client_key_pem;
  // Bearer token as read at load time ("" when authenticating by client certificate).
  std::string bearer_token;
  // When non-empty, the token lives in this file and is rotated there (kubelet-projected
  // service-account tokens expire after about an hour). The transport must re-read the file when
  // it changes (checked at least once a minute, like client-go) and use its content instead of
  // bearer_token; bearer_token is only the value read at load time.
  std::string token_file;
  // Skip server certificate verification. Never combined with ca_pem (refused at load).
  bool insecure_skip_tls_verify = false;
  // Namespace from the kubeconfig context or the pod's service account; "default" if neither says.
  std::string default_namespace;
  // Client-side rate limit (token bucket) and per-request timeout; defaults as client-go's.
  double qps = 20;
  int burst = 30;
  std::chrono::seconds timeout{30};
  // User-Agent header; empty lets the transport use its default.
  std::string user_agent;
  // Human-readable origin for the startup log, e.g. `kubeconfig /x (context "kube-sim")` or
  // `in-cluster service account`.
  std::string source;
};

// Parses the kubeconfig at `path` and returns the config for `context` ("" = current-context).
// Errors start with "kubeconfig <path>: " and name the offending field, e.g.
//   kubeconfig /x: context "prod" not found (contexts: kube-sim, staging); pass --context with one of them
//   kubeconfig /x: users[0].user: no credentials (token, tokenFile or client-certificate/client-key)
StatusOr<RestConfig> LoadKubeconfig(const std::string& path, const std::string& context = "");

// Config for a process running in a pod: server from KUBERNETES_SERVICE_HOST and
// KUBERNETES_SERVICE_PORT (an IPv6 host is bracketed), token from <sa_dir>/token (token_file is
// set so rotation is picked up), CA from <sa_dir>/ca.crt, namespace from $POD_NAMESPACE, else
// <sa_dir>/namespace, else "default". Errors start with "in-cluster config: ".
StatusOr<RestConfig> InClusterConfig(const Environment& env, const std::string& sa_dir = kServiceAccountDir);

// Picks the config source in controller-runtime's order (see the file comment). `kubeconfig_flag`
// is --kubeconfig ("" when not given); `context` applies to kubeconfig files only.
StatusOr<RestConfig> ResolveRestConfig(const std::string& kubeconfig_flag, const std::string& context,
                                       const Environment& env, const std::string& sa_dir = kServiceAccountDir);

}  // namespace jd::kube
