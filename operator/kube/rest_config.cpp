#include "kube/rest_config.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/base64.h"

namespace jd::kube {
namespace {

namespace fs = std::filesystem;

constexpr char kRelativePathHint[] = "relative paths are resolved against the kubeconfig's directory";

StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{std::strerror(errno)};
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return Error{std::strerror(errno)};
  return content.str();
}

std::string TrimSpace(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out.empty() ? "none" : out;
}

bool LooksLikePem(const std::string& s) { return s.find("-----BEGIN ") != std::string::npos; }

// Child(node, key) that never yields yaml-cpp's "zombie" node (whose type queries throw): a missing key,
// or a node that is not a mapping, gives an Undefined node.
YAML::Node Child(const YAML::Node& node, const std::string& key) {
  if (!node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node child = node[key];
  return child.IsDefined() ? child : YAML::Node(YAML::NodeType::Undefined);
}

bool Present(const YAML::Node& node) { return node.IsDefined() && !node.IsNull(); }

// Reads a kubeconfig file and prefixes every error with "kubeconfig <path>: ".
class KubeconfigParser {
 public:
  KubeconfigParser(std::string path, YAML::Node root)
      : path_(std::move(path)), root_(std::move(root)), dir_(fs::path(path_).parent_path()) {}

  StatusOr<RestConfig> Parse(const std::string& requested_context);

 private:
  struct Entry {
    YAML::Node body;    // the `cluster:`, `user:` or `context:` mapping
    std::string field;  // e.g. "users[0].user"
  };

  Error Fail(const std::string& what) const { return Error{"kubeconfig " + path_ + ": " + what}; }

  // Names of `list` entries (`clusters`, `users`, `contexts`), in file order.
  std::vector<std::string> Names(const char* list) const;
  // The entry of `list` called `name`, or nullopt. `body_key` is "cluster", "user" or "context".
  StatusOr<std::optional<Entry>> Find(const char* list, const char* body_key, const std::string& name) const;

  // A string field of `node` ("" when absent); an error when present but not a scalar.
  StatusOr<std::string> String(const YAML::Node& node, const std::string& field, const char* key) const;
  // Inline base64 `<key>-data` or the file `<key>`; data wins, as in client-go. "" when neither.
  StatusOr<std::string> DataOrFile(const YAML::Node& node, const std::string& field, const std::string& key) const;
  std::string Resolve(const std::string& file) const {
    const fs::path p(file);
    return (p.is_absolute() || dir_.empty()) ? file : (dir_ / p).string();
  }

  StatusOr<bool> ApplyCluster(const Entry& cluster, RestConfig& out) const;
  StatusOr<bool> ApplyUser(const Entry& user, RestConfig& out) const;

  std::string path_;
  YAML::Node root_;
  fs::path dir_;
};

std::vector<std::string> KubeconfigParser::Names(const char* list) const {
  std::vector<std::string> names;
  const YAML::Node entries = Child(root_, list);
  if (!entries.IsSequence()) return names;
  for (const auto& entry : entries) {
    if (entry.IsMap() && Child(entry, "name").IsScalar()) names.push_back(Child(entry, "name").as<std::string>());
  }
  return names;
}

StatusOr<std::optional<KubeconfigParser::Entry>> KubeconfigParser::Find(const char* list, const char* body_key,
                                                                        const std::string& name) const {
  const YAML::Node entries = Child(root_, list);
  if (!Present(entries)) return std::optional<Entry>{};
  if (!entries.IsSequence()) return Fail(std::string(list) + ": expected a list of {name, " + body_key + "} entries");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const YAML::Node entry = entries[i];
    if (!entry.IsMap() || !Child(entry, "name").IsScalar() || Child(entry, "name").as<std::string>() != name) continue;
    const std::string field = std::string(list) + "[" + std::to_string(i) + "]." + body_key;
    const YAML::Node body = Child(entry, body_key);
    if (!body.IsMap()) return Fail(field + ": missing or not a mapping; add the " + body_key + " settings under it");
    return std::optional<Entry>{Entry{body, field}};
  }
  return std::optional<Entry>{};
}

StatusOr<std::string> KubeconfigParser::String(const YAML::Node& node, const std::string& field,
                                               const char* key) const {
  const YAML::Node value = Child(node, key);
  if (!Present(value)) return std::string();
  if (!value.IsScalar()) return Fail(field + "." + key + ": expected a string");
  return value.as<std::string>();
}

StatusOr<std::string> KubeconfigParser::DataOrFile(const YAML::Node& node, const std::string& field,
                                                   const std::string& key) const {
  const std::string data_key = key + "-data";
  auto data = String(node, field, data_key.c_str());
  if (!data.ok()) return data.error();
  if (!data.value().empty()) {
    auto decoded = Base64Decode(data.value());
    if (!decoded.ok()) {
      return Fail(field + "." + data_key + ": " + decoded.error().message +
                  "; set it to the base64 of the PEM file (base64 -w0 <file>)");
    }
    if (!LooksLikePem(decoded.value())) {
      return Fail(field + "." + data_key + ": decoded value is not PEM (no \"-----BEGIN\" line)" +
                  "; set it to the base64 of the PEM file (base64 -w0 <file>)");
    }
    return std::move(decoded).value();
  }
  auto file = String(node, field, key.c_str());
  if (!file.ok()) return file.error();
  if (file.value().empty()) return std::string();
  const std::string resolved = Resolve(file.value());
  auto content = ReadFile(resolved);
  if (!content.ok()) {
    return Fail(field + "." + key + ": cannot read \"" + resolved + "\": " + content.error().message +
                "; fix the path (" + kRelativePathHint + ")");
  }
  if (!LooksLikePem(content.value())) {
    return Fail(field + "." + key + ": \"" + resolved + "\" is not PEM (no \"-----BEGIN\" line); point it at a PEM file");
  }
  return std::move(content).value();
}

StatusOr<bool> KubeconfigParser::ApplyCluster(const Entry& cluster, RestConfig& out) const {
  auto server = String(cluster.body, cluster.field, "server");
  if (!server.ok()) return server.error();
  std::string url = TrimSpace(server.value());
  if (url.empty()) {
    return Fail(cluster.field + ".server: missing; set it to the API server URL, e.g. https://127.0.0.1:6443");
  }
  if (url.find("://") == std::string::npos) url = "https://" + url;
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  out.server = url;

  auto ca = DataOrFile(cluster.body, cluster.field, "certificate-authority");
  if (!ca.ok()) return ca.error();
  out.ca_pem = std::move(ca).value();

  const YAML::Node insecure = Child(cluster.body, "insecure-skip-tls-verify");
  if (Present(insecure)) {
    bool value = false;
    if (!insecure.IsScalar() || !YAML::convert<bool>::decode(insecure, value)) {
      return Fail(cluster.field + ".insecure-skip-tls-verify: expected true or false");
    }
    out.insecure_skip_tls_verify = value;
  }
  if (out.insecure_skip_tls_verify && !out.ca_pem.empty()) {
    return Fail(cluster.field +
                ": insecure-skip-tls-verify is true and a certificate authority is set; remove one of them");
  }
  return true;
}

StatusOr<bool> KubeconfigParser::ApplyUser(const Entry& user, RestConfig& out) const {
  const std::string& f = user.field;
  const char* const kUseInstead = "use token, tokenFile or client-certificate/client-key";
  if (Present(Child(user.body, "exec"))) {
    return Fail(f + ".exec: exec credential plugins are not supported; " + kUseInstead);
  }
  if (Present(Child(user.body, "auth-provider"))) {
    return Fail(f + ".auth-provider: auth-provider plugins are not supported; " + kUseInstead);
  }
  for (const char* key : {"username", "password"}) {
    if (Present(Child(user.body, key))) {
      return Fail(f + "." + key + ": basic authentication is not supported; " + kUseInstead);
    }
  }

  auto token = String(user.body, f, "token");
  if (!token.ok()) return token.error();
  out.bearer_token = TrimSpace(token.value());

  auto token_file = String(user.body, f, "tokenFile");
  if (!token_file.ok()) return token_file.error();
  if (!token_file.value().empty()) {
    // client-go: the file's content takes precedence over `token` and is re-read on rotation.
    out.token_file = Resolve(token_file.value());
    auto content = ReadFile(out.token_file);
    if (!content.ok()) {
      return Fail(f + ".tokenFile: cannot read \"" + out.token_file + "\": " + content.error().message +
                  "; fix the path (" + kRelativePathHint + ")");
    }
    out.bearer_token = TrimSpace(content.value());
    if (out.bearer_token.empty()) {
      return Fail(f + ".tokenFile: \"" + out.token_file + "\" is empty; write the bearer token into it");
    }
  }

  auto cert = DataOrFile(user.body, f, "client-certificate");
  if (!cert.ok()) return cert.error();
  auto key = DataOrFile(user.body, f, "client-key");
  if (!key.ok()) return key.error();
  if (cert.value().empty() != key.value().empty()) {
    const bool has_cert = !cert.value().empty();
    return Fail(f + ": " + (has_cert ? "client-certificate" : "client-key") + " is set without " +
                (has_cert ? "client-key" : "client-certificate") +
                "; set both client-certificate(-data) and client-key(-data)");
  }
  out.client_cert_pem = std::move(cert).value();
  out.client_key_pem = std::move(key).value();

  if (out.bearer_token.empty() && out.client_cert_pem.empty()) {
    return Fail(f + ": no credentials (token, tokenFile or client-certificate/client-key)");
  }
  return true;
}

StatusOr<RestConfig> KubeconfigParser::Parse(const std::string& requested_context) {
  if (!root_.IsMap()) {
    return Fail("not a kubeconfig (expected a YAML mapping with clusters, users, contexts and current-context)");
  }
  const std::string contexts = Join(Names("contexts"));

  std::string context_name = requested_context;
  if (context_name.empty()) {
    auto current = String(root_, "", "current-context");
    if (!current.ok()) return Fail("current-context: expected a string");
    context_name = current.value();
    if (context_name.empty()) {
      return Fail("current-context is not set (contexts: " + contexts + "); pass --context with one of them");
    }
  }
  auto context = Find("contexts", "context", context_name);
  if (!context.ok()) return context.error();
  if (!context.value()) {
    if (requested_context.empty()) {
      return Fail("current-context \"" + context_name + "\" not found (contexts: " + contexts +
                  "); fix current-context or pass --context with one of them");
    }
    return Fail("context \"" + context_name + "\" not found (contexts: " + contexts +
                "); pass --context with one of them");
  }
  const Entry& ctx = *context.value();

  RestConfig config;
  config.source = "kubeconfig " + path_ + " (context \"" + context_name + "\")";

  auto cluster_name = String(ctx.body, ctx.field, "cluster");
  if (!cluster_name.ok()) return cluster_name.error();
  const std::string clusters = Join(Names("clusters"));
  if (cluster_name.value().empty()) {
    return Fail(ctx.field + ".cluster: missing; set it to one of the clusters (clusters: " + clusters + ")");
  }
  auto cluster = Find("clusters", "cluster", cluster_name.value());
  if (!cluster.ok()) return cluster.error();
  if (!cluster.value()) {
    return Fail(ctx.field + ".cluster: cluster \"" + cluster_name.value() + "\" not found (clusters: " + clusters +
                "); fix the reference or add the cluster");
  }
  if (auto applied = ApplyCluster(*cluster.value(), config); !applied.ok()) return applied.error();

  auto user_name = String(ctx.body, ctx.field, "user");
  if (!user_name.ok()) return user_name.error();
  const std::string users = Join(Names("users"));
  if (user_name.value().empty()) {
    return Fail(ctx.field + ".user: missing; set it to one of the users (users: " + users + ")");
  }
  auto user = Find("users", "user", user_name.value());
  if (!user.ok()) return user.error();
  if (!user.value()) {
    return Fail(ctx.field + ".user: user \"" + user_name.value() + "\" not found (users: " + users +
                "); fix the reference or add the user");
  }
  if (auto applied = ApplyUser(*user.value(), config); !applied.ok()) return applied.error();

  auto ns = String(ctx.body, ctx.field, "namespace");
  if (!ns.ok()) return ns.error();
  config.default_namespace = ns.value().empty() ? "default" : ns.value();
  return config;
}

}  // namespace

