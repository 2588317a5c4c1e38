// protobuf_decode.h — turns a Kubernetes protobuf request body into the JSON object it stands for.
//
// Clients such as helm send `Content-Type: application/vnd.kubernetes.protobuf` and never fall
// back to JSON. Such a body is the 4-byte magic "k8s\0" followed by a runtime.Unknown message:
//   1 typeMeta {1 apiVersion, 2 kind}   2 raw (the object's own message)
//   3 contentEncoding                    4 contentType
// kube-sim stores JSON, so the body is decoded here into the JSON the real server would hold
// after decoding it. The decoding is driven by the message descriptors of protobuf_descriptors.h
// (one generic walk, no per-kind code): apiVersion and kind come from typeMeta, bytes become
// base64, int64 stays a JSON number, metav1.Time becomes RFC 3339 (seconds) and MicroTime RFC 3339
// with six fractional digits, IntOrString a number or a string, Quantity its string. Zero values
// are left out where Go's `omitempty` would leave them out, kept where the Go field is a pointer
// (replicas: 0), and always written where the Go field has no omitempty. Absent or zero
// timestamps are omitted rather than `null`.
//
// Supported kinds (see protodesc::AllKinds): v1 Namespace, ServiceAccount, Secret, ConfigMap,
// Service, Pod, Event; apps/v1 Deployment, ReplicaSet; batch/v1 Job, CronJob; rbac/v1 Role,
// ClusterRole, RoleBinding, ClusterRoleBinding; policy/v1 PodDisruptionBudget; networking/v1
// Ingress; coordination/v1 Lease; DeleteOptions under any apiVersion (client-go sends it under
// the group version of the resource being deleted). Every field of every message they reach is
// decoded, except the deprecated in-tree volume plugins (cephfs, rbd, iscsi, ...), which are
// refused explicitly.
//
// Nothing is dropped silently: a field number a message's descriptor does not know (a newer
// client's field), or a refused one, fails the whole request with 415 UnsupportedMediaType
// ("... field 99 of io.k8s.api.core.v1.PodSpec is not understood by kube-sim; send the object as
// application/json"). Any other kind, or a non-empty contentEncoding, is a 415 naming the kind.
// A body without the magic, a truncated or malformed message, a field with the wrong wire type
// or invalid JSON in managedFields' fieldsV1 → 400 BadRequest.
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
