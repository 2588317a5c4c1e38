// Deploy windows: when a release may start, in the environment's local time.
//
// `spec.deployWindows[]: {days: [Mon..Sun], start: "HH:MM", end: "HH:MM"}`, evaluated in
// `spec.locale.timezone` (IANA name, through the system tz database via date/tz). Rules:
//   - No windows: always open.
//   - A window occurs on each listed day, from `start` to `end` local time. If end <= start it runs
//     across midnight into the next day and belongs to the day it starts: {Fri, 21:00, 06:00} is
//     open on Saturday 03:00, not on Friday 03:00. start == end is a 24-hour window.
//   - Daylight saving: an occurrence is one interval of real time. It opens at the first instant
//     the local clock reads `start` and closes at the first instant after that the local clock
//     reads `end`. A time skipped by spring-forward maps to the instant of the change (a window
//     starting at 02:30 on Europe/Amsterdam's spring-forward day opens at 03:00 CEST); a time
//     repeated by fall-back means its first occurrence (summer time). So Sat 21:00-06:00 across
//     spring-forward lasts 8 hours of real time, across fall-back 10.
//   - Instants are compared exactly; a window is open at `start`, closed at `end` ([start, end)).
//
// Usage:
//   auto windows = jd::release::ParseDeployWindows(env_spec["deployWindows"]);
//   if (!windows.ok()) { /* condition message: windows.error().message */ }
//   auto open = jd::release::IsOpen(windows.value(), "Europe/Amsterdam", clock.WallNow());
//   if (open.ok() && !open.value()) {
//     auto next = jd::release::NextOpening(windows.value(), "Europe/Amsterdam", clock.WallNow());
//     return jd::Result::RequeueAfter(next.value() - clock.WallNow());
//   }
#pragma once

#include <array>
#include <chrono>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/status_or.h"

namespace jd::release {

struct DeployWindow {
  std::array<bool, 7> days{};         // indexed by weekday, Sun = 0 ... Sat = 6 (as date::weekday)
  std::chrono::minutes start{0};      // minutes after local midnight, 0..1439
  std::chrono::minutes end{0};        // likewise; end <= start means the next day

  friend bool operator==(const DeployWindow&, const DeployWindow&) = default;
};

// Parses spec.deployWindows (null or absent = no windows). Errors name the field and index:
//   spec.deployWindows[1].start "25:00" is not HH:MM (00:00 to 23:59)
//   spec.deployWindows[0].days[2] "Fry" is not one of Mon, Tue, Wed, Thu, Fri, Sat, Sun
StatusOr<std::vector<DeployWindow>> ParseDeployWindows(const nlohmann::json& windows);

// Whether a release may start at `now`. Error when `timezone` is not in the tz database.
StatusOr<bool> IsOpen(const std::vector<DeployWindow>& windows, std::string_view timezone,
                      WallTime now);

// The first instant >= now at which a window is open (`now` itself when open), for a requeue.
// Searches 8 days ahead; error when nothing opens in that time (only possible when every
// occurrence is swallowed by a DST gap) or when `timezone` is unknown.
StatusOr<WallTime> NextOpening(const std::vector<DeployWindow>& windows, std::string_view timezone,
                               WallTime now);

}  // namespace jd::release