StatusOr<RestConfig> LoadKubeconfig(const std::string& path, const std::string& context) {
  auto text = ReadFile(path);
  if (!text.ok()) {
    return Error{"kubeconfig " + path + ": cannot read: " + text.error().message +
                 "; pass --kubeconfig (or set KUBECONFIG) to an existing kubeconfig file"};
  }
  YAML::Node root;
  try {
    root = YAML::Load(text.value());
  } catch (const YAML::Exception& e) {
    return Error{"kubeconfig " + path + ": invalid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                 std::to_string(e.mark.column + 1) + ": " + e.msg};
  }
  try {
    return KubeconfigParser(path, root).Parse(context);
  } catch (const YAML::Exception& e) {  // defensive: conversions are checked above
    return Error{"kubeconfig " + path + ": " + e.what()};
  }
}

StatusOr<RestConfig> InClusterConfig(const Environment& env, const std::string& sa_dir) {
  const std::string host = env.Get("KUBERNETES_SERVICE_HOST");
  const std::string port = env.Get("KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty()) {
    return Error{
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (the kubelet sets them "
        "in every pod); outside a cluster pass --kubeconfig"};
  }
  RestConfig config;
  config.source = "in-cluster service account (" + sa_dir + ")";
  const bool ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  config.server = "https://" + (ipv6 ? "[" + host + "]" : host) + ":" + port;

  const std::string token_path = (fs::path(sa_dir) / "token").string();
  auto token = ReadFile(token_path);
  if (!token.ok()) {
    return Error{"in-cluster config: cannot read the service account token \"" + token_path +
                 "\": " + token.error().message + "; mount a token (automountServiceAccountToken: true)"};
  }
  config.bearer_token = TrimSpace(token.value());
  if (config.bearer_token.empty()) {
    return Error{"in-cluster config: the service account token \"" + token_path +
                 "\" is empty; mount a token (automountServiceAccountToken: true)"};
  }
  config.token_file = token_path;

  const std::string ca_path = (fs::path(sa_dir) / "ca.crt").string();
  auto ca = ReadFile(ca_path);
  if (!ca.ok()) {
    return Error{"in-cluster config: cannot read the cluster CA \"" + ca_path + "\": " + ca.error().message +
                 "; mount the service account volume (it includes ca.crt)"};
  }
  if (!LooksLikePem(ca.value())) {
    return Error{"in-cluster config: the cluster CA \"" + ca_path + "\" is not PEM (no \"-----BEGIN\" line)"};
  }
  config.ca_pem = std::move(ca).value();

  config.default_namespace = env.Get("POD_NAMESPACE");
  if (config.default_namespace.empty()) {
    auto ns = ReadFile((fs::path(sa_dir) / "namespace").string());
    if (ns.ok()) config.default_namespace = TrimSpace(ns.value());
  }
  if (config.default_namespace.empty()) config.default_namespace = "default";
  return config;
}

StatusOr<RestConfig> ResolveRestConfig(const std::string& kubeconfig_flag, const std::string& context,
                                       const Environment& env, const std::string& sa_dir) {
  // 1. --kubeconfig.
  if (!kubeconfig_flag.empty()) return LoadKubeconfig(kubeconfig_flag, context);

  // 2. $KUBECONFIG: the first listed file that exists (kubectl would merge them; we do not).
  const std::string kubeconfig_env = env.Get("KUBECONFIG");
  if (!kubeconfig_env.empty()) {
    std::stringstream list(kubeconfig_env);
    for (std::string entry; std::getline(list, entry, ':');) {
      std::error_code ec;
      if (!entry.empty() && fs::exists(entry, ec)) return LoadKubeconfig(entry, context);
    }
    return Error{"KUBECONFIG=" + kubeconfig_env +
                 ": no listed file exists; point KUBECONFIG at a kubeconfig file or pass --kubeconfig"};
  }

  // 3. In-cluster.
  auto in_cluster = InClusterConfig(env, sa_dir);
  if (in_cluster.ok()) return in_cluster;

  // 4. $HOME/.kube/config.
  const std::string home = env.Get("HOME");
  std::string home_config = "$HOME/.kube/config ($HOME is not set)";
  if (!home.empty()) {
    const std::string path = (fs::path(home) / ".kube" / "config").string();
    std::error_code ec;
    if (fs::exists(path, ec)) return LoadKubeconfig(path, context);
    home_config = path;
  }
  return Error{"no Kubernetes API configuration found: --kubeconfig and KUBECONFIG are not set, " +
               in_cluster.error().message + ", and " + home_config +
               " does not exist; pass --kubeconfig, set KUBECONFIG, or run in a pod with a service account"};
}

}  // namespace jd::kube
