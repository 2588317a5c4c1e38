// protobuf_decode.cpp — see protobuf_decode.h.
#include "protobuf_decode.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

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

// Seconds since the epoch → "2006-01-02T15:04:05Z". metav1.Time is limited to years 1..9999.
Result<std::string> Rfc3339(int64_t seconds) {
  constexpr int64_t kMin = -62135596800;  // 0001-01-01T00:00:00Z
  constexpr int64_t kMax = 253402300799;  // 9999-12-31T23:59:59Z
  if (seconds < kMin || seconds > kMax) return Malformed("timestamp " + std::to_string(seconds) + " out of range");
  using namespace std::chrono;
  const sys_seconds t{std::chrono::seconds{seconds}};
  const sys_days day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<std::chrono::seconds> hms{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return std::string(buf);
}

// metav1.Time {1 seconds, 2 nanos}. An empty message is the zero time: returns null. Nanos are
// dropped, as metav1.Time's protobuf unmarshalling does.
Result<json> DecodeTime(std::string_view bytes, std::string_view name) {
  if (bytes.empty()) return json(nullptr);
  int64_t seconds = 0;
  ProtoReader r(bytes);
  while (!r.done()) {
    Result<ProtoField> f = r.Next();
    if (!f.ok()) return f.error();
    const ProtoField& v = f.value();
    if (v.number == 1 || v.number == 2) {
      if (auto e = Want(v, WireType::kVarint, std::string(name) + (v.number == 1 ? ".seconds" : ".nanos"))) return *e;
      if (v.number == 1) seconds = v.AsInt64();
    }
  }
  Result<std::string> s = Rfc3339(seconds);
  if (!s.ok()) return s.error();
  return json(std::move(s).value());
}

// A map<string, X> entry {1 key, 2 value}. The value's raw bytes are returned.
Result<std::pair<std::string, std::string_view>> DecodeMapEntry(std::string_view bytes, std::string_view name) {
  std::string key;
  std::string_view value;
  ProtoReader r(bytes);
  while (!r.done()) {
    Result<ProtoField> f = r.Next();
    if (!f.ok()) return f.error();
    const ProtoField& v = f.value();
    if (v.number == 1 || v.number == 2) {
      if (auto e = Want(v, WireType::kLengthDelimited, std::string(name) + (v.number == 1 ? ".key" : ".value"))) {
        return *e;
      }
      if (v.number == 1) key = Str(v);
      else value = v.bytes;
    }
  }
  return std::pair<std::string, std::string_view>(std::move(key), value);
}

// Adds one entry of a map field to `target` (an object created on first use). Bytes values are
// base64-encoded; string values are kept as text.
MaybeError AddMapEntry(const ProtoField& f, std::string_view name, bool bytes_value, json& target) {
  if (auto e = Want(f, WireType::kLengthDelimited, name)) return e;
  auto entry = DecodeMapEntry(f.bytes, name);
  if (!entry.ok()) return entry.error();
  auto [key, value] = std::move(entry).value();
  if (!target.is_object()) target = json::object();
  target[key] = bytes_value ? Base64(value) : ValidUtf8(value);
  return std::nullopt;
}

MaybeError SetString(const ProtoField& f, std::string_view name, const char* key, json& obj, bool keep_empty = false) {
  if (auto e = Want(f, WireType::kLengthDelimited, name)) return e;
  std::string s = Str(f);
  if (!s.empty() || keep_empty) obj[key] = std::move(s);
  else obj.erase(key);
  return std::nullopt;
}

MaybeError AppendString(const ProtoField& f, std::string_view name, const char* key, json& obj) {
  if (auto e = Want(f, WireType::kLengthDelimited, name)) return e;
  if (!obj.contains(key)) obj[key] = json::array();
  obj[key].push_back(Str(f));
  return std::nullopt;
}

MaybeError SetBool(const ProtoField& f, std::string_view name, const char* key, json& obj) {
  if (auto e = Want(f, WireType::kVarint, name)) return e;
  obj[key] = f.AsBool();
  return std::nullopt;
}

MaybeError SetInt64(const ProtoField& f, std::string_view name, const char* key, json& obj, bool keep_zero) {
  if (auto e = Want(f, WireType::kVarint, name)) return e;
  if (f.AsInt64() != 0 || keep_zero) obj[key] = f.AsInt64();
  else obj.erase(key);
  return std::nullopt;
}

MaybeError SetTime(const ProtoField& f, std::string_view name, const char* key, json& obj) {
  if (auto e = Want(f, WireType::kLengthDelimited, name)) return e;
  Result<json> t = DecodeTime(f.bytes, name);
  if (!t.ok()) return t.error();
  if (t.value().is_null()) obj.erase(key);
  else obj[key] = std::move(t).value();
  return std::nullopt;
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

// metav1.OwnerReference. apiVersion, kind, name and uid have no omitempty in Go: always present.
Result<json> DecodeOwnerReference(std::string_view bytes) {
  json o = {{"apiVersion", ""}, {"kind", ""}, {"name", ""}, {"uid", ""}};
  MaybeError err = ForEachField(bytes, [&](const ProtoField& f) -> MaybeError {
    switch (f.number) {
      case 1: return SetString(f, "OwnerReference.kind", "kind", o, true);
      case 3: return SetString(f, "OwnerReference.name", "name", o, true);
      case 4: return SetString(f, "OwnerReference.uid", "uid", o, true);
      case 5: return SetString(f, "OwnerReference.apiVersion", "apiVersion", o, true);
      case 6: return SetBool(f, "OwnerReference.controller", "controller", o);
      case 7: return SetBool(f, "OwnerReference.blockOwnerDeletion", "blockOwnerDeletion", o);
      default: return std::nullopt;
    }
  });
  if (err) return *err;
  return o;
}

// metav1.ManagedFieldsEntry. fieldsV1 {1 raw} holds JSON, kept as a JSON value.
Result<json> DecodeManagedFieldsEntry(std::string_view bytes) {
  json m = json::object();
  MaybeError err = ForEachField(bytes, [&](const ProtoField& f) -> MaybeError {
    switch (f.number) {
      case 1: return SetString(f, "ManagedFieldsEntry.manager", "manager", m);
      case 2: return SetString(f, "ManagedFieldsEntry.operation", "operation", m);
      case 3: return SetString(f, "ManagedFieldsEntry.apiVersion", "apiVersion", m);
      case 4: return SetTime(f, "ManagedFieldsEntry.time", "time", m);
      case 6: return SetString(f, "ManagedFieldsEntry.fieldsType", "fieldsType", m);
      case 7: {
        if (auto e = Want(f, WireType::kLengthDelimited, "ManagedFieldsEntry.fieldsV1")) return e;
        std::string_view raw;
        MaybeError inner = ForEachField(f.bytes, [&](const ProtoField& g) -> MaybeError {
          if (g.number != 1) return std::nullopt;
          if (auto e = Want(g, WireType::kLengthDelimited, "FieldsV1.raw")) return e;
          raw = g.bytes;
          return std::nullopt;
        });
        if (inner) return inner;
        if (raw.empty()) {
          m["fieldsV1"] = json::object();
          return std::nullopt;
        }
        json parsed = json::parse(raw.begin(), raw.end(), nullptr, /*allow_exceptions=*/false);
        if (parsed.is_discarded()) return Malformed("ManagedFieldsEntry.fieldsV1 is not valid JSON");
        m["fieldsV1"] = std::move(parsed);
        return std::nullopt;
      }
      case 8: return SetString(f, "ManagedFieldsEntry.subresource", "subresource", m);
      default: return std::nullopt;
    }
  });
  if (err) return *err;
  return m;
}

// metav1.ObjectMeta.
Result<json> DecodeObjectMeta(std::string_view bytes) {
  json m = json::object();
  MaybeError err = ForEachField(bytes, [&](const ProtoField& f) -> MaybeError {
    switch (f.number) {
      case 1: return SetString(f, "ObjectMeta.name", "name", m);
      case 2: return SetString(f, "ObjectMeta.generateName", "generateName", m);
      case 3: return SetString(f, "ObjectMeta.namespace", "namespace", m);
      case 4: return SetString(f, "ObjectMeta.selfLink", "selfLink", m);
      case 5: return SetString(f, "ObjectMeta.uid", "uid", m);
      case 6: return SetString(f, "ObjectMeta.resourceVersion", "resourceVersion", m);
      case 7: return SetInt64(f, "ObjectMeta.generation", "generation", m, /*keep_zero=*/false);
      case 8: return SetTime(f, "ObjectMeta.creationTimestamp", "creationTimestamp", m);
      case 9: return SetTime(f, "ObjectMeta.deletionTimestamp", "deletionTimestamp", m);
      case 10: return SetInt64(f, "ObjectMeta.deletionGracePeriodSeconds", "deletionGracePeriodSeconds", m, true);
      case 11: return AddMapEntry(f, "ObjectMeta.labels", /*bytes_value=*/false, m["labels"]);
      case 12: return AddMapEntry(f, "ObjectMeta.annotations", /*bytes_value=*/false, m["annotations"]);
      case 13: {
        if (auto e = Want(f, WireType::kLengthDelimited, "ObjectMeta.ownerReferences")) return e;
        Result<json> ref = DecodeOwnerReference(f.bytes);
        if (!ref.ok()) return ref.error();
        m["ownerReferences"].push_back(std::move(ref).value());
        return std::nullopt;
      }
      case 14: return AppendString(f, "ObjectMeta.finalizers", "finalizers", m);
      case 17: {
        if (auto e = Want(f, WireType::kLengthDelimited, "ObjectMeta.managedFields")) return e;
        Result<json> entry = DecodeManagedFieldsEntry(f.bytes);
        if (!entry.ok()) return entry.error();
        m["managedFields"].push_back(std::move(entry).value());
        return std::nullopt;
      }
      default: return std::nullopt;
    }
  });
  if (err) return *err;
  return m;
}

MaybeError SetMeta(const ProtoField& f, std::string_view name, json& obj) {
  if (auto e = Want(f, WireType::kLengthDelimited, name)) return e;
  Result<json> meta = DecodeObjectMeta(f.bytes);
  if (!meta.ok()) return meta.error();
  obj["metadata"] = std::move(meta).value();
  return std::nullopt;
}

// core/v1 Secret {1 metadata, 2 data map<string,bytes>, 3 type, 4 stringData, 5 immutable}.
Result<json> DecodeSecret(std::string_view raw, json obj) {
  obj["metadata"] = json::object();
  MaybeError err = ForEachField(raw, [&](const ProtoField& f) -> MaybeError {
    switch (f.number) {
      case 1: return SetMeta(f, "Secret.metadata", obj);
      case 2: return AddMapEntry(f, "Secret.data", /*bytes_value=*/true, obj["data"]);
      case 3: return SetString(f, "Secret.type", "type", obj);
      case 4: return AddMapEntry(f, "Secret.stringData", /*bytes_value=*/false, obj["stringData"]);
      case 5: return SetBool(f, "Secret.immutable", "immutable", obj);
      default: return std::nullopt;
    }
  });
  if (err) return *err;
  return obj;
}

// core/v1 ConfigMap {1 metadata, 2 data, 3 binaryData map<string,bytes>, 4 immutable}.
Result<json> DecodeConfigMap(std::string_view raw, json obj) {
  obj["metadata"] = json::object();
  MaybeError err = ForEachField(raw, [&](const ProtoField& f) -> MaybeError {
    switch (f.number) {
      case 1: return SetMeta(f, "ConfigMap.metadata", obj);
      case 2: return AddMapEntry(f, "ConfigMap.data", /*bytes_value=*/false, obj["data"]);
      case 3: return AddMapEntry(f, "ConfigMap.binaryData", /*bytes_value=*/true, obj["binaryData"]);
      case 4: return SetBool(f, "ConfigMap.immutable", "immutable", obj);
      default: return std::nullopt;
    }
  });
  if (err) return *err;
  return obj;
}

// meta/v1 DeleteOptions {1 gracePeriodSeconds, 2 preconditions {1 uid, 2 resourceVersion},
// 3 orphanDependents, 4 propagationPolicy, 5 dryRun, 6 ignoreStoreReadErrorWithClusterBreakingPotential}.
// Every optional field is a pointer in Go, so a present zero value is kept.
Result<json> DecodeDeleteOptions(std::string_view raw, json obj) {
  MaybeError err = ForEachField(raw, [&](const ProtoField& f) -> MaybeError {
    switch (f.number) {
      case 1: return SetInt64(f, "DeleteOptions.gracePeriodSeconds", "gracePeriodSeconds", obj, true);
      case 2: {
        if (auto e = Want(f, WireType::kLengthDelimited, "DeleteOptions.preconditions")) return e;
        json pre = json::object();
        MaybeError inner = ForEachField(f.bytes, [&](const ProtoField& g) -> MaybeError {
          switch (g.number) {
            case 1: return SetString(g, "Preconditions.uid", "uid", pre, true);
            case 2: return SetString(g, "Preconditions.resourceVersion", "resourceVersion", pre, true);
            default: return std::nullopt;
          }
        });
        if (inner) return inner;
        obj["preconditions"] = std::move(pre);
        return std::nullopt;
      }
      case 3: return SetBool(f, "DeleteOptions.orphanDependents", "orphanDependents", obj);
      case 4: return SetString(f, "DeleteOptions.propagationPolicy", "propagationPolicy", obj, true);
      case 5: return AppendString(f, "DeleteOptions.dryRun", "dryRun", obj);
      case 6:
        return SetBool(f, "DeleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential",
                       "ignoreStoreReadErrorWithClusterBreakingPotential", obj);
      default: return std::nullopt;
    }
  });
  if (err) return *err;
  return obj;
}

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
  json obj = {{"apiVersion", u.api_version}, {"kind", u.kind}};
  if (u.api_version == "v1" && u.kind == "Secret") return DecodeSecret(u.raw, std::move(obj));
  if (u.api_version == "v1" && u.kind == "ConfigMap") return DecodeConfigMap(u.raw, std::move(obj));
  if (u.kind == "DeleteOptions") return DecodeDeleteOptions(u.raw, std::move(obj));
  return ApiError::UnsupportedMediaType("kube-sim cannot decode protobuf for " + gvk +
                                        "; supported: v1 Secret, v1 ConfigMap, DeleteOptions. Send it as "
                                        "application/json");
}

}  // namespace kubesim
