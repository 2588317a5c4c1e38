#include "reconcilers/release/fake_http_prober.h"

#include <utility>

namespace jd::release {

void FakeHttpProber::Script(const std::string& url, std::vector<ProbeResult> answers) {
  std::lock_guard<std::mutex> lock(mu_);
  if (answers.empty()) {
    scripts_.erase(url);
    return;
  }
  scripts_[url] = Queue{std::move(answers), 0};
}

ProbeResult FakeHttpProber::Get(const ProbeRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back(request);
  auto it = scripts_.find(request.url);
  if (it == scripts_.end()) {
    ProbeResult none;
    none.error = "no scripted answer for " + request.url;
    return none;
  }
  Queue& q = it->second;
  ProbeResult answer = q.answers[q.next];
  if (q.next + 1 < q.answers.size()) ++q.next;
  return answer;
}

std::vector<ProbeRequest> FakeHttpProber::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<ProbeRequest> FakeHttpProber::RequestsFor(const std::string& url) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ProbeRequest> out;
  for (const auto& r : requests_) {
    if (r.url == url) out.push_back(r);
  }
  return out;
}

}  // namespace jd::release
