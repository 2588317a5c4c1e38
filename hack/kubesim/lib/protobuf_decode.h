// protobuf_decode.h — turns a Kubernetes protobuf request body into the JSON object it stands for.
//
// Clients such as helm send `Content-Type: application/vnd.kubernetes.protobuf` and never fall
// back to JSON. Such a body is the 4-byte magic "k8s\0" followed by a runtime.Unknown message:
//   1 typeMeta {1 apiVersion, 2 kind}   2 raw (the object's own message)
//   3 contentEncoding                    4 contentType
// kube-sim stores JSON, so the body is decoded here into the JSON the real server would hold
// after decoding it: apiVersion and kind come from typeMeta, bytes fields become base64 strings,
// times become RFC 3339 (seconds only, as metav1.Time keeps), and empty optional fields are left
// out (as Go's `omitempty` would). Absent or zero timestamps are omitted rather than `null`.
//
// Supported kinds (field numbers from k8s.io/api core/v1 and apimachinery meta/v1
// generated.proto):
//   v1 Secret, v1 ConfigMap, DeleteOptions (any apiVersion: client-go sends it under the group
//   version of the resource being deleted), with a full ObjectMeta (labels, annotations,
//   ownerReferences, finalizers, managedFields, timestamps).
// Unknown fields are skipped, as a newer client may send them.
//
// Errors: a body without the magic, a truncated or malformed message, a field with the wrong
// wire type or invalid JSON in managedFields' fieldsV1 → 400 BadRequest. Any other kind, or a
// non-empty contentEncoding → 415 UnsupportedMediaType naming the kind.
//
// Usage:
//   if (content_type == kProtobufContentType) {
//     Result<nlohmann::json> obj = DecodeKubernetesProtobuf(body);
//     if (!obj.ok()) return obj.error();
//     Create(std::move(obj).value());
//   }
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "api_error.h"

namespace kubesim {

inline constexpr std::string_view kProtobufContentType = "application/vnd.kubernetes.protobuf";
// "k8s" followed by a NUL byte.
inline constexpr std::string_view kProtobufMagic{"k8s\0", 4};

Result<nlohmann::json> DecodeKubernetesProtobuf(std::string_view body);

}  // namespace kubesim
