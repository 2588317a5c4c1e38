// protobuf_descriptors.h — the message descriptors kube-sim decodes Kubernetes protobuf with.
//
// A const table describes, for every message a kubectl subcommand can send (and every message
// those reach), each field's number, JSON name, kind and Go JSON behaviour. The numbers and names
// are transcribed from k8s.io/api (core, apps, batch, rbac, networking, policy, coordination v1)
// and k8s.io/apimachinery (meta/v1, util/intstr, api/resource) generated.proto files; the
// omitempty/pointer flags from the matching Go types. One generic decoder (protobuf_decode.cpp)
// walks a message with its descriptor; a field number the descriptor does not list is refused,
// so nothing is dropped silently.
//
// Message names are the OpenAPI model names ("io.k8s.api.core.v1.PodSpec"). A few messages have
// a JSON form of their own (MessageForm): metav1.Time / MicroTime are RFC 3339 strings,
// IntOrString a number or a string, Quantity its string, FieldsV1 the JSON it carries.
//
// Usage:
//   const protodesc::MessageDescriptor* d = protodesc::FindKind("apps/v1", "Deployment");
//   if (d == nullptr) return Unsupported();
//   for (const protodesc::FieldDescriptor& f : d->fields) ...
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace kubesim::protodesc {

enum class FieldKind : uint8_t {
  kString,       // length-delimited UTF-8 text
  kBytes,        // length-delimited bytes → base64 string
  kInt32,        // varint → JSON number
  kInt64,        // varint → JSON number
  kBool,         // varint → true/false
  kMessage,      // length-delimited nested message named by `type`
  kStringMap,    // map<string, string>
  kBytesMap,     // map<string, bytes> → base64 values
  kMessageMap,   // map<string, `type`>
  kUnsupported,  // a field kube-sim knows of but refuses (deprecated in-tree volume plugins)
};

enum FieldFlag : uint8_t {
  kRepeated = 1u << 0,  // a list; repeated varints may also arrive packed
  kKeepZero = 1u << 1,  // a Go pointer: present on the wire → in the JSON, even when zero
  kAlways = 1u << 2,    // no `omitempty` in Go: always in the JSON (zero value when absent)
  kInline = 1u << 3,    // `json:",inline"`: the message's fields are merged into the parent
};

// How a message is rendered in JSON.
enum class MessageForm : uint8_t {
  kObject,       // a JSON object of its fields
  kTime,         // metav1.Time {1 seconds, 2 nanos} → "2006-01-02T15:04:05Z"; empty → omitted
  kMicroTime,    // metav1.MicroTime → "2006-01-02T15:04:05.000000Z"; empty → omitted
  kIntOrString,  // intstr {1 type, 2 intVal, 3 strVal} → number (type 0) or string (type 1)
  kQuantity,     // resource.Quantity {1 string} → the string ("0" when empty)
  kFieldsV1,     // metav1.FieldsV1 {1 Raw} → the JSON value it holds ({} when empty)
};

struct FieldDescriptor {
  uint32_t number;
  std::string_view json_name;
  FieldKind kind;
  std::string_view type;  // message name, for kMessage and kMessageMap
  uint8_t flags;

  bool Has(FieldFlag f) const { return (flags & f) != 0; }
};

struct MessageDescriptor {
  std::string_view name;  // e.g. "io.k8s.api.core.v1.PodSpec"
  std::span<const FieldDescriptor> fields;
  MessageForm form = MessageForm::kObject;

  // The field with this number, or nullptr.
  const FieldDescriptor* Find(uint32_t number) const;
  // The last component of the name ("PodSpec"), used in 400 messages.
  std::string_view ShortName() const;
};

// A top-level kind and the message its runtime.Unknown raw bytes hold. An api_version of "*"
// matches any (DeleteOptions is sent under the group version of the resource being deleted).
struct KindDescriptor {
  std::string_view api_version;
  std::string_view kind;
  std::string_view message;
};

// The descriptor named `name`, or nullptr.
const MessageDescriptor* FindMessage(std::string_view name);
// The descriptor of the object a (apiVersion, kind) body holds, or nullptr if unsupported.
const MessageDescriptor* FindKind(std::string_view api_version, std::string_view kind);

std::span<const MessageDescriptor> AllMessages();
std::span<const KindDescriptor> AllKinds();

}  // namespace kubesim::protodesc
