// Small string helpers shared by the reconcilers' messages.
//
// Usage:
//   jd::rec::Join({"web", "scheduler"})            // "web, scheduler"
//   jd::rec::Join(chain, " -> ")                   // "a/staging -> a/base"
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace jd::rec {

// The parts separated by `sep` ("" for no parts).
inline std::string Join(const std::vector<std::string>& parts, std::string_view sep = ", ") {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

}  // namespace jd::rec
