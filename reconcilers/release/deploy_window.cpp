#include "reconcilers/release/deploy_window.h"

#include <exception>
#include <optional>
#include <string>

#include <date/date.h>
#include <date/tz.h>

namespace jd::release {

namespace {

using Seconds = std::chrono::seconds;
using LocalDays = date::local_days;

constexpr std::array<std::string_view, 7> kDayNames = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
constexpr std::string_view kDayList = "Mon, Tue, Wed, Thu, Fri, Sat, Sun";
// How far NextOpening looks ahead, in local days.
constexpr int kSearchDays = 8;

std::string Field(std::size_t index) {
  return "spec.deployWindows[" + std::to_string(index) + "]";
}

// "HH:MM" (two digits each, 00:00..23:59) to minutes after midnight.
std::optional<std::chrono::minutes> ParseClock(const nlohmann::json& v) {
  if (!v.is_string()) return std::nullopt;
  const std::string& s = v.get_ref<const std::string&>();
  auto digit = [&](std::size_t i) { return s[i] >= '0' && s[i] <= '9'; };
  if (s.size() != 5 || s[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) {
    return std::nullopt;
  }
  const int hours = (s[0] - '0') * 10 + (s[1] - '0');
  const int minutes = (s[3] - '0') * 10 + (s[4] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  return std::chrono::minutes(hours * 60 + minutes);
}

StatusOr<std::chrono::minutes> ParseClockField(const nlohmann::json& window, std::size_t index,
                                               const char* key) {
  const std::string field = Field(index) + "." + key;
  auto it = window.find(key);
  if (it == window.end() || it->is_null()) {
    return Error{field + ": required, a local time \"HH:MM\" in spec.locale.timezone"};
  }
  auto parsed = ParseClock(*it);
  if (!parsed) return Error{field + " " + it->dump() + " is not HH:MM (00:00 to 23:59)"};
  return *parsed;
}

StatusOr<const date::time_zone*> LocateZone(std::string_view timezone) {
  try {
    return date::locate_zone(std::string(timezone));
  } catch (const std::exception&) {
    return Error{"spec.locale.timezone \"" + std::string(timezone) +
                 "\" is not in the tz database; use an IANA name such as Europe/Amsterdam"};
  }
}

struct Interval {
  date::sys_seconds open;
  date::sys_seconds close;
};

// The instant the local clock first reads `local` (skipped times map to the change itself).
date::sys_seconds FirstInstant(const date::time_zone* zone, date::local_seconds local) {
  return date::zoned_time<Seconds>(zone, local, date::choose::earliest).get_sys_time();
}

// The occurrence of `w` that starts on local day `day`, if `w` runs that day and is not empty.
std::optional<Interval> Occurrence(const DeployWindow& w, const date::time_zone* zone,
                                   LocalDays day) {
  if (!w.days[date::weekday(day).c_encoding()]) return std::nullopt;
  const LocalDays end_day = w.end <= w.start ? day + date::days(1) : day;
  Interval iv{FirstInstant(zone, day + w.start), FirstInstant(zone, end_day + w.end)};
  if (iv.close <= iv.open) return std::nullopt;  // swallowed by a DST gap
  return iv;
}

LocalDays LocalDay(const date::time_zone* zone, WallTime now) {
  const date::zoned_time<Seconds> zt(zone, std::chrono::floor<Seconds>(now));
  return std::chrono::floor<date::days>(zt.get_local_time());
}

bool OpenAt(const std::vector<DeployWindow>& windows, const date::time_zone* zone, WallTime now) {
  const LocalDays today = LocalDay(zone, now);
  // An occurrence lasts at most 25 hours, so only those starting from two days ago can cover now.
  for (int offset = -2; offset <= 1; ++offset) {
    for (const auto& w : windows) {
      auto iv = Occurrence(w, zone, today + date::days(offset));
      if (iv && iv->open <= now && now < iv->close) return true;
    }
  }
  return false;
}

}  // namespace

StatusOr<std::vector<DeployWindow>> ParseDeployWindows(const nlohmann::json& windows) {
  std::vector<DeployWindow> out;
  if (windows.is_null()) return out;
  if (!windows.is_array()) {
    return Error{"spec.deployWindows: must be a list of {days, start, end}"};
  }
  for (std::size_t i = 0; i < windows.size(); ++i) {
    const nlohmann::json& item = windows[i];
    if (!item.is_object()) return Error{Field(i) + ": must be an object {days, start, end}"};
    DeployWindow w;
    auto days = item.find("days");
    if (days == item.end() || !days->is_array() || days->empty()) {
      return Error{Field(i) + ".days: required; list at least one of " + std::string(kDayList)};
    }
    for (std::size_t d = 0; d < days->size(); ++d) {
      const nlohmann::json& day = (*days)[d];
      std::optional<std::size_t> found;
      for (std::size_t k = 0; k < kDayNames.size() && day.is_string(); ++k) {
        if (day.get_ref<const std::string&>() == kDayNames[k]) found = k;
      }
      if (!found) {
        return Error{Field(i) + ".days[" + std::to_string(d) + "] " + day.dump() +
                     " is not one of " + std::string(kDayList)};
      }
      w.days[*found] = true;
    }
    auto start = ParseClockField(item, i, "start");
    if (!start.ok()) return start.error();
    auto end = ParseClockField(item, i, "end");
    if (!end.ok()) return end.error();
    w.start = start.value();
    w.end = end.value();
    out.push_back(w);
  }
  return out;
}

StatusOr<bool> IsOpen(const std::vector<DeployWindow>& windows, std::string_view timezone,
                      WallTime now) {
  if (windows.empty()) return true;
  auto zone = LocateZone(timezone);
  if (!zone.ok()) return zone.error();
  return OpenAt(windows, zone.value(), now);
}

StatusOr<WallTime> NextOpening(const std::vector<DeployWindow>& windows, std::string_view timezone,
                               WallTime now) {
  if (windows.empty()) return now;
  auto zone = LocateZone(timezone);
  if (!zone.ok()) return zone.error();
  if (OpenAt(windows, zone.value(), now)) return now;
  const LocalDays today = LocalDay(zone.value(), now);
  std::optional<date::sys_seconds> best;
  for (int offset = -1; offset <= kSearchDays; ++offset) {
    for (const auto& w : windows) {
      auto iv = Occurrence(w, zone.value(), today + date::days(offset));
      if (iv && iv->open > now && (!best || iv->open < *best)) best = iv->open;
    }
  }
  if (!best) {
    return Error{"spec.deployWindows: no window opens in the next " + std::to_string(kSearchDays) +
                 " days in " + std::string(timezone) + "; widen a window"};
  }
  return std::chrono::time_point_cast<WallTime::duration>(*best);
}

}  // namespace jd::release
