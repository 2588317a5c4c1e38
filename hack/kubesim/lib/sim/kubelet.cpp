#include "kubelet.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "sim_client.h"
#include "sim_time.h"

namespace kubesim {

using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr const char* kKubeletAgent = "kubelet/v1.32.0 (linux/amd64) kubernetes/kubesim";
constexpr const char* kSchedulerAgent = "kube-scheduler/v1.32.0 (linux/amd64) kubernetes/kubesim/scheduler";

milliseconds ScaledMs(double seconds, double scale) { return milliseconds(std::llround(seconds * scale * 1000.0)); }

// 64 hex digits derived from `seed`: stable container and image ids without real runtimes.
std::string Hex64(const std::string& seed) {
  std::string out;
  for (int i = 0; i < 4; ++i) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016zx", std::hash<std::string>{}(seed + "#" + std::to_string(i)));
    out += buf;
  }
  return out;
}

// "nginx:1.27" -> "docker.io/library/nginx@sha256:...", as containerd reports imageID.
std::string ImageId(const std::string& image) {
  std::string repo = image.substr(0, image.find('@'));
  auto slash = repo.rfind('/');
  auto colon = repo.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) repo = repo.substr(0, colon);
  auto first = repo.find('/');
  std::string head = first == std::string::npos ? "" : repo.substr(0, first);
  bool has_registry = head.find('.') != std::string::npos || head.find(':') != std::string::npos || head == "localhost";
  if (first == std::string::npos) repo = "docker.io/library/" + repo;
  else if (!has_registry) repo = "docker.io/" + repo;
  return repo + "@sha256:" + Hex64("image:" + image);
}

std::string ContainerId(const std::string& pod_uid, const std::string& name, int run) {
  return "containerd://" + Hex64(pod_uid + "/" + name + "/" + std::to_string(run));
}

// Go's time.Duration text for whole seconds, as the kubelet's back-off message prints it.
std::string GoDuration(long long secs) {
  if (secs < 60) return std::to_string(secs) + "s";
  return std::to_string(secs / 60) + "m" + std::to_string(secs % 60) + "s";
}

std::optional<Termination> ParseTermination(const json& t) {
  if (!t.is_object()) return std::nullopt;
  auto started = ParseSimTimestamp(t.value("startedAt", ""));
  auto finished = ParseSimTimestamp(t.value("finishedAt", ""));
  if (!started || !finished) return std::nullopt;
  return Termination{*started, *finished, t.value("exitCode", 0)};
}

// Sets a pod condition; lastTransitionTime moves only when the status flips.
void SetCondition(json& status, const std::string& type, bool value, const std::string& reason, const std::string& message,
                  TimePoint at) {
  if (!status.contains("conditions") || !status["conditions"].is_array()) status["conditions"] = json::array();
  const std::string want = value ? "True" : "False";
  json* cond = nullptr;
  for (auto& c : status["conditions"])
    if (c.value("type", "") == type) cond = &c;
  if (!cond) {
    status["conditions"].push_back({{"type", type}, {"lastProbeTime", nullptr}});
    cond = &status["conditions"].back();
  }
  if ((*cond).value("status", "") != want || !cond->contains("lastTransitionTime")) {
    (*cond)["status"] = want;
    (*cond)["lastTransitionTime"] = SimTimestamp(at);
  }
  if (reason.empty()) cond->erase("reason");
  else (*cond)["reason"] = reason;
  if (message.empty()) cond->erase("message");
  else (*cond)["message"] = message;
}

struct PendingEvent {
  std::string type, reason, message;
};

}  // namespace

// ---- Pure decisions ---------------------------------------------------------------------------

ContainerScript ScriptFor(const ScenarioRule& rule, const std::string& restart_policy, double time_scale) {
  ContainerScript s;
  s.restart_policy = restart_policy.empty() ? "Always" : restart_policy;
  s.time_scale = time_scale;
  if (!rule.pod.never_ready) s.ready_after = ScaledMs(rule.pod.ready_after_seconds, time_scale);
  if (s.restart_policy == "Always") {
    if (rule.pod.crash_after_seconds) {
      s.exit_after = ScaledMs(*rule.pod.crash_after_seconds, time_scale);
      s.exit_code = 1;
    }
  } else {
    s.exit_after = ScaledMs(rule.job.duration_seconds, time_scale);
    s.exit_code = rule.job.exit_code;
    s.message = rule.job.log;
  }
  return s;
}

