#include "reconcilers/environment/workloads.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace jd::env {
namespace {

using nlohmann::json;

// The staging environment of docs/examples/03-environment-staging.yaml, as read from the API server.
json StagingEnvironment() {
  return json::parse(R"({
    "apiVersion": "justdriving.io/v1alpha1",
    "kind": "JustDrivingEnvironment",
    "metadata": {"name": "staging", "namespace": "school-demo", "uid": "uid-staging", "generation": 3},
    "spec": {
      "tier": "staging",
      "region": "eu-west",
      "app": {"image": "registry.example.com/justdriving/app", "imagePullSecrets": ["regcred-staging"]},
      "domains": [{"host": "staging.school-demo.example", "tlsSecretName": "staging-tls"}],
      "minTLSDays": 14,
      "locale": {"timezone": "Europe/Amsterdam", "locale": "nl_NL", "currency": "EUR"},
      "config": {"configMapName": "justdriving-config"},
      "integrations": {
        "database": {"secretName": "jd-db"},
        "cache": {"secretName": "jd-redis"},
        "mail": {"secretName": "jd-mail"},
        "sms": {"secretName": "jd-sms"},
        "payments": {"secretName": "jd-payments", "mode": "test"},
        "external": [{"name": "theory-platform", "secretName": "jd-theory"}]
      },
      "components": {
        "web": {"replicas": 2, "port": 8080},
        "workers": [
          {"name": "default", "queues": ["default", "mail", "sms"], "replicas": 1, "horizon": false,
           "gracePeriodSeconds": 120},
          {"name": "payments", "queues": ["payments", "webhooks"], "replicas": 1, "horizon": false,
           "gracePeriodSeconds": 300}
        ],
        "scheduler": {"enabled": true},
        "websockets": {"enabled": true, "replicas": 1, "port": 6001}
      },
      "smokeTests": [
        {"name": "registration", "command": ["php", "artisan", "smoke:registration"], "timeoutSeconds": 600}
      ],
      "openToUsers": true
    }
  })");
}

json StagingRelease() {
  return json::parse(R"({
    "apiVersion": "justdriving.io/v1alpha1",
    "kind": "JustDrivingRelease",
    "metadata": {"name": "staging-2-14-0", "namespace": "school-demo", "uid": "uid-release"},
    "spec": {"environment": "staging", "version": "2.14.0",
             "image": "registry.example.com/justdriving/app:2.14.0"}
  })");
}

ReleaseRef Release() {
  return {"staging-2-14-0", "2.14.0", "registry.example.com/justdriving/app:2.14.0",
          "staging-2-14-0-config"};
}

json EnvOwnerRefs() {
  return json::array({{{"apiVersion", "justdriving.io/v1alpha1"},
                       {"kind", "JustDrivingEnvironment"},
                       {"name", "staging"},
                       {"uid", "uid-staging"},
                       {"controller", true},
                       {"blockOwnerDeletion", true}}});
}

json StdLabels(const std::string& component, const std::string& version = "2.14.0",
               const std::string& release = "staging-2-14-0") {
  return {{"app.kubernetes.io/name", "justdriving"},
          {"app.kubernetes.io/instance", "staging"},
          {"app.kubernetes.io/component", component},
          {"app.kubernetes.io/version", version},
          {"app.kubernetes.io/managed-by", "justdriving-operator"},
          {"justdriving.io/environment", "staging"},
          {"justdriving.io/release", release}};
}

std::vector<std::string> KindNames(const std::vector<json>& objs) {
  std::vector<std::string> out;
  for (const auto& o : objs) {
    out.push_back(o["kind"].get<std::string>() + "/" + o["metadata"]["name"].get<std::string>());
  }
  return out;
}

const json& Find(const std::vector<json>& objs, const std::string& kind, const std::string& name) {
  for (const auto& o : objs) {
    if (o["kind"] == kind && o["metadata"]["name"] == name) return o;
  }
  static const json kNone;
  ADD_FAILURE() << "no " << kind << "/" << name;
  return kNone;
}

const json& OnlyContainer(const json& obj) { return obj["spec"]["template"]["spec"]["containers"][0]; }

TEST(DeploymentName, Table) {
  struct Case {
    Component c;
    std::string worker;
    std::string name;
  };
  const std::vector<Case> cases = {
      {Component::kWeb, "", "staging-web"},
      {Component::kWorker, "default", "staging-worker-default"},
      {Component::kWorker, "payments", "staging-worker-payments"},
      {Component::kScheduler, "", "staging-scheduler"},
      {Component::kWebsockets, "", "staging-websockets"},
  };
  for (const auto& c : cases) EXPECT_EQ(DeploymentName("staging", c.c, c.worker), c.name);
}

