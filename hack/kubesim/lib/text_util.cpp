#include "text_util.h"

#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <random>

namespace kubesim {
namespace {

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

constexpr std::string_view kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::string Rfc3339(TimePoint t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Rfc3339Micro(TimePoint t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() % 1000000;
  char buf[48];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%s.%06lldZ", buf, static_cast<long long>(micros));
  return out;
}

std::optional<TimePoint> ParseRfc3339(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (s.size() < 20) return std::nullopt;
  std::string str(s);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  std::time_t tt = timegm(&tm);
  TimePoint tp = std::chrono::system_clock::from_time_t(tt);
  size_t pos = 19;
  if (pos < str.size() && str[pos] == '.') {
    size_t start = ++pos;
    while (pos < str.size() && std::isdigit(static_cast<unsigned char>(str[pos]))) ++pos;
    std::string frac = str.substr(start, pos - start);
    while (frac.size() < 6) frac += '0';
    tp += std::chrono::microseconds(std::stoll(frac.substr(0, 6)));
  }
  if (pos < str.size() && (str[pos] == '+' || str[pos] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(str.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    auto off = std::chrono::hours(oh) + std::chrono::minutes(om);
    tp = str[pos] == '+' ? tp - off : tp + off;
  } else if (pos >= str.size() || (str[pos] != 'Z' && str[pos] != 'z')) {
    return std::nullopt;
  }
  return tp;
}

std::string NewUid() {
  std::uniform_int_distribution<int> dist(0, 255);
  std::array<unsigned char, 16> b{};
  for (auto& x : b) x = static_cast<unsigned char>(dist(Rng()));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

std::string RandomSuffix(size_t n) {
  // Consonants and digits without look-alikes, as the apiserver's name generator.
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::uniform_int_distribution<size_t> dist(0, kAlphabet.size() - 1);
  std::string out;
  for (size_t i = 0; i < n; ++i) out += kAlphabet[dist(Rng())];
  return out;
}

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  for (size_t i = 0; i < in.size(); i += 4) {
    int a = val(in[i]), b = val(in[i + 1]);
    if (a < 0 || b < 0) return std::nullopt;
    bool last = i + 4 == in.size();
    int c = in[i + 2] == '=' && last ? -2 : val(in[i + 2]);
    int d = in[i + 3] == '=' && last ? -2 : val(in[i + 3]);
    if (c == -1 || d == -1 || (c == -2 && d != -2)) return std::nullopt;
    uint32_t v = (a << 18) | (b << 12) | ((c < 0 ? 0 : c) << 6) | (d < 0 ? 0 : d);
    out += char((v >> 16) & 0xff);
    if (c >= 0) out += char((v >> 8) & 0xff);
    if (d >= 0) out += char(v & 0xff);
  }
  return out;
}

std::string HumanDuration(std::chrono::seconds d) {
  long long s = d.count();
  if (s < 0) s = 0;
  char buf[32];
  if (s < 120) {
    std::snprintf(buf, sizeof buf, "%llds", s);
  } else if (s < 600) {
    long long m = s / 60, r = s % 60;
    if (r == 0) std::snprintf(buf, sizeof buf, "%lldm", m);
    else std::snprintf(buf, sizeof buf, "%lldm%llds", m, r);
  } else if (s < 3 * 3600) {
    std::snprintf(buf, sizeof buf, "%lldm", s / 60);
  } else if (s < 8 * 3600) {
    long long h = s / 3600, m = (s % 3600) / 60;
    if (m == 0) std::snprintf(buf, sizeof buf, "%lldh", h);
    else std::snprintf(buf, sizeof buf, "%lldh%lldm", h, m);
  } else if (s < 48 * 3600) {
    std::snprintf(buf, sizeof buf, "%lldh", s / 3600);
  } else if (s < 8LL * 24 * 3600) {
    long long dd = s / 86400, h = (s % 86400) / 3600;
    if (h == 0) std::snprintf(buf, sizeof buf, "%lldd", dd);
    else std::snprintf(buf, sizeof buf, "%lldd%lldh", dd, h);
  } else if (s < 2LL * 365 * 86400) {
    std::snprintf(buf, sizeof buf, "%lldd", s / 86400);
  } else if (s < 8LL * 365 * 86400) {
    long long y = s / (365 * 86400), dd = (s % (365 * 86400)) / 86400;
    if (dd == 0) std::snprintf(buf, sizeof buf, "%lldy", y);
    else std::snprintf(buf, sizeof buf, "%lldy%lldd", y, dd);
  } else {
    std::snprintf(buf, sizeof buf, "%lldy", s / (365 * 86400));
  }
  return buf;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string UrlDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace kubesim
