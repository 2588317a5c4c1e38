// kubelet.h — kube-sim's one simulated node, "kubesim-node": the default scheduler's binding and
// the kubelet's pod lifecycle, driven by the scenarios (scenario.h).
//
// Each Sync, for every Pod:
//   - unbound (no spec.nodeName, default scheduler): bound to kubesim-node, PodScheduled, Event
//     Scheduled from "default-scheduler";
//   - first seen: accepted (startTime, hostIP, a unique podIP 10.244.x.y, Initialized), Event
//     Pulling; after the image pull (kImagePullSeconds, scaled) each container runs (Pulled,
//     Created, Started) and the pod is Running;
//   - Ready once every container has run for its scenario's readyAfterSeconds; never if neverReady;
//   - crashAfterSeconds: the container exits with code 1 and waits in CrashLoopBackOff for the
//     back-off (10 s doubling to 5 min, scaled), restartCount + 1, Ready False, Event BackOff;
//   - restartPolicy Never/OnFailure (Job pods): the container runs job.durationSeconds and exits
//     with job.exitCode (Completed / Error, terminated.message = job.log); the pod ends Succeeded
//     or Failed (OnFailure: a failed container restarts in place, with back-off, instead);
//   - being deleted (deletionTimestamp, kept by the API server for bound pods): Ready False at
//     once, then removed for good (DELETE gracePeriodSeconds=0) when its grace period, scaled,
//     has passed.
//
// Stateless between rounds: every timing is read back from the pod's own status (startTime,
// state.running.startedAt, lastState.terminated.finishedAt, ...), so restarting the simulator
// loses nothing. The decisions are the pure functions below; Kubelet only reads, applies them and
// writes the status when it changed.
//
// Usage:
//   sim.Add(std::make_unique<Kubelet>());
//
// Not modelled: init containers (Initialized is True at once), probes (readiness comes from the
// scenario), resources, volumes, images that fail to pull, readiness gates, the 10-minute back-off
// reset beyond "a run that long restarts from 10 s", terminal phase for pods killed on deletion.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "clock.h"
#include "scenario.h"
#include "simulator.h"

namespace kubesim {

inline constexpr const char* kSimNodeName = "kubesim-node";
inline constexpr const char* kSimHostIp = "172.18.0.2";
// From the kubelet accepting a pod to its containers starting (sandbox + image pull), unscaled.
inline constexpr double kImagePullSeconds = 0.5;

// ---- Pure decisions ---------------------------------------------------------------------------

// What the scenario asks of one container, durations already scaled.
struct ContainerScript {
  std::string restart_policy = "Always";              // the pod's: Always, OnFailure, Never
  std::optional<std::chrono::milliseconds> ready_after;  // from start to Ready; nullopt = never
  std::optional<std::chrono::milliseconds> exit_after;   // from start to exit; nullopt = runs forever
  int exit_code = 0;
  std::string message;                                // terminated.message
  double time_scale = 1.0;                            // for the restart back-off
};

// The scenario rule applied to a container of a pod with `restart_policy`: a long-running pod
// (Always) crashes with code 1 after pod.crashAfterSeconds; a run-to-completion one (Never,
// OnFailure) exits with job.exitCode after job.durationSeconds.
ContainerScript ScriptFor(const ScenarioRule& rule, const std::string& restart_policy, double time_scale);

struct Termination {
  TimePoint started_at{};
  TimePoint finished_at{};
  int exit_code = 0;

  bool operator==(const Termination&) const = default;
};

// One container's life as its status records it.
struct ContainerRun {
  enum class State { kWaiting, kRunning, kCrashLoopBackOff, kTerminated };
  State state = State::kWaiting;           // kWaiting: not started yet (ContainerCreating)
  int restart_count = 0;
  TimePoint started_at{};                  // kRunning: this run's start
  std::optional<Termination> ended;        // kCrashLoopBackOff, kTerminated: the run that ended
  std::optional<Termination> last;         // an earlier run (lastState) when restarted before

  bool operator==(const ContainerRun&) const = default;
};

// The kubelet's restart delay before restart number `restarts_before` + 1: 10 s doubling per
// restart, at most 5 minutes, back to 10 s after a run of 10 minutes; all times `time_scale`.
// https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy
std::chrono::milliseconds RestartBackoff(int restarts_before, std::chrono::milliseconds last_run, double time_scale);

// Where a container is at `now`, from where it was: it starts at `image_ready`, exits after
// script.exit_after, restarts after the back-off when the restart policy says so (Always: any
// exit; OnFailure: a non-zero one; Never: none). Steps through every transition that is due, so a
// late round catches up exactly.
ContainerRun AdvanceContainer(ContainerRun run, const ContainerScript& script, TimePoint image_ready, TimePoint now);

// When the container became (or becomes) ready in its current run; nullopt when it is not running
// or never gets ready.
std::optional<TimePoint> ReadySince(const ContainerRun& run, const ContainerScript& script);

// The pod phase its containers imply: Pending until all started; Succeeded / Failed when all have
// terminated (Failed if any exit code is not 0); Running otherwise.
// https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase
std::string PodPhaseFor(const std::vector<ContainerRun>& runs);

// When a pod being deleted is removed: its deletion began at deletionTimestamp -
// deletionGracePeriodSeconds and lasts the grace period, scaled. nullopt when not being deleted.
// When a deleted pod goes: its app exits `shutdown_seconds` after the deletion, or the grace
// period ends, whichever is first (both scaled). A negative shutdown_seconds waits out the grace.
std::optional<TimePoint> RemovalTime(const nlohmann::json& pod, double time_scale, double shutdown_seconds = -1);

// A container's status entry <-> ContainerRun. `pod_uid` makes containerIDs unique per run;
// `pod_ref` ("name_namespace(uid)") names the pod in the back-off message.
ContainerRun ParseContainerStatus(const nlohmann::json& status);
nlohmann::json RenderContainerStatus(const nlohmann::json& container, const ContainerRun& run, const ContainerScript& script,
                                     bool ready, const std::string& pod_uid, const std::string& pod_ref);

// ---- The controller ---------------------------------------------------------------------------

class Kubelet : public SimController {
 public:
  std::string Name() const override { return "kubelet"; }
  void Sync(const SimContext& ctx) override;

 private:
  void SyncPod(const SimContext& ctx, nlohmann::json pod, std::vector<std::string>& used_ips);
  std::string AllocatePodIp(std::vector<std::string>& used_ips);

  uint32_t next_ip_ = 2;  // a hint only: uniqueness is checked against the pods that exist
};

}  // namespace kubesim
