// Table tests for reconcilers/environment/locale_rules: timezone against the system tz database,
// locale and currency against Debian iso-codes (the data the runtime image ships).
#include "reconcilers/environment/locale_rules.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <unistd.h>

#include <gtest/gtest.h>

namespace jd::env {
namespace {

// The system's iso-codes, loaded per test suite (the runtime image ships the same package).
class LocaleRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = IsoCodes::Load(IsoCodes::kDefaultDir);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    iso_.emplace(std::move(loaded).value());
  }
  const IsoCodes& SystemIsoCodes() const { return *iso_; }

 private:
  std::optional<IsoCodes> iso_;
};

struct Case {
  std::string name;
  std::string input;
  bool ok;
  std::string reason;
  std::string message;  // exact
};

TEST_F(LocaleRulesTest, Timezone) {
  const std::vector<Case> cases = {
      {"canonical", "Europe/Amsterdam", true, "TimezoneValid", "spec.locale.timezone \"Europe/Amsterdam\" is valid"},
      {"utc link", "UTC", true, "TimezoneValid", "spec.locale.timezone \"UTC\" is valid"},
      {"backward link", "Europe/Kiev", true, "TimezoneValid", "spec.locale.timezone \"Europe/Kiev\" is valid"},
      {"etc offset", "Etc/GMT+1", true, "TimezoneValid", "spec.locale.timezone \"Etc/GMT+1\" is valid"},
      {"three-part", "America/Argentina/Buenos_Aires", true, "TimezoneValid",
       "spec.locale.timezone \"America/Argentina/Buenos_Aires\" is valid"},
      {"typo", "Europe/Amsterdm", false, "UnknownTimezone",
       "spec.locale.timezone \"Europe/Amsterdm\" is not an IANA time zone (tz database): use a name such as "
       "\"Europe/Amsterdam\""},
      {"wrong case", "europe/amsterdam", false, "UnknownTimezone",
       "spec.locale.timezone \"europe/amsterdam\" is not an IANA time zone (tz database): use a name such as "
       "\"Europe/Amsterdam\""},
      {"nonsense", "Middle/Earth/Shire", false, "UnknownTimezone",
       "spec.locale.timezone \"Middle/Earth/Shire\" is not an IANA time zone (tz database): use a name such as "
       "\"Europe/Amsterdam\" (Area/City, see tzdata's zone1970.tab)"},
      {"empty", "", false, "UnknownTimezone",
       "spec.locale.timezone is not set: set an IANA time zone such as \"Europe/Amsterdam\""},
      {"path traversal", "../../etc/passwd", false, "UnknownTimezone",
       "spec.locale.timezone \"../../etc/passwd\" is not an IANA time zone (tz database): use a name such as "
       "\"Europe/Amsterdam\" (Area/City, see tzdata's zone1970.tab)"},
      {"absolute path", "/usr/share/zoneinfo/UTC", false, "UnknownTimezone",
       "spec.locale.timezone \"/usr/share/zoneinfo/UTC\" is not an IANA time zone (tz database): use a name such as "
       "\"Europe/Amsterdam\" (Area/City, see tzdata's zone1970.tab)"},
      {"host localtime", "localtime", false, "UnknownTimezone",
       "spec.locale.timezone \"localtime\" is not an IANA time zone (tz database): use a name such as "
       "\"Europe/Amsterdam\" (Area/City, see tzdata's zone1970.tab)"},
      {"leap-second variant", "right/Europe/Amsterdam", false, "UnknownTimezone",
       "spec.locale.timezone \"right/Europe/Amsterdam\" is not an IANA time zone (tz database): use a name such as "
       "\"Europe/Amsterdam\" (Area/City, see tzdata's zone1970.tab)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const CheckResult r = CheckTimezone(c.input);
    EXPECT_EQ(r.ok, c.ok);
    EXPECT_EQ(r.reason, c.reason);
    EXPECT_EQ(r.message, c.message);
  }
}

TEST_F(LocaleRulesTest, LocaleName) {
  const std::string shapes =
      "use language_COUNTRY (POSIX, e.g. \"nl_NL\" or \"nl_NL.UTF-8\") or language-COUNTRY (BCP 47, e.g. \"nl-NL\")";
  const std::vector<Case> cases = {
      {"posix", "nl_NL", true, "LocaleValid", "spec.locale.locale \"nl_NL\" is valid"},
      {"posix utf-8", "nl_NL.UTF-8", true, "LocaleValid", "spec.locale.locale \"nl_NL.UTF-8\" is valid"},
      {"posix glibc utf8", "nl_NL.utf8", true, "LocaleValid", "spec.locale.locale \"nl_NL.utf8\" is valid"},
      {"bcp47", "nl-BE", true, "LocaleValid", "spec.locale.locale \"nl-BE\" is valid"},
      {"three-letter 639-3 language", "fil_PH", true, "LocaleValid", "spec.locale.locale \"fil_PH\" is valid"},
      {"three-letter 639-2 language", "nds-DE", true, "LocaleValid", "spec.locale.locale \"nds-DE\" is valid"},
      {"empty", "", false, "MalformedLocale", "spec.locale.locale is not set: " + shapes},
      {"language only", "nl", false, "MalformedLocale", "spec.locale.locale \"nl\" is not well formed: " + shapes},
      {"english word", "dutch", false, "MalformedLocale", "spec.locale.locale \"dutch\" is not well formed: " + shapes},
      {"latin-1 codeset", "nl_NL.ISO-8859-1", false, "MalformedLocale",
       "spec.locale.locale \"nl_NL.ISO-8859-1\" is not well formed: " + shapes},
      {"codeset on bcp47", "nl-NL.UTF-8", false, "MalformedLocale",
       "spec.locale.locale \"nl-NL.UTF-8\" is not well formed: " + shapes},
      {"script subtag", "zh-Hant-TW", false, "MalformedLocale",
       "spec.locale.locale \"zh-Hant-TW\" is not well formed: " + shapes},
      {"modifier", "ca_ES@valencia", false, "MalformedLocale",
       "spec.locale.locale \"ca_ES@valencia\" is not well formed: " + shapes},
      {"wrong case", "NL_nl", false, "MalformedLocale",
       "spec.locale.locale \"NL_nl\" is not well formed: write the language in lower case and the country in upper "
       "case, e.g. \"nl_NL\""},
      {"wrong case keeps codeset", "nl_nl.UTF-8", false, "MalformedLocale",
       "spec.locale.locale \"nl_nl.UTF-8\" is not well formed: write the language in lower case and the country in "
       "upper case, e.g. \"nl_NL.UTF-8\""},
      {"unknown language", "xx_NL", false, "UnknownLanguage",
       "spec.locale.locale \"xx_NL\": language \"xx\" is not an ISO 639 language code: use a code such as \"nl\" "
       "(Dutch) or \"en\" (English)"},
      {"unknown country", "nl_XX", false, "UnknownCountry",
       "spec.locale.locale \"nl_XX\": country \"XX\" is not an ISO 3166-1 alpha-2 country code: use a code such as "
       "\"NL\" or \"BE\""},
      {"UK is not ISO", "en_UK", false, "UnknownCountry",
       "spec.locale.locale \"en_UK\": country \"UK\" is not an ISO 3166-1 alpha-2 country code: use \"GB\" for the "
       "United Kingdom"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const CheckResult r = CheckLocaleName(c.input, SystemIsoCodes());
    EXPECT_EQ(r.ok, c.ok);
    EXPECT_EQ(r.reason, c.reason);
    EXPECT_EQ(r.message, c.message);
  }
}

TEST_F(LocaleRulesTest, Currency) {
  const std::vector<Case> cases = {
      {"euro", "EUR", true, "CurrencyValid", "spec.locale.currency \"EUR\" is valid"},
      {"pound", "GBP", true, "CurrencyValid", "spec.locale.currency \"GBP\" is valid"},
      {"cfa franc (X-code that is real money)", "XOF", true, "CurrencyValid", "spec.locale.currency \"XOF\" is valid"},
      {"lower case", "eur", false, "UnknownCurrency",
       "spec.locale.currency \"eur\" is not an ISO 4217 currency code: write it in upper case, \"EUR\""},
      {"word", "EURO", false, "UnknownCurrency",
       "spec.locale.currency \"EURO\" is not an ISO 4217 currency code: use a three-letter code such as \"EUR\""},
      {"symbol", "€", false, "UnknownCurrency",
       "spec.locale.currency \"€\" is not an ISO 4217 currency code: use a three-letter code such as \"EUR\""},
      {"withdrawn guilder", "NLG", false, "UnknownCurrency",
       "spec.locale.currency \"NLG\" is not an ISO 4217 currency code: use a three-letter code such as \"EUR\""},
      {"empty", "", false, "UnknownCurrency",
       "spec.locale.currency is not set: set an ISO 4217 currency code such as \"EUR\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const CheckResult r = CheckCurrency(c.input, SystemIsoCodes());
    EXPECT_EQ(r.ok, c.ok);
    EXPECT_EQ(r.reason, c.reason);
    EXPECT_EQ(r.message, c.message);
  }
}

TEST_F(LocaleRulesTest, CheckLocaleReportsEveryProblemInFieldOrder) {
  struct LocaleCase {
    std::string name;
    LocaleSpec spec;
    bool ok;
    std::string reason;
    std::string message;
  };
  const std::vector<LocaleCase> cases = {
      {"all valid", {"Europe/Amsterdam", "nl_NL", "EUR"}, true, "LocaleValid", "spec.locale is valid"},
      {"only currency", {"Europe/Amsterdam", "nl_NL", "EURO"}, false, "UnknownCurrency",
       "spec.locale.currency \"EURO\" is not an ISO 4217 currency code: use a three-letter code such as \"EUR\""},
      {"all three",
       {"Europe/Amsterdm", "xx_NL", "eur"},
       false,
       "UnknownTimezone",
       "spec.locale.timezone \"Europe/Amsterdm\" is not an IANA time zone (tz database): use a name such as "
       "\"Europe/Amsterdam\"; spec.locale.locale \"xx_NL\": language \"xx\" is not an ISO 639 language code: use a "
       "code such as \"nl\" (Dutch) or \"en\" (English); spec.locale.currency \"eur\" is not an ISO 4217 currency "
       "code: write it in upper case, \"EUR\""},
      {"locale and currency", {"UTC", "", "EUR "}, false, "MalformedLocale",
       "spec.locale.locale is not set: use language_COUNTRY (POSIX, e.g. \"nl_NL\" or \"nl_NL.UTF-8\") or "
       "language-COUNTRY (BCP 47, e.g. \"nl-NL\"); spec.locale.currency \"EUR \" is not an ISO 4217 currency code: "
       "use a three-letter code such as \"EUR\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const CheckResult r = CheckLocale(c.spec, SystemIsoCodes());
    EXPECT_EQ(r.ok, c.ok);
    EXPECT_EQ(r.reason, c.reason);
    EXPECT_EQ(r.message, c.message);
  }
}

TEST_F(LocaleRulesTest, LocaleSpecFromJson) {
  auto spec = nlohmann::json::parse(R"({"locale": {"timezone": "Europe/Amsterdam", "locale": "nl_NL",
                                        "currency": "EUR"}})");
  LocaleSpec l = LocaleSpecFromJson(spec);
  EXPECT_EQ(l.timezone, "Europe/Amsterdam");
  EXPECT_EQ(l.locale, "nl_NL");
  EXPECT_EQ(l.currency, "EUR");

  l = LocaleSpecFromJson(nlohmann::json::parse(R"({"locale": {"timezone": 3}})"));
  EXPECT_EQ(l.timezone, "");
  EXPECT_EQ(l.locale, "");
  l = LocaleSpecFromJson(nlohmann::json::parse(R"({"tier": "local"})"));
  EXPECT_EQ(l.currency, "");
  EXPECT_EQ(CheckLocale(l, SystemIsoCodes()).reason, "UnknownTimezone");
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "jd-iso-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  void Write(const std::string& name, const std::string& content) const {
    std::ofstream(path_ + "/" + name) << content;
  }

 private:
  std::string path_;
};

TEST(IsoCodesTest, UsesTheDataInTheDirectory) {
  TempDir dir;
  dir.Write("iso_639-2.json", R"({"639-2": [{"alpha_2": "nl", "alpha_3": "nld", "bibliographic": "dut"}]})");
  dir.Write("iso_639-3.json", R"({"639-3": [{"alpha_3": "fry"}]})");
  dir.Write("iso_3166-1.json", R"({"3166-1": [{"alpha_2": "NL", "alpha_3": "NLD"}]})");
  dir.Write("iso_4217.json", R"({"4217": [{"alpha_3": "EUR", "numeric": "978"}]})");
  auto iso = IsoCodes::Load(dir.path());
  ASSERT_TRUE(iso.ok()) << iso.error().message;
  EXPECT_TRUE(iso.value().IsLanguage("nl"));
  EXPECT_TRUE(iso.value().IsLanguage("nld"));
  EXPECT_TRUE(iso.value().IsLanguage("dut"));
  EXPECT_TRUE(iso.value().IsLanguage("fry"));
  EXPECT_FALSE(iso.value().IsLanguage("en"));  // not in this data
  EXPECT_FALSE(iso.value().IsLanguage("NL"));  // case matters
  EXPECT_TRUE(iso.value().IsCountry("NL"));
  EXPECT_FALSE(iso.value().IsCountry("NLD"));
  EXPECT_FALSE(iso.value().IsCountry("BE"));
  EXPECT_TRUE(iso.value().IsCurrency("EUR"));
  EXPECT_FALSE(iso.value().IsCurrency("USD"));
  EXPECT_EQ(CheckLocaleName("en_NL", iso.value()).reason, "UnknownLanguage");
  EXPECT_TRUE(CheckLocaleName("fry_NL", iso.value()).ok);
}

TEST(IsoCodesTest, LoadErrors) {
  struct ErrCase {
    std::string name;
    std::vector<std::pair<std::string, std::string>> files;
    std::string message_suffix;  // after "iso-codes: <dir>/"
  };
  const std::string l2 = R"({"639-2": [{"alpha_2": "nl"}]})";
  const std::string l3 = R"({"639-3": [{"alpha_3": "nld"}]})";
  const std::string c = R"({"3166-1": [{"alpha_2": "NL"}]})";
  const std::string cur = R"({"4217": [{"alpha_3": "EUR"}]})";
  const std::vector<ErrCase> cases = {
      {"empty directory", {}, "iso_639-2.json: install the Debian package iso-codes (the runtime image ships it)"},
      {"missing currencies",
       {{"iso_639-2.json", l2}, {"iso_639-3.json", l3}, {"iso_3166-1.json", c}},
       "iso_4217.json: install the Debian package iso-codes (the runtime image ships it)"},
      {"not json",
       {{"iso_639-2.json", l2}, {"iso_639-3.json", l3}, {"iso_3166-1.json", "{nope"}, {"iso_4217.json", cur}},
       "iso_3166-1.json is not valid JSON: reinstall iso-codes"},
      {"wrong top-level key",
       {{"iso_639-2.json", l2}, {"iso_639-3.json", R"({"639-2": []})"}, {"iso_3166-1.json", c},
        {"iso_4217.json", cur}},
       "iso_639-3.json has no list \"639-3\": reinstall iso-codes"},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    TempDir dir;
    for (const auto& [name, content] : tc.files) dir.Write(name, content);
    auto iso = IsoCodes::Load(dir.path());
    ASSERT_FALSE(iso.ok());
    const bool missing = tc.message_suffix.find("install the Debian") != std::string::npos;
    EXPECT_EQ(iso.error().message,
              std::string("iso-codes: ") + (missing ? "cannot read " : "") + dir.path() + "/" + tc.message_suffix);
  }
}

TEST_F(LocaleRulesTest, SystemDataHasTheCodesWeRelyOn) {
  const IsoCodes& iso = SystemIsoCodes();
  for (const char* lang : {"nl", "en", "de", "fr", "tr", "ar", "nld", "fil"}) EXPECT_TRUE(iso.IsLanguage(lang)) << lang;
  for (const char* country : {"NL", "BE", "DE", "GB", "US"}) EXPECT_TRUE(iso.IsCountry(country)) << country;
  for (const char* cur : {"EUR", "USD", "GBP", "CHF"}) EXPECT_TRUE(iso.IsCurrency(cur)) << cur;
}

}  // namespace
}  // namespace jd::env
