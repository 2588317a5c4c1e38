// Tests for kube::LoadKubeconfig, kube::InClusterConfig and kube::ResolveRestConfig: every file is
// written to a fresh temporary directory; the environment is injected.
#include "kube/rest_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "common/base64.h"

namespace jd::kube {
namespace {

namespace fs = std::filesystem;

constexpr char kCaPem[] = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
constexpr char kCertPem[] = "-----BEGIN CERTIFICATE-----\nMIIBclient\n-----END CERTIFICATE-----\n";
constexpr char kKeyPem[] = "-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----\n";

// Test-only encoder (RFC 4648 with padding).
std::string Encode(const std::string& in) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += std::string{kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63]} + "==";
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += std::string{kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63]} + "=";
  }
  return out;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "jd-rest-config-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `content` to <dir>/<name> (creating subdirectories) and returns the full path.
  std::string Write(const std::string& name, const std::string& content) const {
    const fs::path p = fs::path(path_) / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }
  std::string path() const { return path_; }

 private:
  std::string path_;
};

// The shape kube-sim writes (hack/kubesim/lib/kubeconfig_writer.cpp), plus a second context.
std::string KubeSimKubeconfig(const std::string& server = "https://127.0.0.1:6443") {
  return "apiVersion: v1\nkind: Config\npreferences: {}\n"
         "clusters:\n- name: kube-sim\n  cluster:\n    server: " + server +
         "\n    certificate-authority-data: " + Encode(kCaPem) +
         "\nusers:\n- name: kube-sim-admin\n  user:\n    token: sim-token\n"
         "contexts:\n- name: kube-sim\n  context:\n    cluster: kube-sim\n    user: kube-sim-admin\n"
         "    namespace: team-a\n"
         "current-context: kube-sim\n";
}

// A kubeconfig with one context "c" joining cluster "k" and user "u" given as YAML bodies.
std::string OneContext(const std::string& cluster_body, const std::string& user_body,
                       const std::string& context_extra = "") {
  return "clusters:\n- name: k\n  cluster:\n" + cluster_body + "users:\n- name: u\n  user:\n" + user_body +
         "contexts:\n- name: c\n  context:\n    cluster: k\n    user: u\n" + context_extra + "current-context: c\n";
}

const std::string kServer = "    server: https://k:6443\n";
const std::string kToken = "    token: t\n";

TEST(KubeconfigTest, LoadsTheKubeSimShape) {
  TempDir dir;
  const std::string path = dir.Write("kubeconfig", KubeSimKubeconfig());
  auto config = LoadKubeconfig(path, "");
  ASSERT_TRUE(config.ok()) << config.error().message;
  const RestConfig& c = config.value();
  EXPECT_EQ(c.server, "https://127.0.0.1:6443");
  EXPECT_EQ(c.ca_pem, kCaPem);
  EXPECT_EQ(c.bearer_token, "sim-token");
  EXPECT_EQ(c.token_file, "");
  EXPECT_TRUE(c.client_cert_pem.empty());
  EXPECT_TRUE(c.client_key_pem.empty());
  EXPECT_FALSE(c.insecure_skip_tls_verify);
  EXPECT_EQ(c.default_namespace, "team-a");
  EXPECT_EQ(c.qps, 20);
  EXPECT_EQ(c.burst, 30);
  EXPECT_EQ(c.timeout, std::chrono::seconds(30));
  EXPECT_EQ(c.source, "kubeconfig " + path + " (context \"kube-sim\")");
}

TEST(KubeconfigTest, ExplicitContextSelectsItsClusterAndUser) {
  TempDir dir;
  const std::string path = dir.Write(
      "kubeconfig",
      "clusters:\n"
      "- name: a\n  cluster:\n    server: https://a:6443\n    insecure-skip-tls-verify: true\n"
      "- name: b\n  cluster:\n    server: b.example:443/\n"
      "users:\n"
      "- name: ua\n  user:\n    token: ta\n"
      "- name: ub\n  user:\n    client-certificate-data: " + Encode(kCertPem) +
      "\n    client-key-data: " + Encode(kKeyPem) +
      "\ncontexts:\n"
      "- name: ca\n  context: {cluster: a, user: ua, namespace: na}\n"
      "- name: staging\n  context: {cluster: b, user: ub}\n"
      "current-context: ca\n");
  auto config = LoadKubeconfig(path, "staging");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config.value().server, "https://b.example:443");  // scheme added, trailing '/' removed
  EXPECT_EQ(config.value().client_cert_pem, kCertPem);
  EXPECT_EQ(config.value().client_key_pem, kKeyPem);
  EXPECT_EQ(config.value().bearer_token, "");
  EXPECT_EQ(config.value().default_namespace, "default");
  EXPECT_FALSE(config.value().insecure_skip_tls_verify);

  auto current = LoadKubeconfig(path, "");
  ASSERT_TRUE(current.ok()) << current.error().message;
  EXPECT_EQ(current.value().server, "https://a:6443");
  EXPECT_TRUE(current.value().insecure_skip_tls_verify);
  EXPECT_EQ(current.value().default_namespace, "na");
}

