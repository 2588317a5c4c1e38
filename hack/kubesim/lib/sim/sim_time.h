// sim_time.h — timestamps for kube-sim's simulated controllers and kubelet.
//
// The real API writes whole seconds (metav1.Time). Simulated time may be scaled down (timeScale
// 0.01 turns a 10 s back-off into 100 ms), so the simulation keeps the sub-second part when there
// is one: every client parses RFC 3339 with a fraction, and tests on a FakeClock that moves in
// whole seconds see exactly what the real API writes.
//
// Usage:
//   pod["status"]["startTime"] = SimTimestamp(ctx.now);
//   TimePoint t = ParseSimTimestamp(pod.value("/status/startTime"_json_pointer, "")).value_or(ctx.now);
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "clock.h"
#include "text_util.h"

namespace kubesim {

inline std::string SimTimestamp(TimePoint t) {
  return t == std::chrono::time_point_cast<std::chrono::seconds>(t) ? Rfc3339(t) : Rfc3339Micro(t);
}

inline std::optional<TimePoint> ParseSimTimestamp(std::string_view s) {
  if (s.empty()) return std::nullopt;
  return ParseRfc3339(s);
}

}  // namespace kubesim
