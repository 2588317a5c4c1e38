#include "reconcilers/common/conditions.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "reconcilers/common/timestamp.h"

namespace jd::rec {
namespace {

using nlohmann::json;

WallTime At(const char* rfc3339) { return ParseRfc3339(rfc3339).value(); }

constexpr const char* kT0 = "2026-01-01T00:00:00Z";
constexpr const char* kT1 = "2026-01-01T00:05:00Z";

json Cond(const std::string& type, const std::string& status, const std::string& reason,
          const std::string& message, const std::string& ltt, int64_t gen) {
  return {{"type", type},        {"status", status},
          {"reason", reason},    {"message", message},
          {"lastTransitionTime", ltt}, {"observedGeneration", gen}};
}

TEST(Timestamp, FormatTruncatesToSecondsInUtc) {
  const WallTime t = At("2026-03-29T01:00:00Z") + std::chrono::milliseconds(999);
  EXPECT_EQ(FormatRfc3339(t), "2026-03-29T01:00:00Z");
}

TEST(Timestamp, ParseTable) {
  struct Case {
    std::string text;
    std::optional<std::string> utc;  // formatted back; nullopt = rejected
  };
  const std::vector<Case> cases = {
      {"2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"},
      {"2026-01-01T00:00:00.75Z", "2026-01-01T00:00:00Z"},
      {"2026-03-29T03:00:00+02:00", "2026-03-29T01:00:00Z"},
      {"2025-12-31T23:30:00-01:00", "2026-01-01T00:30:00Z"},
      {"2026-02-30T00:00:00Z", std::nullopt},
      {"2026-01-01 00:00:00Z", std::nullopt},
      {"2026-01-01T00:00:00", std::nullopt},
      {"2026-01-01T00:00:00Zjunk", std::nullopt},
      {"2026-01-01T24:00:00Z", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& c : cases) {
    auto parsed = ParseRfc3339(c.text);
    ASSERT_EQ(parsed.has_value(), c.utc.has_value()) << c.text;
    if (parsed) {
      EXPECT_EQ(FormatRfc3339(*parsed), *c.utc) << c.text;
    }
  }
  // Sub-second precision is kept by the parser.
  EXPECT_EQ(ParseRfc3339("2026-01-01T00:00:00.75Z").value() - At(kT0),
            std::chrono::milliseconds(750));
}

TEST(SetCondition, Table) {
  struct Case {
    std::string name;
    json before;
    Condition set;
    int64_t generation;
    json after;
  };
  const std::vector<Case> cases = {
      {"null becomes an array with the new condition",
       nullptr,
       {"ConfigValid", "True", "Valid", "ok"},
       3,
       json::array({Cond("ConfigValid", "True", "Valid", "ok", kT1, 3)})},
      {"same status: lastTransitionTime kept, reason/message/generation updated",
       json::array({Cond("ConfigValid", "False", "UnknownCurrency", "old", kT0, 1)}),
       {"ConfigValid", "False", "UnknownTimezone", "new", },
       2,
       json::array({Cond("ConfigValid", "False", "UnknownTimezone", "new", kT0, 2)})},
      {"status flips: lastTransitionTime moves",
       json::array({Cond("ConfigValid", "False", "UnknownCurrency", "bad", kT0, 1)}),
       {"ConfigValid", "True", "Valid", "ok"},
       1,
       json::array({Cond("ConfigValid", "True", "Valid", "ok", kT1, 1)})},
      {"False to Unknown is a flip",
       json::array({Cond("TLSValid", "False", "Expired", "x", kT0, 1)}),
       {"TLSValid", "Unknown", "Checking", "y"},
       1,
       json::array({Cond("TLSValid", "Unknown", "Checking", "y", kT1, 1)})},
      {"existing keeps its position, new one is appended",
       json::array({Cond("A", "True", "R", "", kT0, 1), Cond("B", "True", "R", "", kT0, 1)}),
       {"A", "False", "Broke", "m"},
       2,
       json::array({Cond("A", "False", "Broke", "m", kT1, 2), Cond("B", "True", "R", "", kT0, 1)})},
      {"appended after the others",
       json::array({Cond("A", "True", "R", "", kT0, 1)}),
       {"C", "True", "R", ""},
       1,
       json::array({Cond("A", "True", "R", "", kT0, 1), Cond("C", "True", "R", "", kT1, 1)})},
      {"entry without lastTransitionTime gets one",
       json::array({{{"type", "A"}, {"status", "True"}}}),
       {"A", "True", "R", "m"},
       4,
       json::array({Cond("A", "True", "R", "m", kT1, 4)})},
      {"a non-array conditions value is replaced",
       json::object(),
       {"A", "True", "R", "m"},
       1,
       json::array({Cond("A", "True", "R", "m", kT1, 1)})},
  };
  for (const auto& c : cases) {
    json conditions = c.before;
    SetCondition(conditions, c.set, c.generation, At(kT1));
    EXPECT_EQ(conditions, c.after) << c.name << "\n got: " << conditions.dump();
  }
}

TEST(FindCondition, FindsByTypeAndIsTrueReadsStatus) {
  const json conditions = json::array({Cond("Ready", "True", "R", "", kT0, 1),
                                       Cond("Stalled", "False", "R", "", kT0, 1),
                                       Cond("Odd", "true", "R", "", kT0, 1)});
  ASSERT_NE(FindCondition(conditions, "Stalled"), nullptr);
  EXPECT_EQ((*FindCondition(conditions, "Stalled"))["status"], "False");
  EXPECT_EQ(FindCondition(conditions, "Missing"), nullptr);
  EXPECT_EQ(FindCondition(json(), "Ready"), nullptr);
  EXPECT_TRUE(IsTrue(conditions, "Ready"));
  EXPECT_FALSE(IsTrue(conditions, "Stalled"));
  EXPECT_FALSE(IsTrue(conditions, "Odd"));  // status is case-sensitive
  EXPECT_FALSE(IsTrue(conditions, "Missing"));
}

TEST(SetReadiness, Table) {
  struct Case {
    std::string name;
    json before;
    Readiness readiness;
    json after;
  };
  const json reconciling = Cond("Reconciling", "True", "Progressing", "rolling out", kT0, 1);
  const json stalled = Cond("Stalled", "True", "InvalidSpec", "bad", kT0, 1);
  const std::vector<Case> cases = {
      {"ready removes the abnormal-true conditions",
       json::array({Cond("Ready", "False", "Progressing", "rolling out", kT0, 1), reconciling,
                    stalled}),
       {Readiness::kReady, "Succeeded", "2.14.0 is live"},
       json::array({Cond("Ready", "True", "Succeeded", "2.14.0 is live", kT1, 2)})},
      {"reconciling sets Ready=False and Reconciling=True, removes Stalled",
       json::array({Cond("Ready", "False", "InvalidSpec", "bad", kT0, 1), stalled}),
       {Readiness::kReconciling, "Progressing", "migrating"},
       json::array({Cond("Ready", "False", "Progressing", "migrating", kT0, 2),
                    Cond("Reconciling", "True", "Progressing", "migrating", kT1, 2)})},
      {"stalled sets Ready=False and Stalled=True, removes Reconciling",
       json::array({Cond("Ready", "True", "Succeeded", "", kT0, 1), reconciling}),
       {Readiness::kStalled, "InvalidSpec", "spec.version: empty"},
       json::array({Cond("Ready", "False", "InvalidSpec", "spec.version: empty", kT1, 2),
                    Cond("Stalled", "True", "InvalidSpec", "spec.version: empty", kT1, 2)})},
      {"staying reconciling keeps both transition times",
       json::array({Cond("Ready", "False", "Progressing", "a", kT0, 1), reconciling}),
       {Readiness::kReconciling, "Progressing", "b"},
       json::array({Cond("Ready", "False", "Progressing", "b", kT0, 2),
                    Cond("Reconciling", "True", "Progressing", "b", kT0, 2)})},
      {"from nothing",
       nullptr,
       {Readiness::kReady, "Ready", ""},
       json::array({Cond("Ready", "True", "Ready", "", kT1, 2)})},
  };
  for (const auto& c : cases) {
    json conditions = c.before;
    SetReadiness(conditions, c.readiness, 2, At(kT1));
    EXPECT_EQ(conditions, c.after) << c.name << "\n got: " << conditions.dump();
  }
}

TEST(StatusChanged, Table) {
  struct Case {
    std::string name;
    json old_status;
    json new_status;
    bool changed;
  };
  const json base = {{"phase", "Ready"},
                     {"observedGeneration", 2},
                     {"conditions", json::array({Cond("Ready", "True", "R", "", kT0, 2)})}};
  json moved_time = base;
  moved_time["conditions"][0]["lastTransitionTime"] = kT1;
  json new_generation = base;
  new_generation["observedGeneration"] = 3;
  json with_null = base;
  with_null["currentRelease"] = nullptr;
  json as_float = base;
  as_float["observedGeneration"] = 2.0;
  json reordered = json::parse(R"({"observedGeneration":2,"conditions":[)" +
                               Cond("Ready", "True", "R", "", kT0, 2).dump() +
                               R"(],"phase":"Ready"})");
  json two = base;
  two["conditions"].push_back(Cond("Stalled", "True", "R", "", kT0, 2));
  json swapped = base;
  swapped["conditions"] = json::array({two["conditions"][1], two["conditions"][0]});
  json nested_null = base;
  nested_null["conditions"][0]["message"] = nullptr;

  const std::vector<Case> cases = {
      {"identical", base, base, false},
      {"key order does not matter", base, reordered, false},
      {"1 == 1.0", base, as_float, false},
      {"null member equals missing", base, with_null, false},
      {"null member equals missing, other direction", with_null, base, false},
      {"null status equals empty object", nullptr, json::object(), false},
      {"lastTransitionTime counts", base, moved_time, true},
      {"observedGeneration counts", base, new_generation, true},
      {"added condition", base, two, true},
      {"array order counts", two, swapped, true},
      {"nested null vs empty string differs", base, nested_null, true},
      {"first status", nullptr, base, true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(StatusChanged(c.old_status, c.new_status), c.changed) << c.name;
  }
}

}  // namespace
}  // namespace jd::rec
