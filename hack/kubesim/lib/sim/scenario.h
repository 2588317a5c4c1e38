// scenario.h — how simulated workloads behave, decided per pod by image (glob) and/or labels:
// time to become ready, never ready, crash after N seconds, a run-to-completion container's
// duration, exit code and log line, the app's HTTP answers per path, and its TLS certificate's
// faults. One document, loaded from a file at start (--scenarios FILE) and replaced at run time
// through the admin endpoint (PUT /admin/v1/scenarios).
//
// Format (YAML or JSON; every field optional; the first matching scenario wins):
//
//   timeScale: 0.01            # multiplies every duration: a 30 s migration takes 300 ms
//   defaults: {pod: {readyAfterSeconds: 1}, job: {durationSeconds: 1}}  # when nothing matches
//   scenarios:
//   - name: broken-login
//     match:
//       image: "registry.example.com/justdriving/app:2.15.*"   # glob: * and ?
//       labels: {app.kubernetes.io/component: web}            # all must be present and equal
//     pod: {readyAfterSeconds: 2, neverReady: false, crashAfterSeconds: 30, shutdownSeconds: 5}
//     job: {durationSeconds: 30, exitCode: 1, log: "SQLSTATE[42S01]: table exists"}
//     http:
//       /login: {status: 500, body: "Server Error", latencyMs: 50}
//       "*":    {status: 200, body: "<h1>Just Driving</h1>"}
//     tls: {expired: false, wrongHost: false}
//
// Without any scenario, pods become ready after 0.5 s and leave 1 s after deletion,
// run-to-completion containers succeed after 1 s, and every path answers 200 "ok" (all times
// multiplied by timeScale, default 1).
//
// Usage:
//   Scenarios s;
//   if (auto err = s.LoadYaml(text)) { report err->message; }
//   ScenarioRule r = s.Match("nginx:1.25", labels_json);   // a copy: safe while s changes
//   auto ready_after = s.Scaled(r.pod.ready_after_seconds);
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_error.h"

namespace kubesim {

struct HttpAnswer {
  int status = 200;
  std::string body = "ok";
  int latency_ms = 0;  // scaled by timeScale like every other duration
};

struct PodBehaviour {
  double ready_after_seconds = 0.5;              // from container start to Ready
  bool never_ready = false;                      // runs but never passes readiness
  std::optional<double> crash_after_seconds;     // the container exits (code 1) after running this long
  // After SIGTERM (the pod is deleted) the app exits this long later; the pod goes then, or at
  // the end of its terminationGracePeriodSeconds if that comes first.
  double shutdown_seconds = 1;
};

struct JobBehaviour {  // containers of pods with restartPolicy Never/OnFailure
  double duration_seconds = 1;
  int exit_code = 0;
  std::string log;  // the line the container "prints" (terminated.message)
};

struct TlsBehaviour {
  bool expired = false;     // the app simulator serves an expired certificate for this backend
  bool wrong_host = false;  // ... or one for another host name
};

struct ScenarioRule {
  std::string name = "default";
  std::string image_glob;                     // empty: any image
  std::map<std::string, std::string> labels;  // empty: any pod
  PodBehaviour pod;
  JobBehaviour job;
  std::map<std::string, HttpAnswer> http;     // by exact path; "*" for any other path
  TlsBehaviour tls;

  // The answer for a path: the exact entry, else "*", else 200 "ok".
  HttpAnswer AnswerFor(const std::string& path) const;
};

class Scenarios {
 public:
  // Replaces the whole document. A bad document is a 400 whose message names the field
  // (e.g. "scenarios[1].pod.readyAfterSeconds: must be a number >= 0") and changes nothing.
  std::optional<ApiError> LoadYaml(const std::string& text);
  std::optional<ApiError> LoadJson(const nlohmann::json& doc);
  nlohmann::json ToJson() const;

  // The first scenario whose image glob and labels match the container's image and the pod's
  // labels; the defaults otherwise.
  ScenarioRule Match(const std::string& image, const nlohmann::json& pod_labels) const;
  double TimeScale() const;
  // seconds * timeScale as a duration.
  std::chrono::milliseconds Scaled(double seconds) const;

 private:
  mutable std::mutex mu_;
  double time_scale_ = 1.0;
  ScenarioRule defaults_;
  std::vector<ScenarioRule> rules_;
};

// Shell-style glob: `*` any run of characters, `?` any one character.
bool GlobMatch(const std::string& pattern, const std::string& text);

}  // namespace kubesim
