// FakeHttpProber: an HttpProber for tests of code that probes (health checks, webhook delivery).
//
// Answers come from a script per URL (exact match on ProbeRequest::url): a queue of ProbeResults
// consumed one per request, the last one repeating forever. A URL without a script answers with
// status 0 and error "no scripted answer for <url>" (so a test notices a request it did not
// expect). Every request is recorded, in order. Thread-safe.
//
// What it does not model: time (latency is whatever the script says; nothing waits), the
// connect_address / TLS settings (recorded, not acted upon), and body truncation.
//
// Usage:
//   jd::release::FakeHttpProber prober;
//   prober.Script("https://app.school.example/login", {{.status = 500}, {.status = 200}});
//   RunHealthRound(prober, ...);
//   EXPECT_EQ(prober.Requests().size(), 3u);
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "reconcilers/release/http_prober.h"

namespace jd::release {

class FakeHttpProber : public HttpProber {
 public:
  // Replaces the script for `url`. An empty list removes it.
  void Script(const std::string& url, std::vector<ProbeResult> answers);

  ProbeResult Get(const ProbeRequest& request) override;

  // Every request made so far, oldest first.
  std::vector<ProbeRequest> Requests() const;
  // The requests made for `url`.
  std::vector<ProbeRequest> RequestsFor(const std::string& url) const;

 private:
  struct Queue {
    std::vector<ProbeResult> answers;
    size_t next = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, Queue> scripts_;  // guarded by mu_
  std::vector<ProbeRequest> requests_;    // guarded by mu_
};

}  // namespace jd::release
