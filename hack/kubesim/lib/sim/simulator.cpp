#include "simulator.h"

namespace kubesim {

Simulator::Simulator(ApiServer& api, const Clock& clock, const Scenarios& scenarios, std::string token,
                     std::chrono::milliseconds tick)
    : api_(api), clock_(clock), scenarios_(scenarios), token_(std::move(token)), tick_(tick) {}

Simulator::~Simulator() { Stop(); }

void Simulator::Add(std::unique_ptr<SimController> c) { controllers_.push_back(std::move(c)); }

void Simulator::SyncOnce() {
  SimContext ctx{clock_, scenarios_, api_, token_, clock_.Now()};
  for (auto& c : controllers_) {
    try {
      c->Sync(ctx);
    } catch (const std::exception&) {
      // A controller must not take the simulator down; the next round tries again.
    }
  }
}

void Simulator::Start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] {
    while (running_) {
      auto next = std::chrono::steady_clock::now() + tick_;
      SyncOnce();
      std::this_thread::sleep_until(next);
    }
  });
}

void Simulator::Stop() {
  if (!running_.exchange(false)) return;
  if (thread_.joinable()) thread_.join();
}

}  // namespace kubesim
