// Timestamps as Kubernetes writes them: RFC 3339, UTC, whole seconds ("2026-01-01T00:00:00Z"),
// the format of metav1.Time (lastTransitionTime, creationTimestamp, status.startedAt, ...).
//
// Formatting truncates to whole seconds (metav1.Time has second precision). Parsing accepts what an
// API server or a person may write: "Z" or a numeric offset ("+02:00"), with or without fractional
// seconds.
//
// Usage:
//   std::string stamp = jd::rec::FormatRfc3339(clock.WallNow());     // "2026-03-29T01:00:00Z"
//   std::optional<jd::WallTime> t = jd::rec::ParseRfc3339(obj["metadata"]["creationTimestamp"]);
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace jd::rec {

// "YYYY-MM-DDTHH:MM:SSZ", truncated (not rounded) to whole seconds.
std::string FormatRfc3339(WallTime t);

// nullopt when `text` is not RFC 3339 (date, 'T', time, then 'Z' or an offset).
std::optional<WallTime> ParseRfc3339(std::string_view text);

}  // namespace jd::rec
