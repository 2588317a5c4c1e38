#include "reconcilers/release/phase.h"

#include <algorithm>
#include <array>
#include <utility>

namespace jd::release {

namespace {

constexpr std::array<std::pair<Phase, std::string_view>, 13> kNames = {{
    {Phase::kPending, "Pending"},
    {Phase::kWaiting, "Waiting"},
    {Phase::kPreflight, "Preflight"},
    {Phase::kBackingUp, "BackingUp"},
    {Phase::kMigrating, "Migrating"},
    {Phase::kRollingOut, "RollingOut"},
    {Phase::kVerifying, "Verifying"},
    {Phase::kSucceeded, "Succeeded"},
    {Phase::kFailed, "Failed"},
    {Phase::kRollingBack, "RollingBack"},
    {Phase::kRolledBack, "RolledBack"},
    {Phase::kSuperseded, "Superseded"},
    {Phase::kBlocked, "Blocked"},
}};

bool IsQueued(Phase p) { return p == Phase::kPending || p == Phase::kWaiting; }

bool Older(const ReleaseSummary* a, const ReleaseSummary* b) {
  if (a->created != b->created) return a->created < b->created;
  return a->name < b->name;
}

}  // namespace

std::string_view ToString(Phase p) {
  for (const auto& [phase, name] : kNames) {
    if (phase == p) return name;
  }
  return "Unknown";
}

std::optional<Phase> ParsePhase(std::string_view s) {
  for (const auto& [phase, name] : kNames) {
    if (name == s) return phase;
  }
  return std::nullopt;
}

bool IsTerminal(Phase p) {
  switch (p) {
    case Phase::kSucceeded:
    case Phase::kFailed:
    case Phase::kRolledBack:
    case Phase::kSuperseded:
    case Phase::kBlocked:
      return true;
    default:
      return false;
  }
}

bool IsActive(Phase p) {
  switch (p) {
    case Phase::kPreflight:
    case Phase::kBackingUp:
    case Phase::kMigrating:
    case Phase::kRollingOut:
    case Phase::kVerifying:
    case Phase::kRollingBack:
      return true;
    default:
      return false;
  }
}

RestartDecision ShouldRestart(Phase phase, int64_t observed_generation, int64_t generation,
                              bool has_retry_annotation) {
  if (!IsTerminal(phase)) {
    return {false, "NotTerminal"};
  }
  if (phase == Phase::kSucceeded) return {false, "Succeeded"};
  if (generation != observed_generation) return {true, "SpecChanged"};
  if (has_retry_annotation) return {true, "RetryRequested"};
  return {false, "Quarantined"};
}

SlotDecision PickActive(const std::vector<ReleaseSummary>& releases) {
  std::vector<const ReleaseSummary*> active, queued;
  for (const auto& r : releases) {
    if (IsActive(r.phase)) active.push_back(&r);
    if (IsQueued(r.phase)) queued.push_back(&r);
  }
  std::sort(active.begin(), active.end(), Older);
  std::sort(queued.begin(), queued.end(), Older);

  SlotDecision d;
  for (std::size_t i = 0; i < active.size(); ++i) {
    if (i == 0) {
      d.proceed = active[i]->name;
    } else {
      d.conflicting.push_back(active[i]->name);
    }
  }
  if (queued.empty()) return d;
  // Queued releases older than the slot holder lost the race to a newer one: superseded too.
  const std::size_t last = queued.size() - 1;
  for (std::size_t i = 0; i < queued.size(); ++i) {
    const bool older_than_holder = !active.empty() && Older(queued[i], active.front());
    if (i < last || older_than_holder) d.superseded.push_back(queued[i]->name);
  }
  if (!active.empty()) {
    if (!Older(queued[last], active.front())) d.queued.push_back(queued[last]->name);
  } else {
    d.proceed = queued[last]->name;
  }
  return d;
}

}  // namespace jd::release