TEST(RenderWorkloads, ObjectSetAndApplyOrderPerSpec) {
  struct Case {
    std::string name;
    std::function<void(json& spec)> edit;
    bool open;
    std::vector<std::string> objects;
  };
  const std::vector<std::string> all = {
      "Service/staging-web",          "Service/staging-websockets",
      "PodDisruptionBudget/staging-web", "Deployment/staging-web",
      "Deployment/staging-worker-default", "Deployment/staging-worker-payments",
      "Deployment/staging-scheduler", "Deployment/staging-websockets",
      "Ingress/staging"};
  const std::vector<Case> cases = {
      {"everything", [](json&) {}, true, all},
      {"websockets off",
       [](json& s) { s["components"]["websockets"]["enabled"] = false; },
       true,
       {"Service/staging-web", "PodDisruptionBudget/staging-web", "Deployment/staging-web",
        "Deployment/staging-worker-default", "Deployment/staging-worker-payments",
        "Deployment/staging-scheduler", "Ingress/staging"}},
      {"websockets absent = off (CRD default)",
       [](json& s) { s["components"].erase("websockets"); },
       false,
       {"Service/staging-web", "PodDisruptionBudget/staging-web", "Deployment/staging-web",
        "Deployment/staging-worker-default", "Deployment/staging-worker-payments",
        "Deployment/staging-scheduler"}},
      {"not open: no Ingress",
       [](json&) {},
       false,
       {"Service/staging-web", "Service/staging-websockets", "PodDisruptionBudget/staging-web",
        "Deployment/staging-web", "Deployment/staging-worker-default",
        "Deployment/staging-worker-payments", "Deployment/staging-scheduler",
        "Deployment/staging-websockets"}},
      {"open without domains: no Ingress",
       [](json& s) { s["domains"] = json::array(); },
       true,
       {"Service/staging-web", "Service/staging-websockets", "PodDisruptionBudget/staging-web",
        "Deployment/staging-web", "Deployment/staging-worker-default",
        "Deployment/staging-worker-payments", "Deployment/staging-scheduler",
        "Deployment/staging-websockets"}},
      {"one web replica: no PDB",
       [](json& s) {
         s["components"]["web"]["replicas"] = 1;
         s["components"]["websockets"]["enabled"] = false;
       },
       true,
       {"Service/staging-web", "Deployment/staging-web", "Deployment/staging-worker-default",
        "Deployment/staging-worker-payments", "Deployment/staging-scheduler", "Ingress/staging"}},
      {"scheduler disabled, no workers",
       [](json& s) {
         s["components"]["scheduler"]["enabled"] = false;
         s["components"].erase("workers");
         s["components"]["websockets"]["enabled"] = false;
       },
       false,
       {"Service/staging-web", "PodDisruptionBudget/staging-web", "Deployment/staging-web"}},
      {"no components at all: defaults (2 web replicas, scheduler on)",
       [](json& s) { s.erase("components"); },
       false,
       {"Service/staging-web", "PodDisruptionBudget/staging-web", "Deployment/staging-web",
        "Deployment/staging-scheduler"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    json env = StagingEnvironment();
    c.edit(env["spec"]);
    RenderInput in{env, env["spec"], Release(), c.open};
    EXPECT_EQ(KindNames(RenderWorkloads(in)), c.objects);
  }
}

TEST(RenderWorkloads, NothingWithoutAnImage) {
  json env = StagingEnvironment();
  RenderInput in{env, env["spec"], ReleaseRef{}, true};
  EXPECT_TRUE(RenderWorkloads(in).empty());
  EXPECT_TRUE(RenderDeployment(in, Component::kWeb).is_null());
}

TEST(RenderWorkloads, EveryObjectHasNamespaceLabelsAndControllerOwner) {
  json env = StagingEnvironment();
  RenderInput in{env, env["spec"], Release(), true};
  const auto objs = RenderWorkloads(in);
  ASSERT_EQ(objs.size(), 9u);
  const std::map<std::string, json> api_versions = {{"Service", "v1"},
                                                    {"PodDisruptionBudget", "policy/v1"},
                                                    {"Deployment", "apps/v1"},
                                                    {"Ingress", "networking.k8s.io/v1"}};
  for (const auto& o : objs) {
    const std::string id = o["kind"].get<std::string>() + "/" + o["metadata"]["name"].get<std::string>();
    SCOPED_TRACE(id);
    EXPECT_EQ(o["apiVersion"], api_versions.at(o["kind"].get<std::string>()));
    EXPECT_EQ(o["metadata"]["namespace"], "school-demo");
    EXPECT_EQ(o["metadata"]["ownerReferences"], EnvOwnerRefs());
  }
  struct Case {
    std::string kind, name;
    json labels;
  };
  json default_worker = StdLabels("worker");
  default_worker["justdriving.io/worker"] = "default";
  const std::vector<Case> cases = {
      {"Service", "staging-web", StdLabels("web")},
      {"Service", "staging-websockets", StdLabels("websockets")},
      {"PodDisruptionBudget", "staging-web", StdLabels("web")},
      {"Deployment", "staging-web", StdLabels("web")},
      {"Deployment", "staging-worker-default", default_worker},
      {"Deployment", "staging-scheduler", StdLabels("scheduler")},
      {"Deployment", "staging-websockets", StdLabels("websockets")},
      {"Ingress", "staging", StdLabels("web")},
  };
  for (const auto& c : cases) {
    const json& o = Find(objs, c.kind, c.name);
    EXPECT_EQ(o["metadata"]["labels"], c.labels) << c.kind << "/" << c.name;
    if (c.kind == "Deployment") {
      EXPECT_EQ(o["spec"]["template"]["metadata"]["labels"], c.labels) << c.name;
    }
  }
}

TEST(RenderWorkloads, SelectorsAreOnlyNameInstanceComponentAndWorker) {
  json env = StagingEnvironment();
  RenderInput in{env, env["spec"], Release(), true};
  const auto objs = RenderWorkloads(in);
  auto selector = [](const std::string& component, const std::string& worker = "") {
    json s = {{"app.kubernetes.io/name", "justdriving"},
              {"app.kubernetes.io/instance", "staging"},
              {"app.kubernetes.io/component", component}};
    if (!worker.empty()) s["justdriving.io/worker"] = worker;
    return s;
  };
  struct Case {
    std::string kind, name;
    json selector;
  };
  const std::vector<Case> cases = {
      {"Deployment", "staging-web", selector("web")},
      {"Deployment", "staging-worker-default", selector("worker", "default")},
      {"Deployment", "staging-worker-payments", selector("worker", "payments")},
      {"Deployment", "staging-scheduler", selector("scheduler")},
      {"Deployment", "staging-websockets", selector("websockets")},
      {"PodDisruptionBudget", "staging-web", selector("web")},
  };
  for (const auto& c : cases) {
    const json& o = Find(objs, c.kind, c.name);
    EXPECT_EQ(o["spec"]["selector"]["matchLabels"], c.selector) << c.name;
  }
  EXPECT_EQ(Find(objs, "Service", "staging-web")["spec"]["selector"], selector("web"));
  EXPECT_EQ(Find(objs, "Service", "staging-websockets")["spec"]["selector"], selector("websockets"));
  EXPECT_EQ(SelectorLabels("staging", Component::kWorker, "default"), selector("worker", "default"));

  // A new release changes the pods' labels but never a selector (Deployment selectors are
  // immutable; the web Service must keep old and new pods during the rollout).
  RenderInput next{env, env["spec"], {"staging-2-15-0", "2.15.0", "registry.example.com/justdriving/app:2.15.0", ""}, true};
  const auto objs2 = RenderWorkloads(next);
  ASSERT_EQ(objs2.size(), objs.size());
  for (std::size_t i = 0; i < objs.size(); ++i) {
    if (objs[i]["kind"] != "Deployment") continue;
    EXPECT_EQ(objs2[i]["spec"]["selector"], objs[i]["spec"]["selector"]);
    EXPECT_EQ(objs2[i]["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/version"], "2.15.0");
  }
}

TEST(RenderDeployment, Web) {
  json env = StagingEnvironment();
  env["spec"]["components"]["web"] = {{"replicas", 3}, {"port", 9000}};
  RenderInput in{env, env["spec"], Release(), false};
  const json d = RenderDeployment(in, Component::kWeb);
  EXPECT_EQ(d["spec"]["replicas"], 3);
  EXPECT_EQ(d["spec"]["strategy"],
            json::parse(R"({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}})"));
  EXPECT_EQ(d["spec"]["minReadySeconds"], 5);
  EXPECT_EQ(d["spec"]["progressDeadlineSeconds"], 600);
  EXPECT_EQ(d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"], 30);
  const json& c = OnlyContainer(d);
  EXPECT_EQ(c["name"], "web");
  EXPECT_EQ(c["image"], "registry.example.com/justdriving/app:2.14.0");
  EXPECT_FALSE(c.contains("command")) << "web runs the image's own server";
  EXPECT_EQ(c["ports"], json::parse(R"([{"name": "http", "containerPort": 9000, "protocol": "TCP"}])"));
  EXPECT_EQ(c["readinessProbe"], json::parse(R"({"httpGet": {"path": "/up", "port": "http"},
                                                 "periodSeconds": 5, "failureThreshold": 3})"));
  EXPECT_EQ(c["livenessProbe"], json::parse(R"({"httpGet": {"path": "/up", "port": "http"},
                                                "initialDelaySeconds": 10, "periodSeconds": 10,
                                                "failureThreshold": 6})"));
  EXPECT_EQ(c["lifecycle"], json::parse(R"({"preStop": {"exec": {"command": ["sleep", "5"]}}})"));

  // The Service maps port 80 to the named container port, so a port change needs no Service edit.
  const auto objs = RenderWorkloads(in);
  EXPECT_EQ(Find(objs, "Service", "staging-web")["spec"]["ports"],
            json::parse(R"([{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}])"));
  EXPECT_EQ(Find(objs, "Service", "staging-web")["spec"]["type"], "ClusterIP");
  const json& pdb = Find(objs, "PodDisruptionBudget", "staging-web");
  EXPECT_EQ(pdb["spec"]["maxUnavailable"], 1);
  EXPECT_FALSE(pdb["spec"].contains("minAvailable"));
}

TEST(RenderDeployment, PodSecurityAndPullSecretsOnEveryPod) {
  json env = StagingEnvironment();
  RenderInput in{env, env["spec"], Release(), false};
  const json release = StagingRelease();
  std::vector<json> pods;
  for (const auto& o : RenderWorkloads(in)) {
    if (o["kind"] == "Deployment") pods.push_back(o);
  }
  pods.push_back(RenderTaskJob(in, {"staging-2-14-0-migrate", "migration", {"php", "artisan", "migrate"}, "",
                                    1800, &release, "staging-2-14-0"}));
  ASSERT_EQ(pods.size(), 6u);
  for (const auto& o : pods) {
    SCOPED_TRACE(o["metadata"]["name"].get<std::string>());
    const json& pod = o["spec"]["template"]["spec"];
    EXPECT_EQ(pod["imagePullSecrets"], json::parse(R"([{"name": "regcred-staging"}])"));
    EXPECT_EQ(pod["securityContext"],
              json::parse(R"({"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}})"));
    EXPECT_EQ(pod["enableServiceLinks"], false);
    EXPECT_EQ(pod["automountServiceAccountToken"], false);
    ASSERT_EQ(pod["containers"].size(), 1u);
    EXPECT_EQ(pod["containers"][0]["securityContext"],
              json::parse(R"({"runAsNonRoot": true, "allowPrivilegeEscalation": false,
                              "readOnlyRootFilesystem": false, "capabilities": {"drop": ["ALL"]}})"));
  }
}

TEST(RenderDeployment, WorkerCommandQueuesAndGrace) {
  struct Case {
    std::string name;
    json worker;
    std::vector<std::string> command;
    int64_t grace;
    int64_t replicas;
  };
  const std::vector<Case> cases = {
      {"staging default worker",
       {{"name", "w"}, {"queues", {"default", "mail", "sms"}}, {"replicas", 1}, {"gracePeriodSeconds", 120}},
       {"php", "artisan", "queue:work", "--queue=default,mail,sms", "--sleep=3", "--tries=3",
        "--max-time=3600", "--timeout=110"},
       120, 1},
      {"long grace, two replicas",
       {{"name", "w"}, {"queues", {"payments", "webhooks"}}, {"replicas", 2}, {"gracePeriodSeconds", 600}},
       {"php", "artisan", "queue:work", "--queue=payments,webhooks", "--sleep=3", "--tries=3",
        "--max-time=3600", "--timeout=590"},
       600, 2},
      {"defaults: grace 60, one replica",
       {{"name", "w"}, {"queues", {"default"}}},
       {"php", "artisan", "queue:work", "--queue=default", "--sleep=3", "--tries=3",
        "--max-time=3600", "--timeout=50"},
       60, 1},
      {"grace 11: timeout 1",
       {{"name", "w"}, {"queues", {"default"}}, {"gracePeriodSeconds", 11}},
       {"php", "artisan", "queue:work", "--queue=default", "--sleep=3", "--tries=3",
        "--max-time=3600", "--timeout=1"},
       11, 1},
      {"grace 5: timeout never below 1",
       {{"name", "w"}, {"queues", {"default"}}, {"gracePeriodSeconds", 5}},
       {"php", "artisan", "queue:work", "--queue=default", "--sleep=3", "--tries=3",
        "--max-time=3600", "--timeout=1"},
       5, 1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    json env = StagingEnvironment();
    env["spec"]["components"]["workers"] = json::array({c.worker});
    RenderInput in{env, env["spec"], Release(), false};
    const json d = RenderDeployment(in, Component::kWorker, "w");
    ASSERT_TRUE(d.is_object());
    EXPECT_EQ(d["metadata"]["name"], "staging-worker-w");
    EXPECT_EQ(OnlyContainer(d)["command"], c.command);
    EXPECT_EQ(OnlyContainer(d)["name"], "worker");
    EXPECT_FALSE(OnlyContainer(d).contains("lifecycle"));
    EXPECT_FALSE(OnlyContainer(d).contains("ports"));
    EXPECT_EQ(d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"], c.grace);
    EXPECT_EQ(d["spec"]["replicas"], c.replicas);
    EXPECT_EQ(d["spec"]["strategy"],
              json::parse(R"({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}})"));
  }
}

TEST(RenderDeployment, HorizonWorkerTerminatesHorizonOnStop) {
  json env = StagingEnvironment();
  env["spec"]["components"]["workers"][0]["horizon"] = true;
  RenderInput in{env, env["spec"], Release(), false};
  const json d = RenderDeployment(in, Component::kWorker, "default");
  EXPECT_EQ(OnlyContainer(d)["command"], json({"php", "artisan", "horizon"}));
  EXPECT_EQ(OnlyContainer(d)["lifecycle"],
            json::parse(R"({"preStop": {"exec": {"command": ["php", "artisan", "horizon:terminate"]}}})"));
  EXPECT_EQ(d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"], 120);
}

TEST(RenderDeployment, SchedulerIsOneRecreatedPod) {
  json env = StagingEnvironment();
  env["spec"]["components"]["web"]["replicas"] = 10;
  RenderInput in{env, env["spec"], Release(), false};
  const json d = RenderDeployment(in, Component::kScheduler);
  EXPECT_EQ(d["spec"]["replicas"], 1);
  EXPECT_EQ(d["spec"]["strategy"], json({{"type", "Recreate"}}));
  EXPECT_EQ(OnlyContainer(d)["command"], json({"php", "artisan", "schedule:work"}));
  EXPECT_EQ(d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"], 60);
}

TEST(RenderDeployment, Websockets) {
  json env = StagingEnvironment();
  env["spec"]["components"]["websockets"] = {{"enabled", true}, {"replicas", 2}, {"port", 6002}};
  RenderInput in{env, env["spec"], Release(), true};
  const json d = RenderDeployment(in, Component::kWebsockets);
  EXPECT_EQ(d["spec"]["replicas"], 2);
  EXPECT_EQ(OnlyContainer(d)["command"],
            json({"php", "artisan", "reverb:start", "--host=0.0.0.0", "--port=6002"}));
  EXPECT_EQ(OnlyContainer(d)["ports"],
            json::parse(R"([{"name": "ws", "containerPort": 6002, "protocol": "TCP"}])"));
  const auto objs = RenderWorkloads(in);
  EXPECT_EQ(Find(objs, "Service", "staging-websockets")["spec"]["ports"],
            json::parse(R"([{"name": "ws", "port": 6002, "targetPort": "ws", "protocol": "TCP"}])"));
}

TEST(RenderDeployment, NullWhenNotWanted) {
  struct Case {
    std::string name;
    std::function<void(json&)> edit;
    Component c;
    std::string worker;
  };
  const std::vector<Case> cases = {
      {"scheduler disabled", [](json& s) { s["components"]["scheduler"]["enabled"] = false; },
       Component::kScheduler, ""},
      {"websockets disabled", [](json& s) { s["components"]["websockets"]["enabled"] = false; },
       Component::kWebsockets, ""},
      {"unknown worker", [](json&) {}, Component::kWorker, "reports"},
  };
  for (const auto& c : cases) {
    json env = StagingEnvironment();
    c.edit(env["spec"]);
    RenderInput in{env, env["spec"], Release(), false};
    EXPECT_TRUE(RenderDeployment(in, c.c, c.worker).is_null()) << c.name;
  }
}

TEST(RenderWorkloads, IngressRoutesHostsToWebAndAppToWebsockets) {
  json env = StagingEnvironment();
  env["spec"]["domains"].push_back({{"host", "www.school-demo.example"}, {"tlsSecretName", "www-tls"}});
  RenderInput in{env, env["spec"], Release(), true};
  const json ing = Find(RenderWorkloads(in), "Ingress", "staging");
  EXPECT_FALSE(ing["spec"].contains("ingressClassName"));
  const json paths = json::parse(R"([
    {"path": "/", "pathType": "Prefix",
     "backend": {"service": {"name": "staging-web", "port": {"number": 80}}}},
    {"path": "/app", "pathType": "Prefix",
     "backend": {"service": {"name": "staging-websockets", "port": {"number": 6001}}}}])");
  EXPECT_EQ(ing["spec"]["rules"],
            json::array({{{"host", "staging.school-demo.example"}, {"http", {{"paths", paths}}}},
                         {{"host", "www.school-demo.example"}, {"http", {{"paths", paths}}}}}));
  EXPECT_EQ(ing["spec"]["tls"], json::parse(R"([
    {"hosts": ["staging.school-demo.example"], "secretName": "staging-tls"},
    {"hosts": ["www.school-demo.example"], "secretName": "www-tls"}])"));

  env["spec"]["components"]["websockets"]["enabled"] = false;
  RenderInput no_ws{env, env["spec"], Release(), true};
  const json ing2 = Find(RenderWorkloads(no_ws), "Ingress", "staging");
  EXPECT_EQ(ing2["spec"]["rules"][0]["http"]["paths"], json::array({paths[0]}));
}

TEST(RenderWorkloads, ConfigFromSnapshotAndSecretsOnlyByReference) {
  struct Case {
    std::string name;
    std::string snapshot;
    std::string config_map;
  };
  const std::vector<Case> cases = {
      {"release snapshot", "staging-2-14-0-config", "staging-2-14-0-config"},
      {"no snapshot yet: the spec's ConfigMap", "", "justdriving-config"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    json env = StagingEnvironment();
    ReleaseRef release = Release();
    release.config_snapshot = c.snapshot;
    RenderInput in{env, env["spec"], release, false};
    EXPECT_EQ(ConfigMapName(in), c.config_map);
    const json want_env_from = json::array({{{"configMapRef", {{"name", c.config_map}}}},
                                            {{"secretRef", {{"name", "jd-db"}}}},
                                            {{"secretRef", {{"name", "jd-redis"}}}},
                                            {{"secretRef", {{"name", "jd-mail"}}}},
                                            {{"secretRef", {{"name", "jd-sms"}}}},
                                            {{"secretRef", {{"name", "jd-payments"}}}},
                                            {{"secretRef", {{"name", "jd-theory"}}}}});
    const json want_env = json::parse(R"([
      {"name": "APP_ENV", "value": "staging"},
      {"name": "APP_TIMEZONE", "value": "Europe/Amsterdam"},
      {"name": "APP_LOCALE", "value": "nl_NL"},
      {"name": "APP_CURRENCY", "value": "EUR"},
      {"name": "JD_RELEASE", "value": "staging-2-14-0"},
      {"name": "JD_VERSION", "value": "2.14.0"}])");
    for (const auto& o : RenderWorkloads(in)) {
      if (o["kind"] != "Deployment") continue;
      SCOPED_TRACE(o["metadata"]["name"].get<std::string>());
      EXPECT_EQ(OnlyContainer(o)["envFrom"], want_env_from);
      EXPECT_EQ(OnlyContainer(o)["env"], want_env);  // no valueFrom, no secret material
      EXPECT_EQ(o["spec"]["template"]["metadata"]["annotations"],
                json({{"justdriving.io/config-snapshot", c.config_map}}));
    }
  }
}

TEST(RenderDeployment, NewSnapshotChangesThePodTemplate) {
  json env = StagingEnvironment();
  ReleaseRef a = Release();
  ReleaseRef b = Release();
  b.config_snapshot = "staging-2-14-0-config-2";
  const json da = RenderDeployment({env, env["spec"], a, false}, Component::kWeb);
  const json db = RenderDeployment({env, env["spec"], b, false}, Component::kWeb);
  EXPECT_NE(da["spec"]["template"], db["spec"]["template"]);
  EXPECT_NE(ContentHash(da), ContentHash(db));
}

TEST(RenderWorkloads, AppEnvFollowsTier) {
  struct Case {
    std::string tier;
    json app_env;  // null: not set
  };
  const std::vector<Case> cases = {
      {"production", "production"}, {"staging", "staging"}, {"local", "local"}, {"", nullptr}};
  for (const auto& c : cases) {
    json env = StagingEnvironment();
    env["spec"]["tier"] = c.tier;
    RenderInput in{env, env["spec"], Release(), false};
    json got = nullptr;
    const json web = RenderDeployment(in, Component::kWeb);
    for (const auto& e : OnlyContainer(web)["env"]) {
      if (e["name"] == "APP_ENV") got = e["value"];
    }
    EXPECT_EQ(got, c.app_env) << c.tier;
  }
}

TEST(RenderTaskJob, MigrationJobOwnedByRelease) {
  json env = StagingEnvironment();
  const json release = StagingRelease();
  RenderInput in{env, env["spec"], Release(), false};
  const json job = RenderTaskJob(in, {"staging-2-14-0-migrate", "migration",
                                      {"php", "artisan", "migrate", "--force", "--isolated"}, "",
                                      1800, &release, "staging-2-14-0"});
  EXPECT_EQ(job["apiVersion"], "batch/v1");
  EXPECT_EQ(job["kind"], "Job");
  EXPECT_EQ(job["metadata"]["name"], "staging-2-14-0-migrate");
  EXPECT_EQ(job["metadata"]["namespace"], "school-demo");
  EXPECT_EQ(job["metadata"]["labels"], StdLabels("migration"));
  EXPECT_EQ(job["metadata"]["ownerReferences"], json::parse(R"([{
    "apiVersion": "justdriving.io/v1alpha1", "kind": "JustDrivingRelease", "name": "staging-2-14-0",
    "uid": "uid-release", "controller": true, "blockOwnerDeletion": true}])"));
  EXPECT_EQ(job["spec"]["backoffLimit"], 0);
  EXPECT_EQ(job["spec"]["activeDeadlineSeconds"], 1800);
  EXPECT_FALSE(job["spec"].contains("ttlSecondsAfterFinished"));
  EXPECT_FALSE(job["spec"].contains("selector")) << "the Job controller makes its own";
  EXPECT_EQ(job["spec"]["template"]["metadata"]["labels"], StdLabels("migration"));
  EXPECT_EQ(job["spec"]["template"]["spec"]["restartPolicy"], "Never");
  const json& c = OnlyContainer(job);
  EXPECT_EQ(c["name"], "task");
  EXPECT_EQ(c["image"], "registry.example.com/justdriving/app:2.14.0");
  EXPECT_EQ(c["command"], json({"php", "artisan", "migrate", "--force", "--isolated"}));
  const json web = RenderDeployment(in, Component::kWeb);
  EXPECT_EQ(c["envFrom"], OnlyContainer(web)["envFrom"]);
  EXPECT_EQ(c["env"], OnlyContainer(web)["env"]);
}

TEST(RenderTaskJob, SmokeTestOwnedByEnvironmentWithItsOwnImage) {
  json env = StagingEnvironment();
  RenderInput in{env, env["spec"], Release(), false};
  const json job = RenderTaskJob(in, {"staging-smoke-registration-0a1b2c3d", "smoke-test",
                                      {"php", "artisan", "smoke:registration"},
                                      "registry.example.com/justdriving/e2e:1", 600, nullptr, ""});
  EXPECT_EQ(job["metadata"]["ownerReferences"], EnvOwnerRefs());
  EXPECT_EQ(job["metadata"]["labels"], StdLabels("smoke-test"));
  EXPECT_EQ(OnlyContainer(job)["image"], "registry.example.com/justdriving/e2e:1");
  EXPECT_EQ(job["spec"]["activeDeadlineSeconds"], 600);
}

TEST(RenderWorkloads, OwnerWithoutUidIsRejectedByTheApiServerNotOrphaned) {
  json env = StagingEnvironment();
  env["metadata"].erase("uid");
  RenderInput in{env, env["spec"], Release(), false};
  const json d = RenderDeployment(in, Component::kWeb);
  ASSERT_EQ(d["metadata"]["ownerReferences"].size(), 1u);
  EXPECT_EQ(d["metadata"]["ownerReferences"][0]["uid"], "");
  EXPECT_EQ(d["metadata"]["ownerReferences"][0]["controller"], true);
}

TEST(ContentHash, StableUnderKeyOrderAndIgnoresItsOwnAnnotation) {
  const json a = json::parse(R"({"kind": "Deployment", "metadata": {"name": "x", "labels": {"a": "1", "b": "2"}},
                                 "spec": {"replicas": 2, "image": "app:1"}})");
  const json b = json::parse(R"({"spec": {"image": "app:1", "replicas": 2},
                                 "metadata": {"labels": {"b": "2", "a": "1"}, "name": "x"}, "kind": "Deployment"})");
  EXPECT_EQ(ContentHash(a), ContentHash(b));
  EXPECT_TRUE(std::regex_match(ContentHash(a), std::regex("[0-9a-f]{16}")));

  json c = a;
  c["spec"]["image"] = "app:2";
  EXPECT_NE(ContentHash(a), ContentHash(c));

  json annotated = a;
  annotated["metadata"]["annotations"]["justdriving.io/applied-hash"] = ContentHash(a);
  EXPECT_EQ(ContentHash(annotated), ContentHash(a));
  annotated["metadata"]["annotations"]["other"] = "x";
  EXPECT_NE(ContentHash(annotated), ContentHash(a));

  json env = StagingEnvironment();
  ReleaseRef next = Release();
  next.image = "registry.example.com/justdriving/app:2.14.1";
  EXPECT_NE(ContentHash(RenderDeployment({env, env["spec"], Release(), false}, Component::kWeb)),
            ContentHash(RenderDeployment({env, env["spec"], next, false}, Component::kWeb)));
  EXPECT_EQ(ContentHash(RenderDeployment({env, env["spec"], Release(), false}, Component::kWeb)),
            ContentHash(RenderDeployment({env, env["spec"], Release(), false}, Component::kWeb)));
}

TEST(SmokeTestJobName, DeterministicBoundedAndDnsLabel) {
  const std::regex dns_label("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  const std::regex shape("staging-smoke-registration-[0-9a-f]{8}");
  const json test = {{"name", "registration"}, {"command", {"php", "artisan", "smoke:registration"}}};
  const std::string image = "registry.example.com/justdriving/app:2.14.0";
  const std::string name = SmokeTestJobName("staging", test, image);
  EXPECT_TRUE(std::regex_match(name, shape)) << name;
  EXPECT_EQ(SmokeTestJobName("staging", test, image), name);
  const std::string hash = name.substr(name.size() - 8);

  json other_command = test;
  other_command["command"] = {"php", "artisan", "smoke:registration", "--verbose"};
  json split_command = test;  // same characters, different argv: must differ
  split_command["command"] = {"php", "artisan smoke:registration"};
  json own_image = test;
  own_image["image"] = "registry.example.com/justdriving/e2e:1";
  const std::vector<std::string> different = {
      SmokeTestJobName("staging", test, "registry.example.com/justdriving/app:2.14.1"),
      SmokeTestJobName("staging", other_command, image),
      SmokeTestJobName("staging", split_command, image),
      SmokeTestJobName("staging", own_image, image),
  };
  for (const auto& d : different) EXPECT_NE(d, name);

  const std::string long_env(60, 'e');
  json long_test = {{"name", std::string(40, 't')}, {"command", test["command"]}};
  for (const auto& [env, t] : std::vector<std::pair<std::string, json>>{
           {"staging", test}, {long_env, test}, {long_env, long_test}, {"Stag.ing", test}}) {
    const std::string n = SmokeTestJobName(env, t, image);
    EXPECT_LE(n.size(), 63u) << n;
    EXPECT_TRUE(std::regex_match(n, dns_label)) << n;
  }
  // Truncation keeps the hash (the hash covers image and command, not the environment's name).
  EXPECT_EQ(SmokeTestJobName(long_env, test, image).substr(63 - 8), hash);
  EXPECT_EQ(SmokeTestJobName(long_env, test, image).size(), 63u);
}

TEST(WantedDeploymentNames, TwoWorkersWebsocketsDisabled) {
  const json spec = json::parse(R"({
    "components": {
      "web": {"replicas": 2},
      "workers": [{"name": "default", "queues": ["default"]}, {"name": "reports", "queues": ["reports"]}],
      "websockets": {"enabled": false}
    }})");
  EXPECT_EQ(WantedDeploymentNames("production", spec),
            (std::vector<std::string>{"production-web", "production-worker-default",
                                      "production-worker-reports", "production-scheduler"}));
  json no_scheduler = spec;
  no_scheduler["components"]["scheduler"]["enabled"] = false;
  no_scheduler["components"]["websockets"]["enabled"] = true;
  EXPECT_EQ(WantedDeploymentNames("production", no_scheduler),
            (std::vector<std::string>{"production-web", "production-worker-default",
                                      "production-worker-reports", "production-websockets"}));
  const auto comps = WantedComponents("production", spec);
  ASSERT_EQ(comps.size(), 4u);
  EXPECT_EQ(comps[1].component, Component::kWorker);
  EXPECT_EQ(comps[1].worker, "default");
  EXPECT_EQ(comps[3].component, Component::kScheduler);
}

}  // namespace
}  // namespace jd::env
