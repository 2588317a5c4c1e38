#include "reconcilers/release/deploy_window.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "reconcilers/common/timestamp.h"

namespace jd::release {
namespace {

using nlohmann::json;

constexpr const char* kAmsterdam = "Europe/Amsterdam";

WallTime At(const std::string& rfc3339) { return rec::ParseRfc3339(rfc3339).value(); }

std::vector<DeployWindow> Windows(const json& spec) {
  auto parsed = ParseDeployWindows(spec);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? parsed.value() : std::vector<DeployWindow>{};
}

const json kWeeknights = json::parse(
    R"([{"days": ["Mon", "Tue", "Wed", "Thu", "Fri"], "start": "21:00", "end": "06:00"}])");
const json kSaturdayNight =
    json::parse(R"([{"days": ["Sat"], "start": "21:00", "end": "06:00"}])");

TEST(ParseDeployWindows, ParsesDaysAndTimes) {
  auto w = ParseDeployWindows(json::parse(
      R"([{"days": ["Fri", "Mon"], "start": "21:30", "end": "06:05"},
          {"days": ["Sun"], "start": "00:00", "end": "23:59"}])"));
  ASSERT_TRUE(w.ok()) << w.error().message;
  ASSERT_EQ(w.value().size(), 2u);
  DeployWindow first;
  first.days[1] = first.days[5] = true;  // Mon, Fri
  first.start = std::chrono::minutes(21 * 60 + 30);
  first.end = std::chrono::minutes(6 * 60 + 5);
  EXPECT_EQ(w.value()[0], first);
  DeployWindow second;
  second.days[0] = true;  // Sun
  second.start = std::chrono::minutes(0);
  second.end = std::chrono::minutes(23 * 60 + 59);
  EXPECT_EQ(w.value()[1], second);

  auto none = ParseDeployWindows(json());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none.value().empty());
}

TEST(ParseDeployWindows, ErrorsNameTheField) {
  struct Case {
    std::string spec;
    std::string message;
  };
  const std::string ok = R"({"days": ["Mon"], "start": "21:00", "end": "06:00"})";
  const std::vector<Case> cases = {
      {"[" + ok + R"(, {"days": ["Tue"], "start": "25:00", "end": "06:00"}])",
       R"(spec.deployWindows[1].start "25:00" is not HH:MM (00:00 to 23:59))"},
      {R"([{"days": ["Tue"], "start": "21:00", "end": "6:00"}])",
       R"(spec.deployWindows[0].end "6:00" is not HH:MM (00:00 to 23:59))"},
      {R"([{"days": ["Tue"], "start": "21:60", "end": "06:00"}])",
       R"(spec.deployWindows[0].start "21:60" is not HH:MM (00:00 to 23:59))"},
      {R"([{"days": ["Tue"], "start": "24:00", "end": "06:00"}])",
       R"(spec.deployWindows[0].start "24:00" is not HH:MM (00:00 to 23:59))"},
      {R"([{"days": ["Tue"], "start": 2100, "end": "06:00"}])",
       R"(spec.deployWindows[0].start 2100 is not HH:MM (00:00 to 23:59))"},
      {R"([{"days": ["Tue"], "end": "06:00"}])",
       R"(spec.deployWindows[0].start: required, a local time "HH:MM" in spec.locale.timezone)"},
      {R"([{"days": ["Mon", "Tue", "Fry"], "start": "21:00", "end": "06:00"}])",
       R"(spec.deployWindows[0].days[2] "Fry" is not one of Mon, Tue, Wed, Thu, Fri, Sat, Sun)"},
      {R"([{"days": ["mon"], "start": "21:00", "end": "06:00"}])",
       R"(spec.deployWindows[0].days[0] "mon" is not one of Mon, Tue, Wed, Thu, Fri, Sat, Sun)"},
      {R"([{"days": [], "start": "21:00", "end": "06:00"}])",
       "spec.deployWindows[0].days: required; list at least one of Mon, Tue, Wed, Thu, Fri, "
       "Sat, Sun"},
      {R"([{"start": "21:00", "end": "06:00"}])",
       "spec.deployWindows[0].days: required; list at least one of Mon, Tue, Wed, Thu, Fri, "
       "Sat, Sun"},
      {"[" + ok + ", 5]", "spec.deployWindows[1]: must be an object {days, start, end}"},
      {R"({"days": ["Mon"]})", "spec.deployWindows: must be a list of {days, start, end}"},
  };
  for (const auto& c : cases) {
    auto w = ParseDeployWindows(json::parse(c.spec));
    ASSERT_FALSE(w.ok()) << c.spec;
    EXPECT_EQ(w.error().message, c.message);
  }
}

TEST(IsOpen, Table) {
  struct Case {
    std::string name;
    json windows;
    std::string utc;
    bool open;
  };
  const json sunday_gap = json::parse(R"([{"days": ["Sun"], "start": "02:30", "end": "04:00"}])");
  const json sunday_ambiguous =
      json::parse(R"([{"days": ["Sun"], "start": "02:15", "end": "02:45"}])");
  const json whole_monday = json::parse(R"([{"days": ["Mon"], "start": "00:00", "end": "00:00"}])");
  const json saturday_day = json::parse(R"([{"days": ["Sat"], "start": "09:00", "end": "17:00"}])");
  const std::vector<Case> cases = {
      // Winter (CET, UTC+1). 2026-01-09 is a Friday.
      {"no windows: always open", json(), "2026-01-10T12:00:00Z", true},
      {"Fri 20:59:59 before the window", kWeeknights, "2026-01-09T19:59:59Z", false},
      {"Fri 21:00 opens (start inclusive)", kWeeknights, "2026-01-09T20:00:00Z", true},
      {"Sat 03:00 belongs to Friday's window", kWeeknights, "2026-01-10T02:00:00Z", true},
      {"Sat 05:59:59 still open", kWeeknights, "2026-01-10T04:59:59Z", true},
      {"Sat 06:00 closes (end exclusive)", kWeeknights, "2026-01-10T05:00:00Z", false},
      {"Sat 21:00 closed: no Saturday window", kWeeknights, "2026-01-10T20:00:00Z", false},
      {"Mon 03:00 closed: it would be Sunday's window", kWeeknights, "2026-01-12T02:00:00Z",
       false},
      {"Mon 21:30 open", kWeeknights, "2026-01-12T20:30:00Z", true},
      {"same-day window inside", saturday_day, "2026-01-10T08:00:00Z", true},
      {"same-day window at end", saturday_day, "2026-01-10T16:00:00Z", false},
      {"start == end is 24 hours: Mon 00:00", whole_monday, "2026-01-11T23:00:00Z", true},
      {"start == end is 24 hours: Mon 23:59", whole_monday, "2026-01-12T22:59:00Z", true},
      {"start == end is 24 hours: Tue 00:00 closed", whole_monday, "2026-01-12T23:00:00Z", false},
      {"sub-second instant just before opening", kWeeknights, "2026-01-09T19:59:59.999Z", false},
      // Spring forward: Sun 2026-03-29 02:00 CET -> 03:00 CEST (01:00Z).
      {"spring: Sat 20:59:59 CET closed", kSaturdayNight, "2026-03-28T19:59:59Z", false},
      {"spring: Sat 21:00 CET open", kSaturdayNight, "2026-03-28T20:00:00Z", true},
      {"spring: 01:59:59 CET open", kSaturdayNight, "2026-03-29T00:59:59Z", true},
      {"spring: 03:00 CEST open", kSaturdayNight, "2026-03-29T01:00:00Z", true},
      {"spring: 05:59:59 CEST open", kSaturdayNight, "2026-03-29T03:59:59Z", true},
      {"spring: 06:00 CEST closed", kSaturdayNight, "2026-03-29T04:00:00Z", false},
      {"spring: 06:30 CEST closed (a fixed +01:00 would say open)", kSaturdayNight,
       "2026-03-29T04:30:00Z", false},
      {"spring: start 02:30 skipped, 01:59:59 CET closed", sunday_gap, "2026-03-29T00:59:59Z",
       false},
      {"spring: start 02:30 skipped, opens at 03:00 CEST", sunday_gap, "2026-03-29T01:00:00Z",
       true},
      {"spring: closes 04:00 CEST", sunday_gap, "2026-03-29T02:00:00Z", false},
      // Fall back: Sun 2026-10-25 03:00 CEST -> 02:00 CET (01:00Z).
      {"fall: Sat 20:59:59 CEST closed", kSaturdayNight, "2026-10-24T18:59:59Z", false},
      {"fall: Sat 21:00 CEST open", kSaturdayNight, "2026-10-24T19:00:00Z", true},
      {"fall: 02:30 CET (second pass) open", kSaturdayNight, "2026-10-25T01:30:00Z", true},
      {"fall: 05:30 CET open (a fixed +02:00 would say closed)", kSaturdayNight,
       "2026-10-25T04:30:00Z", true},
      {"fall: 05:59:59 CET open", kSaturdayNight, "2026-10-25T04:59:59Z", true},
      {"fall: 06:00 CET closed", kSaturdayNight, "2026-10-25T05:00:00Z", false},
      {"fall: 02:15 CEST opens (first pass)", sunday_ambiguous, "2026-10-25T00:15:00Z", true},
      {"fall: 02:45 CEST closes", sunday_ambiguous, "2026-10-25T00:45:00Z", false},
      {"fall: 02:20 CET (second pass) stays closed", sunday_ambiguous, "2026-10-25T01:20:00Z",
       false},
  };
  for (const auto& c : cases) {
    auto open = IsOpen(Windows(c.windows), kAmsterdam, At(c.utc));
    ASSERT_TRUE(open.ok()) << c.name << ": " << open.error().message;
    EXPECT_EQ(open.value(), c.open) << c.name << " at " << c.utc;
  }
}

TEST(IsOpen, UnknownTimezoneIsAnError) {
  auto open = IsOpen(Windows(kWeeknights), "Mars/Olympus", At("2026-01-09T20:00:00Z"));
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.error().message,
            "spec.locale.timezone \"Mars/Olympus\" is not in the tz database; use an IANA name "
            "such as Europe/Amsterdam");
  // No windows: the time zone is not needed.
  EXPECT_TRUE(IsOpen({}, "Mars/Olympus", At("2026-01-09T20:00:00Z")).value());
}

