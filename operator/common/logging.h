// Logging: spdlog loggers that write one structured line per event, as JSON (in a pod) or text.
//
// Log calls use one convention so both formats are structured: a short message, then key=value
// fields; values with spaces, quotes or '=' are quoted with LogQuote.
//
//   log->info("reconcile done controller={} key={} reconcile_id={}", name, key, id);
//   log->error("reconcile failed controller={} error={}", name, jd::LogQuote(err));
//
// The text format prints that line as is after a timestamp and level. The JSON format parses it
// back into fields:
//   {"ts":"2026-11-26T23:46:30.123Z","level":"info","logger":"justdriving-operator",
//    "msg":"reconcile done","controller":"release","key":"ns/a","reconcile_id":"1f..."}
// (a line that does not follow the convention is kept whole in "msg"). Secret values must never
// be passed to a logger; nothing here could tell them apart.
//
// Loggers are created by main and injected (no spdlog global registry, no default logger).
//
// Usage:
//   auto log = jd::MakeLogger("justdriving-operator", jd::LogFormat::kJson, spdlog::level::info,
//                             std::make_shared<spdlog::sinks::stderr_sink_mt>());
#pragma once

#include <map>
#include <utility>
#include <vector>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/common.h>
#include <spdlog/logger.h>

namespace jd {

enum class LogFormat { kJson, kText };

// "text" / "json" -> format; "debug"/"info"/"warn"/"error" -> level (false when unknown).
bool ParseLogFormat(std::string_view s, LogFormat* out);
bool ParseLogLevel(std::string_view s, spdlog::level::level_enum* out);

// A logger on `sink` with the format's formatter and `level`.
std::shared_ptr<spdlog::logger> MakeLogger(const std::string& name, LogFormat format,
                                           spdlog::level::level_enum level, spdlog::sink_ptr sink);

// The value as a log field: as is when it is non-empty and has no space, quote, '=' or control
// character; otherwise in double quotes with \" \\ \n \t escaped.
std::string LogQuote(std::string_view value);

// The convention above, parsed: "msg" plus each key=value field, in order of appearance (a
// repeated key keeps its last value). Exposed for tests.
struct LogFields {
  std::string msg;
  std::vector<std::pair<std::string, std::string>> fields;
};
LogFields ParseLogLine(std::string_view line);

}  // namespace jd