TEST(KubeconfigTest, FilePathsResolveAgainstTheKubeconfigDirectory) {
  TempDir dir;
  dir.Write("conf/pki/ca.crt", kCaPem);
  dir.Write("conf/pki/client.crt", kCertPem);
  dir.Write("conf/pki/client.key", kKeyPem);
  dir.Write("conf/token", "file-token\n");
  const std::string path = dir.Write(
      "conf/kubeconfig", OneContext(kServer + "    certificate-authority: pki/ca.crt\n",
                                    "    client-certificate: pki/client.crt\n    client-key: " + dir.path() +
                                        "/conf/pki/client.key\n    token: ignored\n    tokenFile: token\n"));
  auto config = LoadKubeconfig(path, "");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config.value().ca_pem, kCaPem);
  EXPECT_EQ(config.value().client_cert_pem, kCertPem);
  EXPECT_EQ(config.value().client_key_pem, kKeyPem);
  EXPECT_EQ(config.value().token_file, dir.path() + "/conf/token");
  EXPECT_EQ(config.value().bearer_token, "file-token");  // tokenFile wins over token, as in client-go
}

TEST(KubeconfigTest, InlineDataWinsOverFile) {
  TempDir dir;
  const std::string path = dir.Write(
      "kubeconfig", OneContext(kServer + "    certificate-authority: /does/not/exist\n"
                                         "    certificate-authority-data: " + Encode(kCaPem) + "\n",
                               kToken));
  auto config = LoadKubeconfig(path, "");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config.value().ca_pem, kCaPem);
}

// Every error message, exactly. `{p}` stands for the kubeconfig path, `{d}` for its directory.
struct ErrorCase {
  const char* name;
  std::string kubeconfig;
  std::string context;
  std::string expected;
};

std::string Substitute(std::string s, const std::string& path, const std::string& dir) {
  for (auto [token, value] : {std::pair<std::string, std::string>{"{p}", path}, {"{d}", dir}}) {
    for (auto at = s.find(token); at != std::string::npos; at = s.find(token, at + value.size())) {
      s.replace(at, token.size(), value);
    }
  }
  return s;
}

