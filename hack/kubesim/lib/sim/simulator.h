// simulator.h — runs kube-sim's simulated controllers (Deployment, ReplicaSet, Job) and kubelet on
// a tick. Each controller is a level-triggered Sync over the current state, read and written
// through SimClient, so a restart, a lost tick or a conflict only delays convergence.
//
// Time comes from the injected Clock; tests drive it with FakeClock and SyncOnce(), the binary
// with SystemClock and Start() (a background thread ticking every `tick`).
//
// Usage:
//   Simulator sim(api, clock, scenarios, token);
//   sim.Add(std::make_unique<DeploymentController>());
//   sim.SyncOnce();                 // tests
//   sim.Start(); ...; sim.Stop();   // kubesim binary
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api_server.h"
#include "clock.h"
#include "scenario.h"
#include "sim_client.h"

namespace kubesim {

struct SimContext {
  const Clock& clock;
  const Scenarios& scenarios;
  ApiServer& api;
  const std::string& token;
  TimePoint now;  // the clock's reading at the start of this round
};

class SimController {
 public:
  virtual ~SimController() = default;
  virtual std::string Name() const = 0;
  // Moves the world one step toward what the objects ask for. Must tolerate conflicts (the next
  // round retries) and never throw for a bad object (it is skipped, and an Event says why).
  virtual void Sync(const SimContext& ctx) = 0;
};

class Simulator {
 public:
  Simulator(ApiServer& api, const Clock& clock, const Scenarios& scenarios, std::string token,
            std::chrono::milliseconds tick = std::chrono::milliseconds(20));
  ~Simulator();

  void Add(std::unique_ptr<SimController> c);
  // One round: every controller's Sync, in the order added.
  void SyncOnce();
  void Start();
  void Stop();

 private:
  ApiServer& api_;
  const Clock& clock_;
  const Scenarios& scenarios_;
  const std::string token_;
  const std::chrono::milliseconds tick_;
  std::vector<std::unique_ptr<SimController>> controllers_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace kubesim