milliseconds RestartBackoff(int restarts_before, milliseconds last_run, double time_scale) {
  // "the kubelet restarts them with an exponential backoff delay (10s, 20s, 40s, …), that is capped
  // at 300 seconds (5 minutes). Once a container has executed for 10 minutes without any problems,
  // the kubelet resets the restart backoff timer for that container." (pod-lifecycle#restart-policy)
  double secs = 10;
  if (last_run < ScaledMs(600, time_scale))
    for (int i = 0; i < restarts_before && secs < 300; ++i) secs *= 2;
  return ScaledMs(std::min(secs, 300.0), time_scale);
}

ContainerRun AdvanceContainer(ContainerRun run, const ContainerScript& script, TimePoint image_ready, TimePoint now) {
  using State = ContainerRun::State;
  // Bounded: a degenerate script (zero run time, a back-off scaled to 0 ms) must not spin.
  for (int step = 0; step < 10000; ++step) {
    switch (run.state) {
      case State::kWaiting:
        if (now < image_ready) return run;
        run.state = State::kRunning;
        run.started_at = image_ready;
        break;
      case State::kRunning: {
        if (!script.exit_after || now < run.started_at + *script.exit_after) return run;
        Termination t{run.started_at, run.started_at + *script.exit_after, script.exit_code};
        bool restart = script.restart_policy == "Always" || (script.restart_policy == "OnFailure" && t.exit_code != 0);
        run.ended = t;
        run.started_at = TimePoint{};  // the run's start now lives in `ended`
        if (restart) {
          // The restart count moves as the container is scheduled for restart; it waits in
          // CrashLoopBackOff meanwhile (lastState carries the exit).
          run.state = State::kCrashLoopBackOff;
          run.restart_count += 1;
          run.last.reset();
        } else {
          run.state = State::kTerminated;
        }
        break;
      }
      case State::kCrashLoopBackOff: {
        if (!run.ended) return run;
        auto ran = std::chrono::duration_cast<milliseconds>(run.ended->finished_at - run.ended->started_at);
        TimePoint resume = run.ended->finished_at + RestartBackoff(run.restart_count - 1, ran, script.time_scale);
        if (now < resume) return run;
        run.state = State::kRunning;
        run.started_at = resume;
        run.last = run.ended;
        run.ended.reset();
        break;
      }
      case State::kTerminated:
        return run;
    }
  }
  return run;
}

std::optional<TimePoint> ReadySince(const ContainerRun& run, const ContainerScript& script) {
  if (run.state != ContainerRun::State::kRunning || !script.ready_after) return std::nullopt;
  return run.started_at + *script.ready_after;
}

std::string PodPhaseFor(const std::vector<ContainerRun>& runs) {
  if (runs.empty()) return "Pending";
  bool all_terminated = true, any_failed = false;
  for (const auto& r : runs) {
    if (r.state == ContainerRun::State::kWaiting) return "Pending";
    if (r.state != ContainerRun::State::kTerminated) all_terminated = false;
    else if (r.ended && r.ended->exit_code != 0) any_failed = true;
  }
  if (!all_terminated) return "Running";
  return any_failed ? "Failed" : "Succeeded";
}

std::optional<TimePoint> RemovalTime(const json& pod, double time_scale, double shutdown_seconds) {
  auto deadline = ParseSimTimestamp(pod.value("/metadata/deletionTimestamp"_json_pointer, ""));
  if (!deadline) return std::nullopt;
  int64_t grace = pod.value("/metadata/deletionGracePeriodSeconds"_json_pointer, int64_t{0});
  double wait = static_cast<double>(grace);
  if (shutdown_seconds >= 0 && shutdown_seconds < wait) wait = shutdown_seconds;
  return *deadline - std::chrono::seconds(grace) + ScaledMs(wait, time_scale);
}