TEST(KubeconfigTest, ErrorsNameTheFieldAndTheFix) {
  const std::vector<ErrorCase> cases = {
      {"unknown --context", KubeSimKubeconfig() + "", "prod",
       "kubeconfig {p}: context \"prod\" not found (contexts: kube-sim); pass --context with one of them"},
      {"unknown current-context",
       "clusters: []\nusers: []\ncontexts:\n- name: kube-sim\n  context: {cluster: a, user: b}\n"
       "- name: staging\n  context: {cluster: a, user: b}\ncurrent-context: prod\n",
       "",
       "kubeconfig {p}: current-context \"prod\" not found (contexts: kube-sim, staging); fix current-context or "
       "pass --context with one of them"},
      {"no current-context", "contexts:\n- name: a\n  context: {cluster: a, user: b}\n", "",
       "kubeconfig {p}: current-context is not set (contexts: a); pass --context with one of them"},
      {"no contexts at all", "apiVersion: v1\n", "",
       "kubeconfig {p}: current-context is not set (contexts: none); pass --context with one of them"},
      {"not a mapping", "- just\n- a list\n", "",
       "kubeconfig {p}: not a kubeconfig (expected a YAML mapping with clusters, users, contexts and "
       "current-context)"},
      {"invalid yaml", "clusters: [\n", "", "kubeconfig {p}: invalid YAML at line 2, column 1: end of sequence flow not found"},
      {"user without credentials", OneContext(kServer, "    {}\n"), "",
       "kubeconfig {p}: users[0].user: no credentials (token, tokenFile or client-certificate/client-key)"},
      {"exec plugin", OneContext(kServer, "    exec:\n      command: aws\n"), "",
       "kubeconfig {p}: users[0].user.exec: exec credential plugins are not supported; use token, tokenFile or "
       "client-certificate/client-key"},
      {"auth-provider plugin", OneContext(kServer, "    auth-provider:\n      name: gcp\n"), "",
       "kubeconfig {p}: users[0].user.auth-provider: auth-provider plugins are not supported; use token, tokenFile "
       "or client-certificate/client-key"},
      {"basic auth", OneContext(kServer, "    username: admin\n    password: x\n"), "",
       "kubeconfig {p}: users[0].user.username: basic authentication is not supported; use token, tokenFile or "
       "client-certificate/client-key"},
      {"bad base64", OneContext(kServer + "    certificate-authority-data: not*base64\n", kToken), "",
       "kubeconfig {p}: clusters[0].cluster.certificate-authority-data: invalid base64: unexpected character '*' "
       "at offset 3; set it to the base64 of the PEM file (base64 -w0 <file>)"},
      {"base64 of something that is not PEM",
       OneContext(kServer + "    certificate-authority-data: " + Encode("hello") + "\n", kToken), "",
       "kubeconfig {p}: clusters[0].cluster.certificate-authority-data: decoded value is not PEM (no \"-----BEGIN\" "
       "line); set it to the base64 of the PEM file (base64 -w0 <file>)"},
      {"unreadable CA file", OneContext(kServer + "    certificate-authority: pki/missing.crt\n", kToken), "",
       "kubeconfig {p}: clusters[0].cluster.certificate-authority: cannot read \"{d}/pki/missing.crt\": No such "
       "file or directory; fix the path (relative paths are resolved against the kubeconfig's directory)"},
      {"unreadable tokenFile", OneContext(kServer, "    tokenFile: /nonexistent/token\n"), "",
       "kubeconfig {p}: users[0].user.tokenFile: cannot read \"/nonexistent/token\": No such file or directory; "
       "fix the path (relative paths are resolved against the kubeconfig's directory)"},
      {"certificate without key",
       OneContext(kServer, "    client-certificate-data: " + Encode(kCertPem) + "\n"), "",
       "kubeconfig {p}: users[0].user: client-certificate is set without client-key; set both "
       "client-certificate(-data) and client-key(-data)"},
      {"key without certificate", OneContext(kServer, "    client-key-data: " + Encode(kKeyPem) + "\n"), "",
       "kubeconfig {p}: users[0].user: client-key is set without client-certificate; set both "
       "client-certificate(-data) and client-key(-data)"},
      {"missing server", OneContext("    insecure-skip-tls-verify: true\n", kToken), "",
       "kubeconfig {p}: clusters[0].cluster.server: missing; set it to the API server URL, e.g. "
       "https://127.0.0.1:6443"},
      {"insecure and CA",
       OneContext(kServer + "    insecure-skip-tls-verify: true\n    certificate-authority-data: " + Encode(kCaPem) +
                      "\n",
                  kToken),
       "",
       "kubeconfig {p}: clusters[0].cluster: insecure-skip-tls-verify is true and a certificate authority is set; "
       "remove one of them"},
      {"insecure not a bool", OneContext(kServer + "    insecure-skip-tls-verify: maybe\n", kToken), "",
       "kubeconfig {p}: clusters[0].cluster.insecure-skip-tls-verify: expected true or false"},
      {"server not a string", OneContext("    server: [a, b]\n", kToken), "",
       "kubeconfig {p}: clusters[0].cluster.server: expected a string"},
      {"unknown cluster reference",
       "clusters:\n- name: k\n  cluster: {server: https://k}\nusers:\n- name: u\n  user: {token: t}\n"
       "contexts:\n- name: c\n  context: {cluster: other, user: u}\ncurrent-context: c\n",
       "",
       "kubeconfig {p}: contexts[0].context.cluster: cluster \"other\" not found (clusters: k); fix the reference "
       "or add the cluster"},
      {"unknown user reference",
       "clusters:\n- name: k\n  cluster: {server: https://k}\nusers:\n- name: u\n  user: {token: t}\n"
       "contexts:\n- name: c\n  context: {cluster: k, user: nobody}\ncurrent-context: c\n",
       "",
       "kubeconfig {p}: contexts[0].context.user: user \"nobody\" not found (users: u); fix the reference or add "
       "the user"},
      {"context without cluster",
       "contexts:\n- name: x\n  context: {user: u}\n- name: c\n  context: {user: u}\ncurrent-context: c\n", "",
       "kubeconfig {p}: contexts[1].context.cluster: missing; set it to one of the clusters (clusters: none)"},
      {"context without user",
       "clusters:\n- name: k\n  cluster: {server: https://k}\ncontexts:\n- name: c\n  context: {cluster: k}\n"
       "current-context: c\n",
       "", "kubeconfig {p}: contexts[0].context.user: missing; set it to one of the users (users: none)"},
      {"context body missing", "contexts:\n- name: c\ncurrent-context: c\n", "",
       "kubeconfig {p}: contexts[0].context: missing or not a mapping; add the context settings under it"},
      {"clusters not a list", "clusters: {a: b}\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\n"
                              "current-context: c\n",
       "", "kubeconfig {p}: clusters: expected a list of {name, cluster} entries"},
  };
  for (const auto& c : cases) {
    TempDir dir;
    const std::string path = dir.Write("kubeconfig", c.kubeconfig);
    auto config = LoadKubeconfig(path, c.context);
    ASSERT_FALSE(config.ok()) << c.name;
    EXPECT_EQ(config.error().message, Substitute(c.expected, path, dir.path())) << c.name;
  }
}

