// text_util.h — small text helpers kube-sim needs in many places: RFC 3339 times, uids,
// random name suffixes, base64, human durations ("5m", "2d3h") as kubectl prints them.
//
// Usage:
//   std::string ts = Rfc3339(clock.Now());     // "2026-11-26T20:57:00Z"
//   auto tp = ParseRfc3339(ts);                // std::optional<TimePoint>
//   std::string age = HumanDuration(std::chrono::seconds(330));   // "5m30s"
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "clock.h"

namespace kubesim {

std::string Rfc3339(TimePoint t);
// Microsecond precision, as used by Event.eventTime and Lease times (MicroTime).
std::string Rfc3339Micro(TimePoint t);
std::optional<TimePoint> ParseRfc3339(std::string_view s);

// A random RFC 4122 version-4 UUID.
std::string NewUid();
// n characters from the alphabet the real apiserver uses for generateName suffixes.
std::string RandomSuffix(size_t n);

std::string Base64Encode(std::string_view bytes);
// nullopt when `text` is not valid standard base64.
std::optional<std::string> Base64Decode(std::string_view text);

// kubectl's short human durations: "0s", "45s", "5m30s", "3h", "2d3h", "400d".
std::string HumanDuration(std::chrono::seconds d);

std::string ToLower(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
std::string UrlDecode(std::string_view s);

}  // namespace kubesim
