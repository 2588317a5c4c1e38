#include "common/logging.h"

#include <sstream>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>

namespace jd {
namespace {

TEST(LogQuoteTest, QuotesOnlyWhatNeedsIt) {
  struct Case {
    std::string in, want;
  };
  const std::vector<Case> cases = {
      {"web", "web"},
      {"ns/name", "ns/name"},
      {"", "\"\""},
      {"two words", "\"two words\""},
      {"a=b", "\"a=b\""},
      {"say \"hi\"", "\"say \\\"hi\\\"\""},
      {"back\\slash", "\"back\\\\slash\""},
      {"line\nbreak", "\"line\\nbreak\""},
  };
  for (const Case& c : cases) EXPECT_EQ(LogQuote(c.in), c.want) << c.in;
}

TEST(ParseLogLineTest, MessageThenFields) {
  LogFields f = ParseLogLine("reconcile done controller=release key=ns/a result=success");
  EXPECT_EQ(f.msg, "reconcile done");
  ASSERT_EQ(f.fields.size(), 3u);
  EXPECT_EQ(f.fields[0], (std::pair<std::string, std::string>{"controller", "release"}));
  EXPECT_EQ(f.fields[1].second, "ns/a");
}

TEST(ParseLogLineTest, QuotedValuesRoundTripThroughLogQuote) {
  const std::string tricky = "create x: \"conflict\" a=b\nnext";
  LogFields f = ParseLogLine("reconcile failed error=" + LogQuote(tricky) + " key=k");
  ASSERT_EQ(f.fields.size(), 2u);
  EXPECT_EQ(f.fields[0].second, tricky);
  EXPECT_EQ(f.fields[1].second, "k");
}

TEST(ParseLogLineTest, LinesWithoutFieldsStayWhole) {
  EXPECT_EQ(ParseLogLine("plain message").msg, "plain message");
  EXPECT_TRUE(ParseLogLine("plain message").fields.empty());
  // Text after the fields that is not a field is kept, not lost.
  LogFields f = ParseLogLine("m a=1 trailing words");
  EXPECT_EQ(f.fields.size(), 1u);
  EXPECT_EQ(f.msg, "m trailing words");
}

TEST(MakeLoggerTest, JsonFormatWritesOneObjectPerLine) {
  std::ostringstream out;
  auto log = MakeLogger("jd", LogFormat::kJson, spdlog::level::debug,
                        std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  log->info("reconcile done controller={} key={} msg={}", "release", "ns/a", "reserved");
  log->debug("second");
  log->flush();
  std::istringstream lines(out.str());
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["logger"], "jd");
  EXPECT_EQ(j["msg"], "reconcile done");  // a field may not overwrite the message
  EXPECT_EQ(j["controller"], "release");
  EXPECT_EQ(j["key"], "ns/a");
  EXPECT_EQ(j["ts"].get<std::string>().size(), std::string("2026-11-26T23:46:30.123Z").size());
  ASSERT_TRUE(std::getline(lines, line));
  EXPECT_EQ(nlohmann::json::parse(line)["level"], "debug");
}

TEST(MakeLoggerTest, LevelFilters) {
  std::ostringstream out;
  auto log = MakeLogger("jd", LogFormat::kText, spdlog::level::warn, std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  log->info("hidden");
  log->warn("shown key=v");
  log->flush();
  EXPECT_EQ(out.str().find("hidden"), std::string::npos);
  EXPECT_NE(out.str().find("shown key=v"), std::string::npos);
}

TEST(ParseLogFlagsTest, AcceptsTheDocumentedValues) {
  LogFormat f;
  spdlog::level::level_enum l;
  EXPECT_TRUE(ParseLogFormat("json", &f));
  EXPECT_EQ(f, LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("xml", &f));
  EXPECT_TRUE(ParseLogLevel("warn", &l));
  EXPECT_EQ(l, spdlog::level::warn);
  EXPECT_FALSE(ParseLogLevel("trace", &l));
}

}  // namespace
}  // namespace jd
