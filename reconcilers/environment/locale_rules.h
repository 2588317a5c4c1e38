// Locale rules: spec.locale.{timezone, locale, currency} of a JustDrivingEnvironment must name
// real things, taken from the maintained sources the runtime image ships (never hand-written lists):
//
//   timezone  an IANA time zone of the system tz database (Debian tzdata), looked up with Howard
//             Hinnant's date/tz (`date::locate_zone`). Links such as "UTC" or "Europe/Kiev" count.
//   locale    POSIX `ll_CC` / `ll_CC.UTF-8` (glibc's `.utf8` spelling too) or BCP 47 `ll-CC`, with
//             the language in ISO 639 (two letters, or three letters of ISO 639-2/639-3) and the
//             country in ISO 3166-1 alpha-2, case as written (language lower, country upper). The
//             country is required: dates, numbers and money are formatted per territory. Scripts,
//             variants and other codesets are not accepted (the app runs UTF-8 only).
//   currency  an ISO 4217 alphabetic code (upper case).
//
// The ISO data (Debian iso-codes JSON) is loaded once into an IsoCodes value and passed in; there
// is no global. The tz database is the date library's own (loaded lazily, once per process).
//
// Usage:
//   auto iso = jd::env::IsoCodes::Load(jd::env::IsoCodes::kDefaultDir);
//   if (!iso.ok()) return iso.error();            // at start-up: the image lacks iso-codes
//   jd::env::LocaleSpec locale = jd::env::LocaleSpecFromJson(spec);
//   jd::env::CheckResult r = jd::env::CheckLocale(locale, iso.value());
//   // r.ok == false, r.reason == "UnknownTimezone", r.message ==
//   //   spec.locale.timezone "Europe/Amsterdm" is not an IANA time zone (tz database): use a name
//   //   such as "Europe/Amsterdam"
#pragma once

#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status_or.h"
#include "reconcilers/environment/check_result.h"

namespace jd::env {

// ISO 639 languages, ISO 3166-1 countries and ISO 4217 currencies, from Debian's iso-codes JSON
// files (iso_639-2.json, iso_639-3.json, iso_3166-1.json, iso_4217.json). An immutable value:
// cheap to share by const reference, safe to read from several threads.
class IsoCodes {
 public:
  static constexpr const char* kDefaultDir = "/usr/share/iso-codes/json";

  // Reads the four files from `dir`. Fails (naming the file) when one is missing, unreadable, not
  // JSON, or lacks its top-level list ("639-2", "639-3", "3166-1", "4217").
  static jd::StatusOr<IsoCodes> Load(const std::string& dir);

  // Two letters: an ISO 639-1 code (the alpha_2 of ISO 639-2). Three letters: an ISO 639-2 code
  // (terminology or bibliographic) or an ISO 639-3 code. Lower case only.
  bool IsLanguage(std::string_view code) const;
  // ISO 3166-1 alpha-2, upper case only.
  bool IsCountry(std::string_view alpha2) const;
  // ISO 4217 alphabetic code, upper case only.
  bool IsCurrency(std::string_view alpha3) const;

 private:
  IsoCodes() = default;
  std::set<std::string, std::less<>> languages_;
  std::set<std::string, std::less<>> countries_;
  std::set<std::string, std::less<>> currencies_;
};

struct LocaleSpec {
  std::string timezone;  // spec.locale.timezone
  std::string locale;    // spec.locale.locale
  std::string currency;  // spec.locale.currency
};

// Reads spec.locale.* from an environment spec; missing fields (or a missing spec.locale) become
// empty strings, which the checks report as "not set".
LocaleSpec LocaleSpecFromJson(const nlohmann::json& spec);

// spec.locale.timezone. Reasons: "UnknownTimezone" (also when empty); passes with "TimezoneValid".
// Suggests the closest zone name when one is near (a typo or the wrong case).
CheckResult CheckTimezone(std::string_view timezone);

// spec.locale.locale. Reasons: "MalformedLocale" (also when empty), "UnknownLanguage",
// "UnknownCountry"; passes with "LocaleValid".
CheckResult CheckLocaleName(std::string_view locale, const IsoCodes& iso);

// spec.locale.currency. Reason: "UnknownCurrency" (also when empty); passes with "CurrencyValid".
CheckResult CheckCurrency(std::string_view currency, const IsoCodes& iso);

// All three: every problem in one message (field order: timezone, locale, currency; joined with
// "; "), the reason of the first. Passes with "LocaleValid".
CheckResult CheckLocale(const LocaleSpec& locale, const IsoCodes& iso);

}  // namespace jd::env