ContainerRun ParseContainerStatus(const json& cs) {
  using State = ContainerRun::State;
  ContainerRun r;
  r.restart_count = cs.value("restartCount", 0);
  const json state = cs.value("state", json::object());
  const json last = cs.value("/lastState/terminated"_json_pointer, json());
  if (state.contains("running")) {
    auto started = ParseSimTimestamp(state["running"].value("startedAt", ""));
    if (!started) return ContainerRun{};
    r.state = State::kRunning;
    r.started_at = *started;
    r.last = ParseTermination(last);
  } else if (state.contains("terminated")) {
    r.ended = ParseTermination(state["terminated"]);
    if (!r.ended) return ContainerRun{};
    r.state = State::kTerminated;
    r.last = ParseTermination(last);
  } else if (state.contains("waiting") && state["waiting"].value("reason", "") == "CrashLoopBackOff") {
    r.ended = ParseTermination(last);
    if (!r.ended) return ContainerRun{};
    r.state = State::kCrashLoopBackOff;
  } else {
    r.state = State::kWaiting;
  }
  return r;
}

json RenderContainerStatus(const json& container, const ContainerRun& run, const ContainerScript& script, bool ready,
                           const std::string& pod_uid, const std::string& pod_ref) {
  using State = ContainerRun::State;
  const std::string name = container.value("name", "");
  const std::string image = container.value("image", "");
  auto terminated = [&](const Termination& t, int run_index) {
    json j = {{"exitCode", t.exit_code},
              {"reason", t.exit_code == 0 ? "Completed" : "Error"},
              {"startedAt", SimTimestamp(t.started_at)},
              {"finishedAt", SimTimestamp(t.finished_at)},
              {"containerID", ContainerId(pod_uid, name, run_index)}};
    if (!script.message.empty()) j["message"] = script.message;
    return j;
  };
  json cs = {{"name", name},
             {"image", image},
             {"imageID", run.state == State::kWaiting && run.restart_count == 0 ? "" : ImageId(image)},
             {"ready", ready},
             {"restartCount", run.restart_count},
             {"started", run.state == State::kRunning},
             {"lastState", json::object()}};
  switch (run.state) {
    case State::kWaiting:
      cs["state"] = {{"waiting", {{"reason", "ContainerCreating"}}}};
      break;
    case State::kRunning:
      cs["state"] = {{"running", {{"startedAt", SimTimestamp(run.started_at)}}}};
      cs["containerID"] = ContainerId(pod_uid, name, run.restart_count);
      if (run.last) cs["lastState"] = {{"terminated", terminated(*run.last, run.restart_count - 1)}};
      break;
    case State::kCrashLoopBackOff: {
      Termination t = run.ended.value_or(Termination{});
      auto backoff = RestartBackoff(run.restart_count - 1, std::chrono::duration_cast<milliseconds>(t.finished_at - t.started_at),
                                    script.time_scale);
      long long secs = std::llround(static_cast<double>(backoff.count()) / 1000.0 / script.time_scale);
      cs["state"] = {{"waiting",
                      {{"reason", "CrashLoopBackOff"},
                       {"message", "back-off " + GoDuration(secs) + " restarting failed container=" + name + " pod=" + pod_ref}}}};
      cs["containerID"] = ContainerId(pod_uid, name, run.restart_count - 1);
      cs["lastState"] = {{"terminated", terminated(t, run.restart_count - 1)}};
      break;
    }
    case State::kTerminated:
      cs["state"] = {{"terminated", terminated(run.ended.value_or(Termination{}), run.restart_count)}};
      cs["containerID"] = ContainerId(pod_uid, name, run.restart_count);
      if (run.last) cs["lastState"] = {{"terminated", terminated(*run.last, run.restart_count - 1)}};
      break;
  }
  return cs;
}

// ---- The controller ---------------------------------------------------------------------------

void Kubelet::Sync(const SimContext& ctx) {
  SimClient client(ctx.api, ctx.token, kKubeletAgent);
  auto pods = client.List(kPods, "");
  if (!pods.ok()) return;
  std::vector<std::string> used_ips;
  for (const auto& p : pods.value()) {
    std::string ip = p.value("/status/podIP"_json_pointer, "");
    if (!ip.empty()) used_ips.push_back(ip);
  }
  for (auto& p : pods.value()) {
    try {
      SyncPod(ctx, std::move(p), used_ips);
    } catch (const std::exception&) {
      // A malformed pod is skipped; the others still move.
    }
  }
}

