#include "reconcilers/release/phase.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "reconcilers/common/timestamp.h"

namespace jd::release {
namespace {

TEST(Phase, ClassificationTable) {
  struct Case {
    Phase phase;
    std::string name;
    bool terminal;
    bool active;
  };
  const std::vector<Case> cases = {
      {Phase::kPending, "Pending", false, false},
      {Phase::kWaiting, "Waiting", false, false},
      {Phase::kPreflight, "Preflight", false, true},
      {Phase::kBackingUp, "BackingUp", false, true},
      {Phase::kMigrating, "Migrating", false, true},
      {Phase::kRollingOut, "RollingOut", false, true},
      {Phase::kVerifying, "Verifying", false, true},
      {Phase::kSucceeded, "Succeeded", true, false},
      {Phase::kFailed, "Failed", true, false},
      {Phase::kRollingBack, "RollingBack", false, true},
      {Phase::kRolledBack, "RolledBack", true, false},
      {Phase::kSuperseded, "Superseded", true, false},
      {Phase::kBlocked, "Blocked", true, false},
  };
  ASSERT_EQ(cases.size(), 13u);
  for (const auto& c : cases) {
    EXPECT_EQ(ToString(c.phase), c.name);
    EXPECT_EQ(ParsePhase(c.name), c.phase) << c.name;
    EXPECT_EQ(IsTerminal(c.phase), c.terminal) << c.name;
    EXPECT_EQ(IsActive(c.phase), c.active) << c.name;
  }
  for (const char* bad : {"", "pending", "Done", "Succeeded "}) {
    EXPECT_FALSE(ParsePhase(bad).has_value()) << bad;
  }
}

TEST(ShouldRestart, Table) {
  struct Case {
    Phase phase;
    int64_t observed, generation;
    bool retry;
    RestartDecision want;
  };
  const std::vector<Case> cases = {
      {Phase::kFailed, 2, 2, false, {false, "Quarantined"}},
      {Phase::kFailed, 2, 3, false, {true, "SpecChanged"}},
      {Phase::kFailed, 2, 2, true, {true, "RetryRequested"}},
      {Phase::kFailed, 2, 3, true, {true, "SpecChanged"}},
      {Phase::kRolledBack, 5, 5, false, {false, "Quarantined"}},
      {Phase::kRolledBack, 5, 6, false, {true, "SpecChanged"}},
      {Phase::kRolledBack, 5, 5, true, {true, "RetryRequested"}},
      {Phase::kBlocked, 1, 1, false, {false, "Quarantined"}},
      {Phase::kBlocked, 1, 2, false, {true, "SpecChanged"}},
      {Phase::kBlocked, 1, 1, true, {true, "RetryRequested"}},
      {Phase::kSuperseded, 1, 1, false, {false, "Quarantined"}},
      {Phase::kSuperseded, 1, 1, true, {true, "RetryRequested"}},
      {Phase::kSucceeded, 1, 1, false, {false, "Succeeded"}},
      {Phase::kSucceeded, 1, 2, false, {false, "Succeeded"}},
      {Phase::kSucceeded, 1, 1, true, {false, "Succeeded"}},
      {Phase::kPending, 0, 1, true, {false, "NotTerminal"}},
      {Phase::kMigrating, 1, 2, false, {false, "NotTerminal"}},
      {Phase::kRollingBack, 1, 1, true, {false, "NotTerminal"}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ShouldRestart(c.phase, c.observed, c.generation, c.retry), c.want)
        << ToString(c.phase) << " observed=" << c.observed << " gen=" << c.generation
        << " retry=" << c.retry;
  }
}

ReleaseSummary R(const std::string& name, const std::string& created, Phase phase) {
  return {name, rec::ParseRfc3339(created).value(), phase};
}

TEST(PickActive, Table) {
  using V = std::vector<std::string>;
  struct Case {
    std::string name;
    std::vector<ReleaseSummary> releases;
    SlotDecision want;
  };
  const std::string t1 = "2026-01-01T10:00:00Z", t2 = "2026-01-01T11:00:00Z",
                    t3 = "2026-01-01T12:00:00Z";
  const std::vector<Case> cases = {
      {"nothing", {}, {}},
      {"only terminal releases", {R("a", t1, Phase::kSucceeded), R("b", t2, Phase::kFailed)}, {}},
      {"one pending proceeds", {R("a", t1, Phase::kPending)}, {"a", {}, {}, {}}},
      {"newest pending proceeds, older superseded",
       {R("c", t3, Phase::kPending), R("a", t1, Phase::kPending), R("b", t2, Phase::kWaiting)},
       {"c", V{"a", "b"}, {}, {}}},
      {"waiting counts as queued and is superseded by a newer one",
       {R("a", t1, Phase::kWaiting), R("b", t2, Phase::kPending)},
       {"b", V{"a"}, {}, {}}},
      {"active keeps the slot, newer pending waits",
       {R("a", t1, Phase::kMigrating), R("b", t2, Phase::kPending)},
       {"a", {}, V{"b"}, {}}},
      {"active keeps the slot, only the newest pending waits",
       {R("a", t1, Phase::kVerifying), R("b", t2, Phase::kPending), R("c", t3, Phase::kPending)},
       {"a", V{"b"}, V{"c"}, {}}},
      {"pending older than the active one is superseded",
       {R("a", t1, Phase::kPending), R("b", t2, Phase::kRollingOut)},
       {"b", V{"a"}, {}, {}}},
      {"rolling back holds the slot",
       {R("a", t1, Phase::kRollingBack), R("b", t2, Phase::kPending)},
       {"a", {}, V{"b"}, {}}},
      {"terminal releases are ignored",
       {R("a", t1, Phase::kFailed), R("b", t2, Phase::kSucceeded), R("c", t3, Phase::kPending)},
       {"c", {}, {}, {}}},
      {"same creation time: the greater name is newer",
       {R("rel-2", t1, Phase::kPending), R("rel-1", t1, Phase::kPending)},
       {"rel-2", V{"rel-1"}, {}, {}}},
      {"two active: the oldest keeps it, the other is reported, never superseded",
       {R("b", t2, Phase::kMigrating), R("a", t1, Phase::kPreflight), R("c", t3, Phase::kPending)},
       {"a", {}, V{"c"}, V{"b"}}},
  };
  for (const auto& c : cases) {
    const SlotDecision got = PickActive(c.releases);
    EXPECT_EQ(got, c.want) << c.name << ": proceed=" << got.proceed.value_or("<none>");
  }
}

}  // namespace
}  // namespace jd::release
