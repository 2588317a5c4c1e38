// protobuf_wire.h — a bounds-checked reader for the protobuf wire format.
//
// Reads one field at a time from a message's bytes: its number, its wire type and its payload
// (a varint, a fixed 32/64-bit value, or a length-delimited byte range that may be a string,
// bytes, a nested message or a packed repeated field). Never reads past the buffer; truncated
// or malformed input yields a 400 BadRequest ApiError. Groups (wire types 3 and 4) are
// rejected: no Kubernetes message uses them. Field numbers are not interpreted here; skipping
// an unknown field is simply not looking at it.
//
// Usage:
//   ProtoReader r(bytes);
//   while (!r.done()) {
//     Result<ProtoField> f = r.Next();
//     if (!f.ok()) return f.error();
//     if (f.value().number == 1 && f.value().type == WireType::kLengthDelimited)
//       name = std::string(f.value().bytes);
//   }
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api_error.h"

namespace kubesim {

enum class WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kFixed32 = 5,
};

// One decoded field. `varint` holds the value for kVarint, kFixed64 and kFixed32 (fixed values
// are little-endian on the wire); `bytes` views the payload of kLengthDelimited and points into
// the reader's buffer.
struct ProtoField {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t varint = 0;
  std::string_view bytes;

  // Two's-complement reinterpretation, as protobuf int64/int32 fields are encoded.
  int64_t AsInt64() const { return static_cast<int64_t>(varint); }
  bool AsBool() const { return varint != 0; }
};

class ProtoReader {
 public:
  explicit ProtoReader(std::string_view buf) : buf_(buf) {}

  bool done() const { return pos_ >= buf_.size(); }

  // Reads the next field. Call only while !done().
  Result<ProtoField> Next() {
    uint64_t tag = 0;
    if (!ReadVarint(&tag)) return Malformed("truncated or overlong field tag");
    const uint64_t number = tag >> 3;
    const uint64_t wire = tag & 7u;
    if (number == 0 || number > kMaxFieldNumber) return Malformed("invalid field number " + std::to_string(number));
    ProtoField f;
    f.number = static_cast<uint32_t>(number);
    switch (wire) {
      case 0:
        f.type = WireType::kVarint;
        if (!ReadVarint(&f.varint)) return Malformed("truncated varint in field " + std::to_string(number));
        return f;
      case 1:
        f.type = WireType::kFixed64;
        if (!ReadFixed(8, &f.varint)) return Malformed("truncated fixed64 in field " + std::to_string(number));
        return f;
      case 5:
        f.type = WireType::kFixed32;
        if (!ReadFixed(4, &f.varint)) return Malformed("truncated fixed32 in field " + std::to_string(number));
        return f;
      case 2: {
        f.type = WireType::kLengthDelimited;
        uint64_t len = 0;
        if (!ReadVarint(&len)) return Malformed("truncated length in field " + std::to_string(number));
        if (len > buf_.size() - pos_) {
          return Malformed("length " + std::to_string(len) + " of field " + std::to_string(number) +
                           " runs past the end of the message");
        }
        f.bytes = buf_.substr(pos_, static_cast<size_t>(len));
        pos_ += static_cast<size_t>(len);
        return f;
      }
      default:
        return Malformed("unsupported wire type " + std::to_string(wire) + " in field " + std::to_string(number));
    }
  }

 private:
  static constexpr uint64_t kMaxFieldNumber = (1u << 29) - 1;

  static ApiError Malformed(const std::string& what) {
    return ApiError::BadRequest("unable to decode protobuf body: " + what);
  }

  // A varint is at most 10 bytes; the 10th may only carry the top bit of a uint64.
  bool ReadVarint(uint64_t* out) {
    uint64_t v = 0;
    for (int i = 0; i < 10; ++i) {
      if (pos_ >= buf_.size()) return false;
      const auto b = static_cast<uint8_t>(buf_[pos_++]);
      if (i == 9 && b > 1) return false;
      v |= static_cast<uint64_t>(b & 0x7Fu) << (7 * i);
      if ((b & 0x80u) == 0) {
        *out = v;
        return true;
      }
    }
    return false;
  }

  bool ReadFixed(size_t n, uint64_t* out) {
    if (buf_.size() - pos_ < n) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(buf_[pos_ + i])) << (8 * i);
    pos_ += n;
    *out = v;
    return true;
  }

  std::string_view buf_;
  size_t pos_ = 0;
};

}  // namespace kubesim
