#include "common/base64.h"

#include <cstdint>

namespace jd {
namespace {

int SextetOf(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

StatusOr<std::string> Base64Decode(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size() / 4 * 3);
  std::uint32_t buffer = 0;
  int pending = 0;   // sextets in buffer (0..3)
  int padding = 0;   // '=' seen so far
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (IsSpace(c)) continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const int sextet = SextetOf(c);
    if (sextet < 0) {
      return Error{"invalid base64: unexpected character '" + std::string(1, c) + "' at offset " +
                   std::to_string(i)};
    }
    if (padding > 0) return Error{"invalid base64: data after '=' padding at offset " + std::to_string(i)};
    buffer = (buffer << 6) | static_cast<std::uint32_t>(sextet);
    if (++pending == 4) {
      out.push_back(static_cast<char>((buffer >> 16) & 0xFF));
      out.push_back(static_cast<char>((buffer >> 8) & 0xFF));
      out.push_back(static_cast<char>(buffer & 0xFF));
      buffer = 0;
      pending = 0;
    }
  }
  switch (pending) {
    case 0:
      if (padding != 0) return Error{"invalid base64: unexpected '=' padding"};
      break;
    case 1:
      return Error{"invalid base64: truncated input (a lone trailing character)"};
    case 2:
      if (padding != 0 && padding != 2) return Error{"invalid base64: wrong amount of '=' padding"};
      out.push_back(static_cast<char>((buffer >> 4) & 0xFF));
      break;
    case 3:
      if (padding != 0 && padding != 1) return Error{"invalid base64: wrong amount of '=' padding"};
      out.push_back(static_cast<char>((buffer >> 10) & 0xFF));
      out.push_back(static_cast<char>((buffer >> 2) & 0xFF));
      break;
  }
  return out;
}

}  // namespace jd