TEST(KubeconfigTest, MissingFile) {
  auto config = LoadKubeconfig("/nonexistent/kubeconfig", "");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message,
            "kubeconfig /nonexistent/kubeconfig: cannot read: No such file or directory; pass --kubeconfig (or set "
            "KUBECONFIG) to an existing kubeconfig file");
}

// --- in-cluster ---

struct ServiceAccount {
  TempDir dir;
  ServiceAccount(const std::string& token = "sa-token\n", const std::string& ns = "operators") {
    dir.Write("token", token);
    dir.Write("ca.crt", kCaPem);
    if (!ns.empty()) dir.Write("namespace", ns);
  }
};

TEST(InClusterConfigTest, ReadsTheMountedServiceAccount) {
  ServiceAccount sa;
  MapEnvironment env{{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}};
  auto config = InClusterConfig(env, sa.dir.path());
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config.value().server, "https://10.96.0.1:443");
  EXPECT_EQ(config.value().bearer_token, "sa-token");
  EXPECT_EQ(config.value().token_file, sa.dir.path() + "/token");  // re-read on rotation
  EXPECT_EQ(config.value().ca_pem, kCaPem);
  EXPECT_EQ(config.value().default_namespace, "operators");
  EXPECT_EQ(config.value().source, "in-cluster service account (" + sa.dir.path() + ")");
}

TEST(InClusterConfigTest, BracketsAnIpv6Host) {
  ServiceAccount sa;
  MapEnvironment env{{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "6443"}};
  auto config = InClusterConfig(env, sa.dir.path());
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config.value().server, "https://[fd00::1]:6443");
}

TEST(InClusterConfigTest, NamespaceFromPodNamespaceThenFileThenDefault) {
  MapEnvironment env{{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "1"}};
  ServiceAccount without_file("t", "");
  EXPECT_EQ(InClusterConfig(env, without_file.dir.path()).value().default_namespace, "default");
  env.Set("POD_NAMESPACE", "from-env");
  ServiceAccount with_file;
  EXPECT_EQ(InClusterConfig(env, with_file.dir.path()).value().default_namespace, "from-env");
}

TEST(InClusterConfigTest, Errors) {
  MapEnvironment env{{"KUBERNETES_SERVICE_HOST", "h"}};
  auto not_in_cluster = InClusterConfig(env, "/nonexistent");
  ASSERT_FALSE(not_in_cluster.ok());
  EXPECT_EQ(not_in_cluster.error().message,
            "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (the kubelet sets "
            "them in every pod); outside a cluster pass --kubeconfig");

  env.Set("KUBERNETES_SERVICE_PORT", "443");
  auto no_token = InClusterConfig(env, "/nonexistent");
  ASSERT_FALSE(no_token.ok());
  EXPECT_EQ(no_token.error().message,
            "in-cluster config: cannot read the service account token \"/nonexistent/token\": No such file or "
            "directory; mount a token (automountServiceAccountToken: true)");

  TempDir only_token;
  only_token.Write("token", "t");
  auto no_ca = InClusterConfig(env, only_token.path());
  ASSERT_FALSE(no_ca.ok());
  EXPECT_EQ(no_ca.error().message, "in-cluster config: cannot read the cluster CA \"" + only_token.path() +
                                       "/ca.crt\": No such file or directory; mount the service account volume "
                                       "(it includes ca.crt)");

  ServiceAccount empty_token("\n");
  auto empty = InClusterConfig(env, empty_token.dir.path());
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, "in-cluster config: the service account token \"" + empty_token.dir.path() +
                                       "/token\" is empty; mount a token (automountServiceAccountToken: true)");
}

// --- resolution order: --kubeconfig, $KUBECONFIG, in-cluster, $HOME/.kube/config ---

