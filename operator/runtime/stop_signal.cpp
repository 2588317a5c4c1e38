#include "runtime/stop_signal.h"

#include <pthread.h>
#include <signal.h>

namespace jd {
namespace {

sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGUSR2);
  return set;
}

}  // namespace

ScopedSignalHandler::ScopedSignalHandler(StopSignal& stop) : stop_(stop) {
  sigset_t set = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this, set] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == SIGUSR2) return;  // the destructor
      stop_.Notify(sig == SIGTERM ? "SIGTERM" : "SIGINT");
    }
  });
}

ScopedSignalHandler::~ScopedSignalHandler() {
  pthread_kill(thread_.native_handle(), SIGUSR2);
  thread_.join();
}

}  // namespace jd