TEST(NextOpening, Table) {
  struct Case {
    std::string name;
    json windows;
    std::string tz;
    std::string now;
    std::string want;
  };
  const json sunday_gap = json::parse(R"([{"days": ["Sun"], "start": "02:30", "end": "04:00"}])");
  const json swallowed = json::parse(R"([{"days": ["Sun"], "start": "02:10", "end": "02:50"}])");
  const json daily = json::parse(
      R"([{"days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "09:00", "end": "17:00"}])");
  const std::vector<Case> cases = {
      {"no windows: now", json(), kAmsterdam, "2026-01-10T12:00:00Z", "2026-01-10T12:00:00Z"},
      {"open: now", kWeeknights, kAmsterdam, "2026-01-10T02:00:00Z", "2026-01-10T02:00:00Z"},
      {"Saturday noon waits for Monday 21:00 CET", kWeeknights, kAmsterdam,
       "2026-01-10T11:00:00Z", "2026-01-12T20:00:00Z"},
      {"Friday afternoon: tonight", kWeeknights, kAmsterdam, "2026-01-09T14:00:00Z",
       "2026-01-09T20:00:00Z"},
      {"at a window's end: the next day's start", daily, kAmsterdam, "2026-01-10T16:00:00Z",
       "2026-01-11T08:00:00Z"},
      {"before spring forward: Sat 21:00 CET", kSaturdayNight, kAmsterdam,
       "2026-03-28T12:00:00Z", "2026-03-28T20:00:00Z"},
      {"skipped start: opens at the change", sunday_gap, kAmsterdam, "2026-03-28T12:00:00Z",
       "2026-03-29T01:00:00Z"},
      {"window swallowed by the gap: next week, CEST", swallowed, kAmsterdam,
       "2026-03-28T12:00:00Z", "2026-04-05T00:10:00Z"},
      {"after fall back: next Saturday 21:00 CET", kSaturdayNight, kAmsterdam,
       "2026-10-25T05:00:00Z", "2026-10-31T20:00:00Z"},
      {"another zone: New York", kWeeknights, "America/New_York", "2026-01-10T12:00:00Z",
       "2026-01-13T02:00:00Z"},
  };
  for (const auto& c : cases) {
    auto next = NextOpening(Windows(c.windows), c.tz, At(c.now));
    ASSERT_TRUE(next.ok()) << c.name << ": " << next.error().message;
    EXPECT_EQ(rec::FormatRfc3339(next.value()), c.want) << c.name;
    // Consistency with IsOpen: open at the answer, and (when waiting) closed one second before.
    EXPECT_TRUE(IsOpen(Windows(c.windows), c.tz, next.value()).value()) << c.name;
    if (c.want != c.now) {
      EXPECT_FALSE(IsOpen(Windows(c.windows), c.tz, next.value() - std::chrono::seconds(1)).value())
          << c.name;
    }
  }
}

TEST(NextOpening, KeepsSubSecondNowWhenOpen) {
  const WallTime now = At("2026-01-09T20:00:00Z") + std::chrono::milliseconds(250);
  EXPECT_EQ(NextOpening(Windows(kWeeknights), kAmsterdam, now).value(), now);
}

TEST(NextOpening, UnknownTimezoneIsAnError) {
  auto next = NextOpening(Windows(kWeeknights), "Nowhere", At("2026-01-10T12:00:00Z"));
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().message,
            "spec.locale.timezone \"Nowhere\" is not in the tz database; use an IANA name such as "
            "Europe/Amsterdam");
}

}  // namespace
}  // namespace jd::release