class ResolveRestConfigTest : public ::testing::Test {
 protected:
  ResolveRestConfigTest() {
    flag_path_ = dir_.Write("flag.yaml", KubeSimKubeconfig("https://flag:1"));
    env_path_ = dir_.Write("env.yaml", KubeSimKubeconfig("https://env:1"));
    dir_.Write("home/.kube/config", KubeSimKubeconfig("https://home:1"));
    dir_.Write("sa/token", "t");
    dir_.Write("sa/ca.crt", kCaPem);
    sa_dir_ = dir_.path() + "/sa";
  }
  MapEnvironment FullEnv() const {
    return MapEnvironment{{"KUBECONFIG", env_path_},
                          {"KUBERNETES_SERVICE_HOST", "incluster"},
                          {"KUBERNETES_SERVICE_PORT", "1"},
                          {"HOME", dir_.path() + "/home"}};
  }
  std::string ServerOf(const std::string& flag, const MapEnvironment& env) const {
    auto config = ResolveRestConfig(flag, "", env, sa_dir_);
    return config.ok() ? config.value().server : "error: " + config.error().message;
  }

  TempDir dir_;
  std::string flag_path_, env_path_, sa_dir_;
};

TEST_F(ResolveRestConfigTest, FollowsControllerRuntimeOrder) {
  MapEnvironment env = FullEnv();
  EXPECT_EQ(ServerOf(flag_path_, env), "https://flag:1");
  EXPECT_EQ(ServerOf("", env), "https://env:1");
  env.Set("KUBECONFIG", "");
  EXPECT_EQ(ServerOf("", env), "https://incluster:1");
  env.Set("KUBERNETES_SERVICE_HOST", "");
  EXPECT_EQ(ServerOf("", env), "https://home:1");
}

TEST_F(ResolveRestConfigTest, KubeconfigListUsesTheFirstExistingFile) {
  MapEnvironment env{{"KUBECONFIG", "/nonexistent/a:" + env_path_ + ":" + flag_path_}};
  EXPECT_EQ(ServerOf("", env), "https://env:1");
}

TEST_F(ResolveRestConfigTest, KubeconfigEnvWithNoExistingFileIsAnError) {
  MapEnvironment env = FullEnv();
  env.Set("KUBECONFIG", "/nonexistent/a:/nonexistent/b");
  EXPECT_EQ(ServerOf("", env),
            "error: KUBECONFIG=/nonexistent/a:/nonexistent/b: no listed file exists; point KUBECONFIG at a "
            "kubeconfig file or pass --kubeconfig");
}

TEST_F(ResolveRestConfigTest, ContextAppliesToTheChosenKubeconfig) {
  auto config = ResolveRestConfig(flag_path_, "prod", FullEnv(), sa_dir_);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message, "kubeconfig " + flag_path_ +
                                        ": context \"prod\" not found (contexts: kube-sim); pass --context with "
                                        "one of them");
}

TEST_F(ResolveRestConfigTest, NothingFoundSaysWhatWasTried) {
  MapEnvironment env{{"HOME", dir_.path() + "/nobody"}};
  EXPECT_EQ(ServerOf("", env),
            "error: no Kubernetes API configuration found: --kubeconfig and KUBECONFIG are not set, in-cluster "
            "config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (the kubelet sets them in "
            "every pod); outside a cluster pass --kubeconfig, and " +
                dir_.path() +
                "/nobody/.kube/config does not exist; pass --kubeconfig, set KUBECONFIG, or run in a pod with a "
                "service account");
  EXPECT_NE(ServerOf("", MapEnvironment{}).find("$HOME/.kube/config ($HOME is not set) does not exist"),
            std::string::npos);
}

// --- Base64Decode (used for *-data fields) ---

TEST(KubeconfigBase64Test, DecodesStrictlyIgnoringWhitespace) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", kCaPem}) {
    auto decoded = Base64Decode(Encode(s));
    ASSERT_TRUE(decoded.ok()) << s;
    EXPECT_EQ(decoded.value(), s);
  }
  EXPECT_EQ(Base64Decode("YW\nJj").value(), "abc");
  EXPECT_EQ(Base64Decode("YWI").value(), "ab");  // padding optional
  EXPECT_EQ(Base64Decode("Y").error().message, "invalid base64: truncated input (a lone trailing character)");
  EXPECT_EQ(Base64Decode("YQ==YQ==").error().message, "invalid base64: data after '=' padding at offset 4");
  EXPECT_EQ(Base64Decode("YWJj=").error().message, "invalid base64: unexpected '=' padding");
  EXPECT_EQ(Base64Decode("YQ=").error().message, "invalid base64: wrong amount of '=' padding");
}

}  // namespace
}  // namespace jd::kube
