// StopSignal: a one-way latch "the process was asked to stop". main's signal thread notifies it
// on SIGTERM/SIGINT (see ScopedSignalHandler); the Manager waits on it; tests notify it directly.
//
// Usage:
//   jd::StopSignal stop;
//   std::thread t([&] { manager.Run(stop); });
//   stop.Notify("SIGTERM");
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace jd {

class StopSignal {
 public:
  // Latches; the first reason is kept. Thread-safe, idempotent.
  void Notify(const std::string& reason) {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      reason_ = reason;
    }
    cv_.notify_all();
  }
  // Blocks until Notify.
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return stopped_; });
  }
  bool Stopped() const {
    std::lock_guard lock(mu_);
    return stopped_;
  }
  std::string Reason() const {
    std::lock_guard lock(mu_);
    return reason_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  std::string reason_;
};

// Blocks SIGTERM and SIGINT in the calling thread (call it first in main, before any thread
// starts, so every thread inherits the mask) and runs a thread that sigwait()s for them and
// notifies `stop` with "SIGTERM" / "SIGINT". A second signal while stopping is ignored (the
// kubelet's SIGKILL after the grace period ends the process anyway). The destructor wakes the
// thread (it sends itself SIGUSR2, also blocked) and joins it.
class ScopedSignalHandler {
 public:
  explicit ScopedSignalHandler(StopSignal& stop);
  ~ScopedSignalHandler();
  ScopedSignalHandler(const ScopedSignalHandler&) = delete;
  ScopedSignalHandler& operator=(const ScopedSignalHandler&) = delete;

 private:
  StopSignal& stop_;
  std::thread thread_;
};

}  // namespace jd
