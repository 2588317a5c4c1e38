#include "reconcilers/environment/locale_rules.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <optional>
#include <vector>

#include <date/tz.h>

namespace jd::env {
namespace {

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsLowerAscii(char c) { return c >= 'a' && c <= 'z'; }
bool IsUpperAscii(char c) { return c >= 'A' && c <= 'Z'; }

bool AllOf(std::string_view s, bool (*pred)(char)) { return std::all_of(s.begin(), s.end(), pred); }

// Reads `dir/file` and returns its top-level list `key` (iso-codes layout: {"4217": [...]}).
jd::StatusOr<nlohmann::json> ReadList(const std::string& dir, const std::string& file, const std::string& key) {
  const std::string path = dir + "/" + file;
  std::ifstream in(path);
  if (!in) {
    return jd::Error{"iso-codes: cannot read " + path + ": install the Debian package iso-codes (the runtime image ships it)"};
  }
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return jd::Error{"iso-codes: " + path + " is not valid JSON: reinstall iso-codes"};
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_array()) {
    return jd::Error{"iso-codes: " + path + " has no list \"" + key + "\": reinstall iso-codes"};
  }
  return *it;
}

void AddStrings(const nlohmann::json& list, std::initializer_list<const char*> fields,
                std::set<std::string, std::less<>>& out) {
  for (const auto& entry : list) {
    if (!entry.is_object()) continue;
    for (const char* field : fields) {
      auto it = entry.find(field);
      if (it != entry.end() && it->is_string()) out.insert(it->get<std::string>());
    }
  }
}

// Levenshtein distance, ASCII case-insensitive.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// The tz database name closest to `name` (a typo or the wrong case), if one is close enough.
std::optional<std::string> ClosestZone(std::string_view name) {
  const size_t limit = std::max<size_t>(2, name.size() / 6);
  std::optional<std::string> best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  try {
    for (const auto& zone : date::get_tzdb().zones) {
      const std::string& candidate = zone.name();
      if (candidate == "localtime") continue;
      const size_t d = EditDistance(name, candidate);
      if (d < best_distance) {
        best_distance = d;
        best = candidate;
      }
    }
  } catch (const std::exception&) {
    return std::nullopt;  // no tz database: the caller already reports the name as unknown
  }
  if (best_distance > limit) return std::nullopt;
  return best;
}

// Zone names are ASCII letters, digits and "/_+-"; anything else (a path, "..") is rejected before
// the lookup so a name can never reach the file system as a path.
bool PlausibleZoneName(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '+' || c == '-';
  });
}

struct ParsedLocale {
  std::string language;
  std::string country;
  char separator;       // '_' (POSIX) or '-' (BCP 47)
  std::string codeset;  // "" or the codeset after '.', POSIX only
};

// Splits `ll_CC[.codeset]` / `ll-CC` without judging case or codes; nullopt when the shape is wrong.
std::optional<ParsedLocale> SplitLocale(std::string_view s) {
  ParsedLocale p;
  const size_t sep = s.find_first_of("_-");
  if (sep == std::string_view::npos) return std::nullopt;
  p.separator = s[sep];
  p.language = std::string(s.substr(0, sep));
  std::string_view rest = s.substr(sep + 1);
  if (p.separator == '_') {
    const size_t dot = rest.find('.');
    if (dot != std::string_view::npos) {
      p.codeset = std::string(rest.substr(dot + 1));
      rest = rest.substr(0, dot);
      if (p.codeset != "UTF-8" && p.codeset != "utf8") return std::nullopt;
    }
  }
  p.country = std::string(rest);
  if (p.language.size() < 2 || p.language.size() > 3 || !AllOf(p.language, IsAlpha)) return std::nullopt;
  if (p.country.size() != 2 || !AllOf(p.country, IsAlpha)) return std::nullopt;
  return p;
}

constexpr const char* kLocaleShapes =
    "use language_COUNTRY (POSIX, e.g. \"nl_NL\" or \"nl_NL.UTF-8\") or language-COUNTRY (BCP 47, e.g. \"nl-NL\")";

}  // namespace

jd::StatusOr<IsoCodes> IsoCodes::Load(const std::string& dir) {
  IsoCodes codes;
  auto l2 = ReadList(dir, "iso_639-2.json", "639-2");
  if (!l2.ok()) return l2.error();
  auto l3 = ReadList(dir, "iso_639-3.json", "639-3");
  if (!l3.ok()) return l3.error();
  auto countries = ReadList(dir, "iso_3166-1.json", "3166-1");
  if (!countries.ok()) return countries.error();
  auto currencies = ReadList(dir, "iso_4217.json", "4217");
  if (!currencies.ok()) return currencies.error();

  AddStrings(l2.value(), {"alpha_2", "alpha_3", "bibliographic"}, codes.languages_);
  AddStrings(l3.value(), {"alpha_2", "alpha_3"}, codes.languages_);
  AddStrings(countries.value(), {"alpha_2"}, codes.countries_);
  AddStrings(currencies.value(), {"alpha_3"}, codes.currencies_);
  if (codes.languages_.empty() || codes.countries_.empty() || codes.currencies_.empty()) {
    return jd::Error{"iso-codes: " + dir + " holds empty code lists: reinstall iso-codes"};
  }
  return codes;
}

