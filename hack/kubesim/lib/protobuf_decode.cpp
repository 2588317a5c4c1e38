// protobuf_decode.cpp — see protobuf_decode.h.
#include "protobuf_decode.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protobuf_descriptors.h"
#include "protobuf_wire.h"

namespace kubesim {
namespace {

using nlohmann::json;
using MaybeError = std::optional<ApiError>;

ApiError Malformed(const std::string& what) { return ApiError::BadRequest("unable to decode protobuf body: " + what); }

const char* WireTypeName(WireType t) {
  switch (t) {
    case WireType::kVarint: return "0 (varint)";
    case WireType::kFixed64: return "1 (fixed64)";
    case WireType::kLengthDelimited: return "2 (length-delimited)";
    case WireType::kFixed32: return "5 (fixed32)";
  }
  return "?";
}

// The field has the wire type its schema declares, or a 400 naming it.
MaybeError Want(const ProtoField& f, WireType t, std::string_view field_name) {
  if (f.type == t) return std::nullopt;
  return Malformed(std::string("wrong wire type ") + WireTypeName(f.type) + " for field " + std::string(field_name));
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                       static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const size_t rest = in.size() - i;
  if (rest == 1) {
    const uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    const uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// Protobuf (proto2, as Kubernetes uses it) lets a string hold any bytes; Go's JSON encoder then
// replaces each invalid UTF-8 byte with U+FFFD. Doing the same keeps nlohmann::json::dump() safe.
std::string ValidUtf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    const auto b = static_cast<uint8_t>(in[i]);
    size_t len = 0;
    uint32_t min = 0;
    uint32_t cp = 0;
    if (b < 0x80) {
      out += static_cast<char>(b);
      ++i;
      continue;
    } else if ((b & 0xE0) == 0xC0) {
      len = 2, min = 0x80, cp = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      len = 3, min = 0x800, cp = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      len = 4, min = 0x10000, cp = b & 0x07;
    }
    bool ok = len != 0 && i + len <= in.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const auto c = static_cast<uint8_t>(in[i + k]);
      if ((c & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (c & 0x3F);
    }
    ok = ok && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    if (ok) {
      out.append(in.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string Str(const ProtoField& f) { return ValidUtf8(f.bytes); }

// Seconds since the epoch (plus microseconds, for MicroTime) → "2006-01-02T15:04:05Z" or
// "2006-01-02T15:04:05.000000Z". metav1.Time is limited to years 1..9999.
Result<std::string> Rfc3339(int64_t seconds, std::optional<int64_t> micros = std::nullopt) {
  constexpr int64_t kMin = -62135596800;  // 0001-01-01T00:00:00Z
  constexpr int64_t kMax = 253402300799;  // 9999-12-31T23:59:59Z
  if (seconds < kMin || seconds > kMax) return Malformed("timestamp " + std::to_string(seconds) + " out of range");
  using namespace std::chrono;
  const sys_seconds t{std::chrono::seconds{seconds}};
  const sys_days day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<std::chrono::seconds> hms{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  std::string out = buf;
  if (micros) {
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(*micros));
    out += buf;
  }
  out += 'Z';
  return out;
}

// The 415 for a field the descriptor does not know, or knows and refuses.
ApiError NotUnderstood(std::string_view message, uint32_t number, std::string_view json_name = {}) {
  std::string what = "field " + std::to_string(number);
  if (!json_name.empty()) what += " (" + std::string(json_name) + ")";
  return ApiError::UnsupportedMediaType(what + " of " + std::string(message) +
                                        " is not understood by kube-sim; send the object as application/json");
}

// Runs `on_field` for every field of the message in `bytes`; stops at the first error.
template <typename F>
MaybeError ForEachField(std::string_view bytes, F&& on_field) {
  ProtoReader r(bytes);
  while (!r.done()) {
    Result<ProtoField> f = r.Next();
    if (!f.ok()) return f.error();
    if (MaybeError e = on_field(f.value())) return e;
  }
  return std::nullopt;
}

// --- the descriptor-driven decoder -----------------------------------------------------------

using protodesc::FieldDescriptor;
using protodesc::FieldKind;
using protodesc::MessageDescriptor;
using protodesc::MessageForm;

// Deeper than any Kubernetes object nests; guards the stack against hostile input.
constexpr int kMaxDepth = 64;

bool IsVarintKind(FieldKind k) { return k == FieldKind::kInt32 || k == FieldKind::kInt64 || k == FieldKind::kBool; }

std::string Label(const MessageDescriptor& d, const FieldDescriptor& f) {
  return std::string(d.ShortName()) + "." + std::string(f.json_name);
}

// A varint as the JSON value of a scalar field. int32 keeps the low 32 bits, as Go does.
json VarintValue(FieldKind kind, uint64_t v) {
  switch (kind) {
    case FieldKind::kInt32: return static_cast<int32_t>(static_cast<uint32_t>(v & 0xFFFFFFFFu));
    case FieldKind::kBool: return v != 0;
    default: return static_cast<int64_t>(v);
  }
}

bool IsZero(const json& v) {
  if (v.is_string()) return v.get_ref<const std::string&>().empty();
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_number_integer()) return v.get<int64_t>() == 0;
  return false;
}

json ZeroValue(FieldKind kind) {
  switch (kind) {
    case FieldKind::kString:
    case FieldKind::kBytes: return "";
    case FieldKind::kBool: return false;
    case FieldKind::kInt32:
    case FieldKind::kInt64: return 0;
    default: return json::object();
  }
}

// Reads one message, refusing unknown fields, and keeps the last occurrence of each field
// (as protobuf does for non-repeated fields). For the messages with a JSON form of their own.
Result<std::vector<ProtoField>> LastFields(const MessageDescriptor& d, std::string_view bytes) {
  std::vector<ProtoField> last(d.fields.size());
  std::vector<bool> seen(d.fields.size());
  MaybeError err = ForEachField(bytes, [&](const ProtoField& f) -> MaybeError {
    const FieldDescriptor* fd = d.Find(f.number);
    if (fd == nullptr) return NotUnderstood(d.name, f.number);
    const WireType want = IsVarintKind(fd->kind) ? WireType::kVarint : WireType::kLengthDelimited;
    if (auto e = Want(f, want, Label(d, *fd))) return e;
    const auto i = static_cast<size_t>(fd - d.fields.data());
    last[i] = f;
    seen[i] = true;
    return std::nullopt;
  });
  if (err) return *err;
  for (size_t i = 0; i < last.size(); ++i) {
    if (!seen[i]) last[i].number = 0;  // absent
  }
  return last;
}

class Decoder {
 public:
  // The JSON for one message of type `d`. `context` names the field holding it ("Pod.spec"),
  // for error messages. Returns null for an empty metav1.Time / MicroTime.
  Result<json> Value(const MessageDescriptor& d, std::string_view bytes, int depth, std::string_view context) {
    if (depth > kMaxDepth) return Malformed("messages nested deeper than " + std::to_string(kMaxDepth));
    switch (d.form) {
      case MessageForm::kObject: return Object(d, bytes, depth);
      case MessageForm::kTime:
      case MessageForm::kMicroTime: return Time(d, bytes, context);
      case MessageForm::kIntOrString: return IntOrString(d, bytes);
      case MessageForm::kQuantity: return Quantity(d, bytes);
      case MessageForm::kFieldsV1: return FieldsV1(d, bytes, context);
    }
    return Malformed("unknown message form");
  }

 private:
  Result<json> Object(const MessageDescriptor& d, std::string_view bytes, int depth) {
    json obj = json::object();
    std::vector<bool> present(d.fields.size());
    MaybeError err = ForEachField(bytes, [&](const ProtoField& f) -> MaybeError {
      const FieldDescriptor* fd = d.Find(f.number);
      if (fd == nullptr) return NotUnderstood(d.name, f.number);
      if (fd->kind == FieldKind::kUnsupported) return NotUnderstood(d.name, f.number, fd->json_name);
      present[static_cast<size_t>(fd - d.fields.data())] = true;
      return Field(d, *fd, f, depth, obj);
    });
    if (err) return *err;
    // Go's encoding/json: omitempty drops zero scalars unless the field is a pointer; fields
    // without omitempty are always written. A message present on the wire is a struct or a
    // non-nil pointer in Go, and is always written (IntOrString 0, Quantity "0" included).
    for (size_t i = 0; i < d.fields.size(); ++i) {
      const FieldDescriptor& fd = d.fields[i];
      if (fd.Has(protodesc::kRepeated) || fd.Has(protodesc::kInline)) continue;
      if (present[i] && fd.kind == FieldKind::kMessage) continue;
      const std::string key(fd.json_name);
      if (!present[i]) {
        if (fd.Has(protodesc::kAlways)) obj[key] = ZeroValue(fd.kind);
        continue;
      }
      if (fd.Has(protodesc::kAlways) || fd.Has(protodesc::kKeepZero)) continue;
      auto it = obj.find(key);
      if (it != obj.end() && IsZero(*it)) obj.erase(it);
    }
    return obj;
  }

  MaybeError Field(const MessageDescriptor& d, const FieldDescriptor& fd, const ProtoField& f, int depth, json& obj) {
    const std::string key(fd.json_name);
    const bool repeated = fd.Has(protodesc::kRepeated);
    auto put = [&](json v) {
      if (repeated) {
        obj[key].push_back(std::move(v));
      } else {
        obj[key] = std::move(v);
      }
    };
    if (IsVarintKind(fd.kind)) {
      if (repeated && f.type == WireType::kLengthDelimited) {  // packed
        return ReadPacked(f.bytes, fd, put);
      }
      if (auto e = Want(f, WireType::kVarint, Label(d, fd))) return e;
      put(VarintValue(fd.kind, f.varint));
      return std::nullopt;
    }
    if (auto e = Want(f, WireType::kLengthDelimited, Label(d, fd))) return e;
    switch (fd.kind) {
      case FieldKind::kString: put(Str(f)); return std::nullopt;
      case FieldKind::kBytes: put(Base64(f.bytes)); return std::nullopt;
      case FieldKind::kMessage: {
        const MessageDescriptor* sub = protodesc::FindMessage(fd.type);
        if (sub == nullptr) return ApiError::Internal("no descriptor for " + std::string(fd.type));
        Result<json> v = Value(*sub, f.bytes, depth + 1, Label(d, fd));
        if (!v.ok()) return v.error();
        if (fd.Has(protodesc::kInline)) {
          for (auto& [k, val] : v.value().items()) obj[k] = std::move(val);
        } else if (v.value().is_null() && !repeated) {
          obj.erase(key);  // an empty timestamp
        } else {
          put(std::move(v).value());
        }
        return std::nullopt;
      }
      case FieldKind::kStringMap:
      case FieldKind::kBytesMap:
      case FieldKind::kMessageMap: return MapEntry(d, fd, f.bytes, depth, obj[key]);
      default: return ApiError::Internal("unexpected field kind in " + Label(d, fd));
    }
  }

  template <typename Put>
  static MaybeError ReadPacked(std::string_view bytes, const FieldDescriptor& fd, Put& put) {
    size_t pos = 0;
    while (pos < bytes.size()) {
      uint64_t v = 0;
      bool ok = false;
      for (int i = 0; i < 10 && pos < bytes.size(); ++i) {
        const auto b = static_cast<uint8_t>(bytes[pos++]);
        if (i == 9 && b > 1) break;
        v |= static_cast<uint64_t>(b & 0x7Fu) << (7 * i);
        if ((b & 0x80u) == 0) {
          ok = true;
          break;
        }
      }
      if (!ok) return Malformed("truncated packed varint in field " + std::string(fd.json_name));
      put(VarintValue(fd.kind, v));
    }
    return std::nullopt;
  }

  // One map entry {1 key, 2 value} added to `target` (an object created on first use).
  MaybeError MapEntry(const MessageDescriptor& d, const FieldDescriptor& fd, std::string_view bytes, int depth,
                      json& target) {
    const std::string label = Label(d, fd);
    const bool message_value = fd.kind == FieldKind::kMessageMap;
    std::string key;
    ProtoField value;
    bool has_value = false;
    MaybeError err = ForEachField(bytes, [&](const ProtoField& f) -> MaybeError {
      if (f.number == 1) {
        if (auto e = Want(f, WireType::kLengthDelimited, label + ".key")) return e;
        key = Str(f);
      } else if (f.number == 2) {
        if (auto e = Want(f, WireType::kLengthDelimited, label + ".value")) return e;
        value = f;
        has_value = true;
      } else {
        return NotUnderstood(std::string(d.name) + "." + std::string(fd.json_name) + " map entry", f.number);
      }
      return std::nullopt;
    });
    if (err) return err;
    if (!target.is_object()) target = json::object();
    if (!message_value) {
      target[key] = fd.kind == FieldKind::kBytesMap ? Base64(value.bytes) : ValidUtf8(value.bytes);
      return std::nullopt;
    }
    const MessageDescriptor* sub = protodesc::FindMessage(fd.type);
    if (sub == nullptr) return ApiError::Internal("no descriptor for " + std::string(fd.type));
    Result<json> v = Value(*sub, has_value ? value.bytes : std::string_view(), depth + 1, label);
    if (!v.ok()) return v.error();
    target[key] = std::move(v).value();
    return std::nullopt;
  }

  // metav1.Time {1 seconds, 2 nanos}. An empty message is the zero time: null. Time keeps
  // seconds (as its JSON does); MicroTime keeps microseconds.
  static Result<json> Time(const MessageDescriptor& d, std::string_view bytes, std::string_view context) {
    if (bytes.empty()) return json(nullptr);
    Result<std::vector<ProtoField>> f = LastFields(d, bytes);
    if (!f.ok()) return f.error();
    const int64_t seconds = f.value()[0].number ? f.value()[0].AsInt64() : 0;
    const int64_t nanos = f.value()[1].number ? static_cast<int32_t>(f.value()[1].varint & 0xFFFFFFFFu) : 0;
    if (nanos < 0 || nanos > 999999999) {
      return Malformed("nanos " + std::to_string(nanos) + " out of range in " + std::string(context));
    }
    Result<std::string> s = d.form == MessageForm::kMicroTime ? Rfc3339(seconds, nanos / 1000) : Rfc3339(seconds);
    if (!s.ok()) return s.error();
    return json(std::move(s).value());
  }

  // intstr.IntOrString {1 type (0 int, 1 string), 2 intVal, 3 strVal} → number or string.
  static Result<json> IntOrString(const MessageDescriptor& d, std::string_view bytes) {
    Result<std::vector<ProtoField>> f = LastFields(d, bytes);
    if (!f.ok()) return f.error();
    const std::vector<ProtoField>& v = f.value();
    if (v[0].number && v[0].varint == 1) return json(v[2].number ? Str(v[2]) : std::string());
    return json(v[1].number ? VarintValue(FieldKind::kInt32, v[1].varint) : json(0));
  }

  // resource.Quantity {1 string} → the string; the zero Quantity is "0".
  static Result<json> Quantity(const MessageDescriptor& d, std::string_view bytes) {
    Result<std::vector<ProtoField>> f = LastFields(d, bytes);
    if (!f.ok()) return f.error();
    std::string s = f.value()[0].number ? Str(f.value()[0]) : std::string();
    return json(s.empty() ? std::string("0") : std::move(s));
  }

  // metav1.FieldsV1 {1 Raw} holds JSON, kept as a JSON value.
  static Result<json> FieldsV1(const MessageDescriptor& d, std::string_view bytes, std::string_view context) {
    Result<std::vector<ProtoField>> f = LastFields(d, bytes);
    if (!f.ok()) return f.error();
    const std::string_view raw = f.value()[0].number ? f.value()[0].bytes : std::string_view();
    if (raw.empty()) return json::object();
    json parsed = json::parse(raw.begin(), raw.end(), nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return Malformed(std::string(context) + " is not valid JSON");
    return parsed;
  }
};

struct Unknown {
  std::string api_version, kind, content_encoding;
  std::string_view raw;
};

Result<Unknown> DecodeUnknown(std::string_view bytes) {
  Unknown u;
  MaybeError err = ForEachField(bytes, [&](const ProtoField& f) -> MaybeError {
    switch (f.number) {
      case 1: {
        if (auto e = Want(f, WireType::kLengthDelimited, "Unknown.typeMeta")) return e;
        return ForEachField(f.bytes, [&](const ProtoField& g) -> MaybeError {
          if (g.number != 1 && g.number != 2) return std::nullopt;
          if (auto e = Want(g, WireType::kLengthDelimited, g.number == 1 ? "TypeMeta.apiVersion" : "TypeMeta.kind")) {
            return e;
          }
          (g.number == 1 ? u.api_version : u.kind) = Str(g);
          return std::nullopt;
        });
      }
      case 2:
        if (auto e = Want(f, WireType::kLengthDelimited, "Unknown.raw")) return e;
        u.raw = f.bytes;
        return std::nullopt;
      case 3:
        if (auto e = Want(f, WireType::kLengthDelimited, "Unknown.contentEncoding")) return e;
        u.content_encoding = Str(f);
        return std::nullopt;
      default: return std::nullopt;  // 4 contentType: informational
    }
  });
  if (err) return *err;
  return u;
}

}  // namespace

Result<json> DecodeKubernetesProtobuf(std::string_view body) {
  if (body.size() < kProtobufMagic.size() || body.substr(0, kProtobufMagic.size()) != kProtobufMagic) {
    return ApiError::BadRequest(
        "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
  }
  Result<Unknown> unknown = DecodeUnknown(body.substr(kProtobufMagic.size()));
  if (!unknown.ok()) return unknown.error();
  const Unknown& u = unknown.value();
  if (u.kind.empty()) return ApiError::BadRequest("Object 'Kind' is missing in protobuf body");

  const std::string gvk = "apiVersion \"" + u.api_version + "\", kind \"" + u.kind + "\"";
  if (!u.content_encoding.empty()) {
    return ApiError::UnsupportedMediaType("kube-sim cannot decode protobuf with contentEncoding \"" +
                                          u.content_encoding + "\" (" + gvk + ")");
  }
  const protodesc::MessageDescriptor* desc = protodesc::FindKind(u.api_version, u.kind);
  if (desc == nullptr) {
    std::string supported;
    for (const protodesc::KindDescriptor& k : protodesc::AllKinds()) {
      if (!supported.empty()) supported += ", ";
      if (k.api_version != "*") supported += std::string(k.api_version) + " ";
      supported += std::string(k.kind);
    }
    return ApiError::UnsupportedMediaType("kube-sim cannot decode protobuf for " + gvk + "; supported: " + supported +
                                          ". Send it as application/json");
  }
  Result<json> obj = Decoder().Value(*desc, u.raw, 0, desc->ShortName());
  if (!obj.ok()) {
    ApiError e = obj.error();
    if (e.code == 415) e.message = "kube-sim cannot decode protobuf for " + gvk + ": " + e.message;
    return e;
  }
  json out = std::move(obj).value();
  out["apiVersion"] = u.api_version;
  out["kind"] = u.kind;
  return out;
}

}  // namespace kubesim
