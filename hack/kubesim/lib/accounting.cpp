#include "accounting.h"

namespace kubesim {

void Accounting::Record(RequestRecord r) {
  std::lock_guard lock(mu_);
  r.seq = ++seq_;
  ++counts_[{r.verb, r.resource, r.code, r.user_agent}];
  log_.push_back(std::move(r));
  while (log_.size() > log_limit_) log_.pop_front();
}

nlohmann::json Accounting::Counts() const {
  std::lock_guard lock(mu_);
  nlohmann::json rows = nlohmann::json::array();
  uint64_t total = 0;
  for (const auto& [k, n] : counts_) {
    const auto& [verb, resource, code, ua] = k;
    rows.push_back({{"verb", verb}, {"resource", resource}, {"code", code}, {"userAgent", ua}, {"count", n}});
    total += n;
  }
  return {{"total", total}, {"requests", rows}};
}

nlohmann::json Accounting::Log(uint64_t since) const {
  std::lock_guard lock(mu_);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : log_) {
    if (r.seq <= since) continue;
    rows.push_back({{"seq", r.seq}, {"time", r.time}, {"verb", r.verb}, {"resource", r.resource}, {"namespace", r.ns},
                    {"name", r.name}, {"code", r.code}, {"userAgent", r.user_agent}, {"method", r.method},
                    {"path", r.path}, {"contentType", r.content_type}});
  }
  return {{"items", rows}, {"lastSeq", seq_}};
}

void Accounting::Reset() {
  std::lock_guard lock(mu_);
  counts_.clear();
  log_.clear();
}

}  // namespace kubesim