std::string Kubelet::AllocatePodIp(std::vector<std::string>& used_ips) {
  constexpr uint32_t kSpace = 256 * 256;
  for (uint32_t i = 0; i < kSpace; ++i) {
    uint32_t n = (next_ip_ + i) % kSpace;
    if (n % 256 == 0 || n % 256 == 255) continue;
    std::string ip = "10.244." + std::to_string(n / 256) + "." + std::to_string(n % 256);
    if (std::find(used_ips.begin(), used_ips.end(), ip) != used_ips.end()) continue;
    next_ip_ = n + 1;
    used_ips.push_back(ip);
    return ip;
  }
  return "10.244.255.254";  // 65,000 pods on one simulated node: not a case worth more
}

void Kubelet::SyncPod(const SimContext& ctx, json pod, std::vector<std::string>& used_ips) {
  using State = ContainerRun::State;
  pod["apiVersion"] = "v1";
  pod["kind"] = "Pod";
  const std::string ns = pod["metadata"].value("namespace", "");
  const std::string name = pod["metadata"].value("name", "");
  const std::string uid = pod["metadata"].value("uid", "");
  const bool deleting = pod["metadata"].contains("deletionTimestamp");
  SimClient kubelet(ctx.api, ctx.token, kKubeletAgent);

  // The default scheduler: one node, so every pod fits.
  std::string node = pod.value("/spec/nodeName"_json_pointer, "");
  bool just_bound = false;
  if (node.empty()) {
    if (deleting || pod.value("/spec/schedulerName"_json_pointer, "default-scheduler") != "default-scheduler") return;
    SimClient scheduler(ctx.api, ctx.token, kSchedulerAgent);
    auto bound = scheduler.MergePatch(kPods, ns, name, {{"spec", {{"nodeName", kSimNodeName}}}});
    if (!bound.ok()) return;
    pod = bound.value();
    pod["apiVersion"] = "v1";
    pod["kind"] = "Pod";
    scheduler.RecordEvent(pod, "Normal", "Scheduled", "Successfully assigned " + ns + "/" + name + " to " + kSimNodeName,
                          "default-scheduler", ctx.now);
    just_bound = true;
  } else if (node != kSimNodeName) {
    return;
  }

  json status = pod.value("status", json::object());
  const json old_status = status;
  const std::string old_phase = status.value("phase", "Pending");
  const bool terminal = old_phase == "Succeeded" || old_phase == "Failed";
  const double scale = ctx.scenarios.TimeScale();

  if (deleting) {
    // Graceful termination: the pod stays, not ready, for its grace period; the kubelet then
    // removes it (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination).
    // A grace period of 0 means only finalizers hold it: nothing for the kubelet to do.
    if (pod["metadata"].value("deletionGracePeriodSeconds", int64_t{0}) == 0) return;
    const json first = pod.value("/spec/containers/0"_json_pointer, json::object());
    const double shutdown =
        ctx.scenarios.Match(first.value("image", ""), pod.value("/metadata/labels"_json_pointer, json::object())).pod.shutdown_seconds;
    auto removal = RemovalTime(pod, scale, shutdown);
    if (terminal || (removal && ctx.now >= *removal)) {
      HttpRequest req;
      req.method = "DELETE";
      req.path = "/api/v1/namespaces/" + ns + "/pods/" + name;
      req.query.emplace("gracePeriodSeconds", "0");
      req.headers["authorization"] = "Bearer " + ctx.token;
      req.headers["user-agent"] = kKubeletAgent;
      req.headers["content-type"] = "application/json";
      req.body = json{{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"gracePeriodSeconds", 0}, {"preconditions", {{"uid", uid}}}}.dump();
      (void)ctx.api.Handle(req);
      return;
    }
  }
  if (terminal) return;  // nothing runs any more

  std::vector<PendingEvent> events;
  const json containers = pod.value("/spec/containers"_json_pointer, json::array());
  if (!status.contains("startTime")) {
    // The kubelet accepts the pod: sandbox, addresses, then the image pulls.
    status["startTime"] = SimTimestamp(ctx.now);
    status["hostIP"] = kSimHostIp;
    status["hostIPs"] = json::array({{{"ip", kSimHostIp}}});
    std::string ip = AllocatePodIp(used_ips);
    status["podIP"] = ip;
    status["podIPs"] = json::array({{{"ip", ip}}});
    for (const auto& c : containers)
      events.push_back({"Normal", "Pulling", "Pulling image \"" + c.value("image", "") + "\""});
  }
  const TimePoint start = ParseSimTimestamp(status.value("startTime", "")).value_or(ctx.now);
  const TimePoint image_ready = start + ScaledMs(kImagePullSeconds, scale);
  const json labels = pod.value("/metadata/labels"_json_pointer, json::object());
  const std::string restart_policy = pod.value("/spec/restartPolicy"_json_pointer, "Always");
  const std::string pod_ref = name + "_" + ns + "(" + uid + ")";

  std::map<std::string, json> previous;
  for (const auto& cs : status.value("containerStatuses", json::array())) previous[cs.value("name", "")] = cs;

  std::vector<ContainerRun> runs;
  json statuses = json::array();
  std::vector<std::string> unready;
  TimePoint ready_at = start;
  for (const auto& c : containers) {
    const std::string cname = c.value("name", "");
    const std::string image = c.value("image", "");
    const ContainerScript script = ScriptFor(ctx.scenarios.Match(image, labels), restart_policy, scale);
    auto prev = previous.find(cname);
    const ContainerRun before = prev == previous.end() ? ContainerRun{} : ParseContainerStatus(prev->second);
    // A pod being deleted is shutting down: its containers no longer change, only readiness does.
    const ContainerRun after = deleting ? before : AdvanceContainer(before, script, image_ready, ctx.now);
    auto since = ReadySince(after, script);
    bool ready = !deleting && since && ctx.now >= *since;
    if (ready) ready_at = std::max(ready_at, *since);
    else unready.push_back(cname);
    statuses.push_back(RenderContainerStatus(c, after, script, ready, uid, pod_ref));
    runs.push_back(after);

    if (before.state == State::kWaiting && after.state != State::kWaiting) {
      auto pull = std::chrono::duration_cast<milliseconds>(image_ready - start).count();
      events.push_back({"Normal", "Pulled", "Successfully pulled image \"" + image + "\" in " + std::to_string(pull) + "ms"});
    }
    if (after.restart_count > before.restart_count)
      events.push_back({"Warning", "BackOff", "Back-off restarting failed container " + cname + " in pod " + pod_ref});
    bool restarted = after.restart_count > before.restart_count || before.state == State::kCrashLoopBackOff;
    if (after.state == State::kRunning && (before.state != State::kRunning || restarted)) {
      if (before.state != State::kWaiting)
        events.push_back({"Normal", "Pulled", "Container image \"" + image + "\" already present on machine"});
      events.push_back({"Normal", "Created", "Created container: " + cname});
      events.push_back({"Normal", "Started", "Started container " + cname});
    }
  }
  status["containerStatuses"] = statuses;
  const std::string phase = PodPhaseFor(runs);
  status["phase"] = phase;

  // Conditions (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-conditions).
  const bool done = phase == "Succeeded" || phase == "Failed";
  std::string unready_list;
  for (const auto& n : unready) unready_list += (unready_list.empty() ? "" : " ") + n;
  SetCondition(status, "PodReadyToStartContainers", !done, "", "", ctx.now);
  SetCondition(status, "Initialized", true, "", "", start);
  bool all_ready = !containers.empty() && unready.empty();
  for (const char* type : {"ContainersReady", "Ready"}) {
    if (all_ready) SetCondition(status, type, true, "", "", ready_at);
    else if (done) SetCondition(status, type, false, "PodCompleted", "", ctx.now);
    else
      SetCondition(status, type, false, "ContainersNotReady", "containers with unready status: [" + unready_list + "]", ctx.now);
  }
  SetCondition(status, "PodScheduled", true, "", "", ctx.now);

  if (status == old_status && !just_bound) return;
  pod["status"] = status;
  auto written = kubelet.UpdateStatus(kPods, pod);
  if (!written.ok()) return;  // a conflict: the next round recomputes from the new state
  json involved = written.value();
  involved["apiVersion"] = "v1";
  involved["kind"] = "Pod";
  for (const auto& e : events) kubelet.RecordEvent(involved, e.type, e.reason, e.message, "kubelet", ctx.now);
}

}  // namespace kubesim
