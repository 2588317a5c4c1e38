#include "common/logging.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>
#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>

namespace jd {
namespace {

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.';
}

// Reads a value starting at line[i] (quoted or bare); advances i past it.
std::string ReadValue(std::string_view line, size_t& i) {
  std::string v;
  if (i < line.size() && line[i] == '"') {
    ++i;
    while (i < line.size() && line[i] != '"') {
      if (line[i] == '\\' && i + 1 < line.size()) {
        char n = line[i + 1];
        v += n == 'n' ? '\n' : n == 't' ? '\t' : n;
        i += 2;
      } else {
        v += line[i++];
      }
    }
    if (i < line.size()) ++i;  // closing quote
    return v;
  }
  while (i < line.size() && line[i] != ' ') v += line[i++];
  return v;
}

// Does a key=value field start at line[i]?
bool FieldStartsAt(std::string_view line, size_t i) {
  size_t j = i;
  while (j < line.size() && IsKeyChar(line[j])) ++j;
  return j > i && j < line.size() && line[j] == '=';
}

std::string Timestamp(spdlog::log_clock::time_point tp) {
  const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(tp);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(tp - secs).count();
  const std::time_t t = spdlog::log_clock::to_time_t(tp);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const LogFields f = ParseLogLine(std::string_view(msg.payload.data(), msg.payload.size()));
    nlohmann::ordered_json j;
    j["ts"] = Timestamp(msg.time);
    j["level"] = std::string(spdlog::level::to_string_view(msg.level).data(),
                             spdlog::level::to_string_view(msg.level).size());
    j["logger"] = std::string(msg.logger_name.data(), msg.logger_name.size());
    j["msg"] = f.msg;
    for (const auto& [k, v] : f.fields) {
      if (k == "ts" || k == "level" || k == "logger" || k == "msg") continue;  // reserved
      j[k] = v;
    }
    const std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    dest.append(s.data(), s.data() + s.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

bool ParseLogFormat(std::string_view s, LogFormat* out) {
  if (s == "json") *out = LogFormat::kJson;
  else if (s == "text") *out = LogFormat::kText;
  else return false;
  return true;
}

bool ParseLogLevel(std::string_view s, spdlog::level::level_enum* out) {
  if (s == "debug") *out = spdlog::level::debug;
  else if (s == "info") *out = spdlog::level::info;
  else if (s == "warn") *out = spdlog::level::warn;
  else if (s == "error") *out = spdlog::level::err;
  else return false;
  return true;
}

std::shared_ptr<spdlog::logger> MakeLogger(const std::string& name, LogFormat format, spdlog::level::level_enum level,
                                           spdlog::sink_ptr sink) {
  auto logger = std::make_shared<spdlog::logger>(name, std::move(sink));
  if (format == LogFormat::kJson) {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger->set_formatter(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %-5l %n: %v",
                                                                      spdlog::pattern_time_type::utc));
  }
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  return logger;
}

std::string LogQuote(std::string_view value) {
  bool plain = !value.empty();
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      plain = false;
      break;
    }
  }
  if (plain) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

LogFields ParseLogLine(std::string_view line) {
  LogFields f;
  size_t i = 0;
  // The message: everything before the first " key=" field.
  size_t msg_end = line.size();
  for (size_t p = 0; p < line.size(); ++p) {
    if ((p == 0 || line[p - 1] == ' ') && FieldStartsAt(line, p)) {
      msg_end = p;
      break;
    }
  }
  std::string_view msg = line.substr(0, msg_end);
  while (!msg.empty() && msg.back() == ' ') msg.remove_suffix(1);
  f.msg = std::string(msg);
  i = msg_end;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i >= line.size()) break;
    if (!FieldStartsAt(line, i)) {  // not the convention: keep the rest in msg
      f.msg += (f.msg.empty() ? "" : " ") + std::string(line.substr(i));
      break;
    }
    size_t eq = line.find('=', i);
    std::string key(line.substr(i, eq - i));
    i = eq + 1;
    std::string value = ReadValue(line, i);
    bool replaced = false;
    for (auto& kv : f.fields) {
      if (kv.first == key) {
        kv.second = value;
        replaced = true;
      }
    }
    if (!replaced) f.fields.emplace_back(std::move(key), std::move(value));
  }
  return f;
}

}  // namespace jd