bool IsoCodes::IsLanguage(std::string_view code) const {
  return (code.size() == 2 || code.size() == 3) && AllOf(code, IsLowerAscii) && languages_.count(code) > 0;
}

bool IsoCodes::IsCountry(std::string_view alpha2) const {
  return alpha2.size() == 2 && AllOf(alpha2, IsUpperAscii) && countries_.count(alpha2) > 0;
}

bool IsoCodes::IsCurrency(std::string_view alpha3) const {
  return alpha3.size() == 3 && AllOf(alpha3, IsUpperAscii) && currencies_.count(alpha3) > 0;
}

LocaleSpec LocaleSpecFromJson(const nlohmann::json& spec) {
  LocaleSpec out;
  if (!spec.is_object()) return out;
  auto locale = spec.find("locale");
  if (locale == spec.end() || !locale->is_object()) return out;
  auto str = [&](const char* key) {
    auto it = locale->find(key);
    return it != locale->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  out.timezone = str("timezone");
  out.locale = str("locale");
  out.currency = str("currency");
  return out;
}

CheckResult CheckTimezone(std::string_view timezone) {
  if (timezone.empty()) {
    return CheckResult::Fail("UnknownTimezone",
                             "spec.locale.timezone is not set: set an IANA time zone such as \"Europe/Amsterdam\"");
  }
  bool found = false;
  // "localtime" is the host's /etc/localtime seen through /usr/share/zoneinfo, not a tz name.
  if (PlausibleZoneName(timezone) && timezone != "localtime") {
    try {
      found = date::locate_zone(timezone) != nullptr;
    } catch (const std::exception&) {
      found = false;  // date throws std::runtime_error("... not found in timezone database")
    }
  }
  if (found) return CheckResult::Pass("TimezoneValid", "spec.locale.timezone " + Quote(timezone) + " is valid");

  std::string message = "spec.locale.timezone " + Quote(timezone) + " is not an IANA time zone (tz database): ";
  if (auto near = ClosestZone(timezone)) {
    message += "use a name such as " + Quote(*near);
  } else {
    message += "use a name such as \"Europe/Amsterdam\" (Area/City, see tzdata's zone1970.tab)";
  }
  return CheckResult::Fail("UnknownTimezone", message);
}

CheckResult CheckLocaleName(std::string_view locale, const IsoCodes& iso) {
  if (locale.empty()) {
    return CheckResult::Fail("MalformedLocale", std::string("spec.locale.locale is not set: ") + kLocaleShapes);
  }
  const std::string field = "spec.locale.locale " + Quote(locale);
  auto parsed = SplitLocale(locale);
  if (!parsed) {
    return CheckResult::Fail("MalformedLocale", field + " is not well formed: " + kLocaleShapes);
  }
  const std::string language = Lower(parsed->language);
  const std::string country = Upper(parsed->country);
  if (language != parsed->language || country != parsed->country) {
    const std::string fixed = language + parsed->separator + country + (parsed->codeset.empty() ? "" : "." + parsed->codeset);
    return CheckResult::Fail("MalformedLocale", field +
                                                    " is not well formed: write the language in lower case and the "
                                                    "country in upper case, e.g. " +
                                                    Quote(fixed));
  }
  if (!iso.IsLanguage(language)) {
    return CheckResult::Fail("UnknownLanguage", field + ": language " + Quote(language) +
                                                    " is not an ISO 639 language code: use a code such as \"nl\" "
                                                    "(Dutch) or \"en\" (English)");
  }
  if (!iso.IsCountry(country)) {
    std::string hint = country == "UK" ? "use \"GB\" for the United Kingdom" : "use a code such as \"NL\" or \"BE\"";
    return CheckResult::Fail("UnknownCountry", field + ": country " + Quote(country) +
                                                   " is not an ISO 3166-1 alpha-2 country code: " + hint);
  }
  return CheckResult::Pass("LocaleValid", field + " is valid");
}

CheckResult CheckCurrency(std::string_view currency, const IsoCodes& iso) {
  if (currency.empty()) {
    return CheckResult::Fail("UnknownCurrency",
                             "spec.locale.currency is not set: set an ISO 4217 currency code such as \"EUR\"");
  }
  const std::string field = "spec.locale.currency " + Quote(currency);
  if (iso.IsCurrency(currency)) return CheckResult::Pass("CurrencyValid", field + " is valid");
  const std::string upper = Upper(currency);
  if (iso.IsCurrency(upper)) {
    return CheckResult::Fail("UnknownCurrency",
                             field + " is not an ISO 4217 currency code: write it in upper case, " + Quote(upper));
  }
  return CheckResult::Fail("UnknownCurrency",
                           field + " is not an ISO 4217 currency code: use a three-letter code such as \"EUR\"");
}

CheckResult CheckLocale(const LocaleSpec& locale, const IsoCodes& iso) {
  std::vector<CheckResult> failed;
  for (CheckResult r : {CheckTimezone(locale.timezone), CheckLocaleName(locale.locale, iso),
                        CheckCurrency(locale.currency, iso)}) {
    if (!r.ok) failed.push_back(std::move(r));
  }
  if (failed.empty()) return CheckResult::Pass("LocaleValid", "spec.locale is valid");
  std::string message;
  for (const auto& r : failed) {
    if (!message.empty()) message += "; ";
    message += r.message;
  }
  return CheckResult::Fail(failed.front().reason, message);
}

}  // namespace jd::env
