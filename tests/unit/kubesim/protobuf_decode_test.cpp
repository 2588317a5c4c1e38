// Tests for protobuf_decode.h and protobuf_wire.h.
//
// Fixtures are built with a tiny protobuf encoder below (test-only), plus one Secret written
// byte by byte the way helm's storage driver sends it.
#include "protobuf_decode.h"

#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protobuf_descriptors.h"
#include "protobuf_wire.h"

namespace kubesim {
namespace {

using nlohmann::json;

// --- test-only encoder ---------------------------------------------------------------------

std::string B(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s += static_cast<char>(b);
  return s;
}

class Enc {
 public:
  Enc& Varint(uint32_t field, uint64_t v) {
    Tag(field, 0);
    PutVarint(v);
    return *this;
  }
  Enc& Int(uint32_t field, int64_t v) { return Varint(field, static_cast<uint64_t>(v)); }
  Enc& Bytes(uint32_t field, std::string_view v) {
    Tag(field, 2);
    PutVarint(v.size());
    out_.append(v);
    return *this;
  }
  Enc& Msg(uint32_t field, const Enc& m) { return Bytes(field, m.str()); }
  Enc& MapEntry(uint32_t field, std::string_view k, std::string_view v) {
    return Msg(field, Enc().Bytes(1, k).Bytes(2, v));
  }
  Enc& MsgMapEntry(uint32_t field, std::string_view k, const Enc& v) {
    return Msg(field, Enc().Bytes(1, k).Msg(2, v));
  }
  Enc& Bool(uint32_t field, bool v) { return Varint(field, v ? 1 : 0); }
  Enc& Fixed64(uint32_t field, uint64_t v) {
    Tag(field, 1);
    for (int i = 0; i < 8; ++i) out_ += static_cast<char>((v >> (8 * i)) & 0xFF);
    return *this;
  }
  Enc& Fixed32(uint32_t field, uint32_t v) {
    Tag(field, 5);
    for (int i = 0; i < 4; ++i) out_ += static_cast<char>((v >> (8 * i)) & 0xFF);
    return *this;
  }
  Enc& Raw(std::string_view bytes) {
    out_.append(bytes);
    return *this;
  }
  const std::string& str() const { return out_; }

 private:
  void Tag(uint32_t field, uint32_t wire) { PutVarint((static_cast<uint64_t>(field) << 3) | wire); }
  void PutVarint(uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>((v & 0x7F) | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }
  std::string out_;
};

// "k8s\0" + runtime.Unknown{typeMeta{apiVersion, kind}, raw, contentEncoding, contentType}.
std::string Body(std::string_view api_version, std::string_view kind, const Enc& raw,
                 std::string_view content_encoding = "") {
  Enc u;
  u.Msg(1, Enc().Bytes(1, api_version).Bytes(2, kind)).Msg(2, raw).Bytes(3, content_encoding).Bytes(4, "");
  return std::string(kProtobufMagic) + u.str();
}

// Well-known messages: metav1.Time / MicroTime, intstr.IntOrString, resource.Quantity.
Enc Time(int64_t seconds, int32_t nanos = 0) { return Enc().Int(1, seconds).Int(2, nanos); }
Enc IntStr(int32_t v) { return Enc().Int(1, 0).Int(2, v).Bytes(3, ""); }
Enc IntStr(std::string_view v) { return Enc().Int(1, 1).Int(2, 0).Bytes(3, v); }
Enc Qty(std::string_view v) { return Enc().Bytes(1, v); }
Enc Meta(std::string_view name, std::string_view ns = "") {
  Enc m;
  m.Bytes(1, name).Bytes(2, "");
  if (!ns.empty()) m.Bytes(3, ns);
  return m.Int(7, 0).Msg(8, Enc());  // gogo writes the zero generation and creationTimestamp
}

json Decode(const std::string& body) {
  Result<json> r = DecodeKubernetesProtobuf(body);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : json();
}

// --- wire reader -----------------------------------------------------------------------------

TEST(ProtoReaderTest, ReadsEveryWireType) {
  Enc e;
  e.Varint(1, 150).Fixed64(2, 0x0102030405060708ull).Bytes(3, "hi").Fixed32(4, 0xDEADBEEF).Int(5, -1);
  ProtoReader r(e.str());
  std::vector<ProtoField> fields;
  while (!r.done()) {
    Result<ProtoField> f = r.Next();
    ASSERT_TRUE(f.ok()) << f.error().message;
    fields.push_back(f.value());
  }
  ASSERT_EQ(fields.size(), 5u);
  EXPECT_EQ(fields[0].number, 1u);
  EXPECT_EQ(fields[0].varint, 150u);
  EXPECT_EQ(fields[1].type, WireType::kFixed64);
  EXPECT_EQ(fields[1].varint, 0x0102030405060708ull);
  EXPECT_EQ(fields[2].bytes, "hi");
  EXPECT_EQ(fields[3].type, WireType::kFixed32);
  EXPECT_EQ(fields[3].varint, 0xDEADBEEFu);
  EXPECT_EQ(fields[4].AsInt64(), -1);  // ten-byte varint
}

TEST(ProtoReaderTest, RejectsMalformedInput) {
  struct Case {
    const char* name;
    std::string bytes;
    const char* message_part;
  };
  const std::vector<Case> cases = {
      {"truncated tag", B({0x80}), "truncated or overlong field tag"},
      {"field number zero", B({0x00, 0x01}), "invalid field number 0"},
      {"truncated varint", B({0x08, 0x96}), "truncated varint in field 1"},
      {"overlong varint", B({0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}), "truncated varint"},
      {"truncated fixed64", B({0x11, 1, 2, 3}), "truncated fixed64 in field 2"},
      {"truncated fixed32", B({0x25, 1, 2}), "truncated fixed32 in field 4"},
      {"length past end", B({0x1A, 0x05, 'a', 'b'}), "length 5 of field 3 runs past the end of the message"},
      {"huge length", B({0x1A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F}), "runs past the end"},
      {"group wire type", B({0x0B}), "unsupported wire type 3 in field 1"},
      {"wire type 7", B({0x0F}), "unsupported wire type 7"},
  };
  for (const Case& c : cases) {
    ProtoReader r(c.bytes);
    Result<ProtoField> f = r.Next();
    ASSERT_FALSE(f.ok()) << c.name;
    EXPECT_EQ(f.error().code, 400) << c.name;
    EXPECT_EQ(f.error().reason, "BadRequest") << c.name;
    EXPECT_NE(f.error().message.find(c.message_part), std::string::npos) << c.name << ": " << f.error().message;
  }
}

// --- hand-written helm Secret ----------------------------------------------------------------

// What helm's Secrets driver sends when it stores release "demo" revision 1 (the release
// payload shortened to "H4sIAAAA", the start of its base64 gzip text).
std::string HelmSecretFixture() {
  std::string meta = B({0x0A, 0x1A}) + "sh.helm.release.v1.demo.v1"  // 1 name (26)
                     + B({0x1A, 0x07}) + "default"                     // 3 namespace
                     + B({0x5A, 0x0C, 0x0A, 0x04}) + "name" + B({0x12, 0x04}) + "demo"             // 11 labels
                     + B({0x5A, 0x0D, 0x0A, 0x05}) + "owner" + B({0x12, 0x04}) + "helm"            // 11
                     + B({0x5A, 0x12, 0x0A, 0x06}) + "status" + B({0x12, 0x08}) + "deployed"       // 11
                     + B({0x5A, 0x0C, 0x0A, 0x07}) + "version" + B({0x12, 0x01}) + "1";            // 11
  std::string secret = B({0x0A, 0x64}) + meta                                                     // 1 metadata (100)
                       + B({0x12, 0x13, 0x0A, 0x07}) + "release" + B({0x12, 0x08}) + "H4sIAAAA"  // 2 data
                       + B({0x1A, 0x12}) + "helm.sh/release.v1";                                  // 3 type
  return std::string("k8s") + B({0x00})                          // magic
         + B({0x0A, 0x0C, 0x0A, 0x02}) + "v1" + B({0x12, 0x06}) + "Secret"  // 1 typeMeta
         + B({0x12, 0x8F, 0x01}) + secret                         // 2 raw (143)
         + B({0x1A, 0x00, 0x22, 0x00});                           // 3 contentEncoding, 4 contentType
}

TEST(DecodeKubernetesProtobufTest, HandWrittenHelmSecret) {
  const std::string body = HelmSecretFixture();
  ASSERT_EQ(body.size(), 4u + 14u + 146u + 4u);
  const json want = json::parse(R"({
    "apiVersion": "v1", "kind": "Secret",
    "metadata": {"name": "sh.helm.release.v1.demo.v1", "namespace": "default",
                 "labels": {"name": "demo", "owner": "helm", "status": "deployed", "version": "1"}},
    "data": {"release": "SDRzSUFBQUE="},
    "type": "helm.sh/release.v1"
  })");
  EXPECT_EQ(Decode(body), want);
}

// --- encoder-built fixtures --------------------------------------------------------------------

Enc FullObjectMeta() {
  Enc meta;
  meta.Bytes(1, "web")
      .Bytes(2, "web-")
      .Bytes(3, "prod")
      .Bytes(4, "/api/v1/namespaces/prod/secrets/web")
      .Bytes(5, "0f0e")
      .Bytes(6, "42")
      .Int(7, 3)
      .Msg(8, Enc().Int(1, 1700000000).Int(2, 999))  // nanos dropped
      .Msg(9, Enc().Int(1, 0))                        // epoch, explicit
      .Int(10, 30)
      .MapEntry(11, "app", "web")
      .MapEntry(11, "tier", "front")
      .MapEntry(12, "note", "a=b,c")
      .Msg(13, Enc().Bytes(1, "Deployment").Bytes(3, "web").Bytes(4, "uid-1").Bytes(5, "apps/v1").Varint(6, 1)
                   .Varint(7, 0))
      .Bytes(14, "example.com/cleanup")
      .Bytes(14, "kubernetes")
      .Msg(17, Enc()
                   .Bytes(1, "kubectl")
                   .Bytes(2, "Apply")
                   .Bytes(3, "v1")
                   .Msg(4, Enc().Int(1, 1700000000))
                   .Bytes(6, "FieldsV1")
                   .Msg(7, Enc().Bytes(1, R"({"f:data":{".":{}}})"))
                   .Bytes(8, ""));
  return meta;
}

TEST(DecodeKubernetesProtobufTest, SecretWithFullObjectMeta) {
  Enc secret;
  secret.Msg(1, FullObjectMeta())
      .MapEntry(2, "bin", std::string("\x00\xFF\x10", 3))
      .MapEntry(2, "empty", "")
      .Bytes(3, "Opaque")
      .MapEntry(4, "plain", "text")
      .Varint(5, 0);
  const json want = json::parse(R"({
    "apiVersion": "v1", "kind": "Secret",
    "metadata": {
      "name": "web", "generateName": "web-", "namespace": "prod",
      "selfLink": "/api/v1/namespaces/prod/secrets/web", "uid": "0f0e", "resourceVersion": "42",
      "generation": 3, "creationTimestamp": "2023-11-14T22:13:20Z",
      "deletionTimestamp": "1970-01-01T00:00:00Z", "deletionGracePeriodSeconds": 30,
      "labels": {"app": "web", "tier": "front"}, "annotations": {"note": "a=b,c"},
      "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "uid-1",
                           "controller": true, "blockOwnerDeletion": false}],
      "finalizers": ["example.com/cleanup", "kubernetes"],
      "managedFields": [{"manager": "kubectl", "operation": "Apply", "apiVersion": "v1",
                         "time": "2023-11-14T22:13:20Z", "fieldsType": "FieldsV1",
                         "fieldsV1": {"f:data": {".": {}}}}]
    },
    "data": {"bin": "AP8Q", "empty": ""},
    "type": "Opaque",
    "stringData": {"plain": "text"},
    "immutable": false
  })");
  EXPECT_EQ(Decode(Body("v1", "Secret", secret)), want);
}

TEST(DecodeKubernetesProtobufTest, EmptyValuesAreOmittedLikeGoOmitempty) {
  // gogo-protobuf writes every non-pointer field, even when empty; Go's JSON then omits them.
  Enc meta;
  meta.Bytes(1, "x").Bytes(2, "").Bytes(3, "").Bytes(6, "").Int(7, 0).Msg(8, Enc()).Msg(9, Enc());
  Enc cm;
  cm.Msg(1, meta);
  const json want = json::parse(R"({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})");
  EXPECT_EQ(Decode(Body("v1", "ConfigMap", cm)), want);
  // An owner reference keeps its required fields even when empty.
  Enc meta2;
  meta2.Msg(13, Enc());
  const json got = Decode(Body("v1", "ConfigMap", Enc().Msg(1, meta2)));
  EXPECT_EQ(got["metadata"]["ownerReferences"],
            json::parse(R"([{"apiVersion": "", "kind": "", "name": "", "uid": ""}])"));
  // No metadata at all still yields an (empty) metadata object.
  EXPECT_EQ(Decode(Body("v1", "Secret", Enc())),
            json::parse(R"({"apiVersion": "v1", "kind": "Secret", "metadata": {}})"));
}

TEST(DecodeKubernetesProtobufTest, ConfigMap) {
  Enc cm;
  cm.Msg(1, Enc().Bytes(1, "settings").Bytes(3, "default"))
      .MapEntry(2, "config.yaml", "a: 1\n")
      .MapEntry(3, "logo.png", "\x89PNG")
      .Varint(4, 1);
  const json want = json::parse(R"({
    "apiVersion": "v1", "kind": "ConfigMap",
    "metadata": {"name": "settings", "namespace": "default"},
    "data": {"config.yaml": "a: 1\n"},
    "binaryData": {"logo.png": "iVBORw=="},
    "immutable": true
  })");
  EXPECT_EQ(Decode(Body("v1", "ConfigMap", cm)), want);
}

TEST(DecodeKubernetesProtobufTest, DeleteOptions) {
  Enc opts;
  opts.Int(1, 0)
      .Msg(2, Enc().Bytes(1, "uid-7").Bytes(2, "12"))
      .Varint(3, 0)
      .Bytes(4, "Foreground")
      .Bytes(5, "All")
      .Varint(6, 1);
  const json want = json::parse(R"({
    "apiVersion": "meta.k8s.io/v1", "kind": "DeleteOptions",
    "gracePeriodSeconds": 0, "preconditions": {"uid": "uid-7", "resourceVersion": "12"},
    "orphanDependents": false, "propagationPolicy": "Foreground", "dryRun": ["All"],
    "ignoreStoreReadErrorWithClusterBreakingPotential": true
  })");
  EXPECT_EQ(Decode(Body("meta.k8s.io/v1", "DeleteOptions", opts)), want);

  // client-go sends DeleteOptions under the resource's group version; an empty body is valid.
  EXPECT_EQ(Decode(Body("v1", "DeleteOptions", Enc())),
            json::parse(R"({"apiVersion": "v1", "kind": "DeleteOptions"})"));
  EXPECT_EQ(Decode(Body("apps/v1", "DeleteOptions", Enc().Int(1, -1)))["gracePeriodSeconds"], -1);
}

// Nothing is dropped silently: a field number the descriptor does not know fails the whole
// decode with 415, naming the message and the number, whatever its wire type and depth.
TEST(DecodeKubernetesProtobufTest, RefusesUnknownFieldsOfEveryWireType) {
  struct Case {
    const char* name;
    std::string body;
    const char* message_part;
  };
  const std::vector<Case> cases = {
      {"varint", Body("v1", "Secret", Enc().Varint(99, 7)), "field 99 of io.k8s.api.core.v1.Secret"},
      {"fixed64", Body("v1", "Secret", Enc().Fixed64(100, 1)), "field 100 of io.k8s.api.core.v1.Secret"},
      {"fixed32", Body("v1", "Secret", Enc().Fixed32(101, 2)), "field 101 of io.k8s.api.core.v1.Secret"},
      {"bytes", Body("v1", "Secret", Enc().Bytes(102, "zzz")), "field 102 of io.k8s.api.core.v1.Secret"},
      {"in metadata", Body("v1", "ConfigMap", Enc().Msg(1, Enc().Bytes(1, "n").Bytes(15, "cluster"))),
       "field 15 of io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
      {"in an owner reference", Body("v1", "ConfigMap", Enc().Msg(1, Enc().Msg(13, Enc().Varint(9, 1)))),
       "field 9 of io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference"},
      {"in a time", Body("v1", "ConfigMap", Enc().Msg(1, Enc().Msg(8, Time(1).Varint(3, 1)))),
       "field 3 of io.k8s.apimachinery.pkg.apis.meta.v1.Time"},
      {"in a map entry", Body("v1", "ConfigMap", Enc().Msg(2, Enc().Bytes(1, "k").Bytes(2, "v").Bytes(3, "x"))),
       "field 3 of io.k8s.api.core.v1.ConfigMap.data map entry"},
  };
  for (const Case& c : cases) {
    Result<json> r = DecodeKubernetesProtobuf(c.body);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code, 415) << c.name;
    EXPECT_EQ(r.error().reason, "UnsupportedMediaType") << c.name;
    EXPECT_NE(r.error().message.find(c.message_part), std::string::npos) << c.name << ": " << r.error().message;
    EXPECT_NE(r.error().message.find("is not understood by kube-sim; send the object as application/json"),
              std::string::npos)
        << c.name << ": " << r.error().message;
  }
}

TEST(DecodeKubernetesProtobufTest, LastValueWinsAndMapKeysOverride) {
  Enc secret;
  secret.Bytes(3, "first").Bytes(3, "second").MapEntry(2, "k", "a").MapEntry(2, "k", "b");
  const json got = Decode(Body("v1", "Secret", secret));
  EXPECT_EQ(got["type"], "second");
  EXPECT_EQ(got["data"], json::parse(R"({"k": "Yg=="})"));
}

TEST(DecodeKubernetesProtobufTest, InvalidUtf8IsReplacedLikeGo) {
  Enc cm;
  cm.Msg(1, Enc().Bytes(1, "ok")).MapEntry(2, "k", "a\xFF" "b\xC3");
  const json got = Decode(Body("v1", "ConfigMap", cm));
  EXPECT_EQ(got["data"]["k"], "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  EXPECT_NO_THROW((void)got.dump());
}

TEST(DecodeKubernetesProtobufTest, TimestampsAtTheEdgesOfTheRange) {
  auto created = [](int64_t seconds) {
    Enc meta;
    meta.Msg(8, Enc().Int(1, seconds));
    return Body("v1", "Secret", Enc().Msg(1, meta));
  };
  EXPECT_EQ(Decode(created(-62135596800))["metadata"]["creationTimestamp"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(Decode(created(253402300799))["metadata"]["creationTimestamp"], "9999-12-31T23:59:59Z");
  EXPECT_EQ(Decode(created(951782400))["metadata"]["creationTimestamp"], "2000-02-29T00:00:00Z");
  EXPECT_EQ(Decode(created(-1))["metadata"]["creationTimestamp"], "1969-12-31T23:59:59Z");
}

TEST(DecodeKubernetesProtobufTest, Errors) {
  struct Case {
    const char* name;
    std::string body;
    int code;
    const char* message_part;
  };
  const std::string magic(kProtobufMagic);
  Enc meta_wrong_type;
  meta_wrong_type.Varint(1, 5);  // name as a varint
  Enc bad_fields;
  bad_fields.Msg(17, Enc().Msg(7, Enc().Bytes(1, "{not json")));
  const std::vector<Case> cases = {
      {"empty body", "", 400, "expected prefix [107 56 115 0]"},
      {"json body", R"({"kind":"Secret"})", 400, "does not appear to be a protobuf message"},
      {"magic only", magic, 400, "Object 'Kind' is missing"},
      {"truncated unknown", magic + B({0x0A, 0x10, 0x0A}), 400, "runs past the end"},
      {"garbage", magic + B({0xFF, 0xFF, 0xFF}), 400, "unable to decode protobuf body"},
      {"truncated helm secret", HelmSecretFixture().substr(0, 60), 400, "runs past the end"},
      {"typeMeta as varint", magic + B({0x08, 0x01}), 400, "wrong wire type 0 (varint) for field Unknown.typeMeta"},
      {"wrong wire type in meta", Body("v1", "Secret", Enc().Msg(1, meta_wrong_type)), 400,
       "wrong wire type 0 (varint) for field ObjectMeta.name"},
      {"immutable as bytes", Body("v1", "ConfigMap", Enc().Bytes(4, "x")), 400,
       "wrong wire type 2 (length-delimited) for field ConfigMap.immutable"},
      {"corrupt nested map entry", Body("v1", "Secret", Enc().Bytes(2, B({0x0A, 0x09, 'k'}))), 400,
       "runs past the end"},
      {"fieldsV1 not json", Body("v1", "Secret", Enc().Msg(1, bad_fields)), 400,
       "ManagedFieldsEntry.fieldsV1 is not valid JSON"},
      {"timestamp out of range", Body("v1", "Secret", Enc().Msg(1, Enc().Msg(8, Enc().Int(1, 253402300800)))), 400,
       "timestamp 253402300800 out of range"},
      {"node", Body("v1", "Node", Enc()), 415, "apiVersion \"v1\", kind \"Node\""},
      {"secret in the wrong group", Body("apps/v1", "Secret", Enc()), 415, "kind \"Secret\""},
      {"statefulset", Body("apps/v1", "StatefulSet", Enc()), 415, "kind \"StatefulSet\""},
      {"deployment in the core group", Body("v1", "Deployment", Enc()), 415, "kind \"Deployment\""},
      {"gzip encoding", Body("v1", "Secret", Enc(), "gzip"), 415, "contentEncoding \"gzip\""},
  };
  for (const Case& c : cases) {
    Result<json> r = DecodeKubernetesProtobuf(c.body);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code, c.code) << c.name;
    EXPECT_EQ(r.error().reason, c.code == 400 ? "BadRequest" : "UnsupportedMediaType") << c.name;
    EXPECT_NE(r.error().message.find(c.message_part), std::string::npos) << c.name << ": " << r.error().message;
  }
}

TEST(DecodeKubernetesProtobufTest, NeverReadsPastAnyPrefixOfAValidBody) {
  // Every strict prefix of a valid body is either rejected or decodes; none may crash
  // (run under ASan/valgrind to make the bounds checks visible).
  Enc secret;
  secret.Msg(1, FullObjectMeta()).MapEntry(2, "k", "v").Bytes(3, "Opaque");
  const std::string body = Body("v1", "Secret", secret);
  for (size_t n = 0; n < body.size(); ++n) {
    Result<json> r = DecodeKubernetesProtobuf(std::string_view(body).substr(0, n));
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, 400) << n;
    }
  }
}


// --- descriptor table --------------------------------------------------------------------------

TEST(ProtoDescriptorsTest, TableIsConsistent) {
  for (const protodesc::MessageDescriptor& d : protodesc::AllMessages()) {
    EXPECT_EQ(protodesc::FindMessage(d.name), &d) << d.name << " is listed twice";
    std::set<uint32_t> numbers;
    std::set<std::string_view> names;
    for (const protodesc::FieldDescriptor& f : d.fields) {
      EXPECT_TRUE(numbers.insert(f.number).second) << d.name << " field " << f.number << " twice";
      EXPECT_TRUE(names.insert(f.json_name).second) << d.name << "." << f.json_name << " twice";
      const bool refers = f.kind == protodesc::FieldKind::kMessage || f.kind == protodesc::FieldKind::kMessageMap;
      EXPECT_EQ(refers, !f.type.empty()) << d.name << "." << f.json_name;
      if (refers) {
        EXPECT_NE(protodesc::FindMessage(f.type), nullptr) << d.name << "." << f.json_name << " → " << f.type;
      }
      if (f.Has(protodesc::kInline)) {
        EXPECT_EQ(f.kind, protodesc::FieldKind::kMessage) << d.name << "." << f.json_name;
      }
    }
  }
  for (const protodesc::KindDescriptor& k : protodesc::AllKinds()) {
    EXPECT_NE(protodesc::FindMessage(k.message), nullptr) << k.kind;
  }
}

// --- kinds kubectl's typed subcommands send ------------------------------------------------------

TEST(DecodeKubernetesProtobufTest, Namespace) {
  // kubectl create namespace x: gogo writes the empty spec and status too.
  Enc ns;
  ns.Msg(1, Meta("x")).Msg(2, Enc()).Msg(3, Enc().Bytes(1, ""));
  EXPECT_EQ(Decode(Body("v1", "Namespace", ns)), json::parse(R"({
    "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}, "spec": {}, "status": {}
  })"));
  Enc full;
  full.Msg(1, Meta("y").MapEntry(11, "team", "a"))
      .Msg(2, Enc().Bytes(1, "kubernetes"))
      .Msg(3, Enc().Bytes(1, "Terminating").Msg(2, Enc().Bytes(1, "NamespaceDeletionDiscoveryFailure")
                                                    .Bytes(2, "False").Msg(4, Time(1700000000)).Bytes(5, "")));
  EXPECT_EQ(Decode(Body("v1", "Namespace", full)), json::parse(R"({
    "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "y", "labels": {"team": "a"}},
    "spec": {"finalizers": ["kubernetes"]},
    "status": {"phase": "Terminating", "conditions": [{"type": "NamespaceDeletionDiscoveryFailure",
               "status": "False", "lastTransitionTime": "2023-11-14T22:13:20Z"}]}
  })"));
}

Enc WebContainer() {
  Enc c;
  c.Bytes(1, "web")
      .Bytes(2, "nginx:1.25")
      .Bytes(3, "nginx")
      .Bytes(4, "-g")
      .Bytes(4, "daemon off;")
      .Bytes(5, "")
      .Msg(6, Enc().Bytes(1, "http").Int(2, 0).Int(3, 80).Bytes(4, "TCP").Bytes(5, ""))
      .Msg(6, Enc().Bytes(1, "").Int(2, 0).Int(3, 9090).Bytes(4, "UDP").Bytes(5, ""))
      .Msg(19, Enc().Bytes(1, "APP_").Msg(3, Enc().Msg(1, Enc().Bytes(1, "web-env")).Bool(2, true)))
      .Msg(7, Enc().Bytes(1, "MODE").Bytes(2, "prod"))
      .Msg(7, Enc().Bytes(1, "DB_PASSWORD").Bytes(2, "").Msg(3, Enc().Msg(4, Enc().Msg(1, Enc().Bytes(1, "db"))
                                                                                 .Bytes(2, "password"))))
      .Msg(7, Enc().Bytes(1, "POD_IP").Bytes(2, "").Msg(3, Enc().Msg(1, Enc().Bytes(1, "v1").Bytes(2, "status.podIP"))))
      .Msg(8, Enc()
                  .MsgMapEntry(1, "cpu", Qty("500m"))
                  .MsgMapEntry(1, "memory", Qty("256Mi"))
                  .MsgMapEntry(2, "cpu", Qty("250m"))
                  .MsgMapEntry(2, "memory", Qty("128Mi")))
      .Msg(9, Enc().Bytes(1, "config").Bool(2, true).Bytes(3, "/etc/web").Bytes(4, "").Bytes(6, ""))
      .Msg(10, Enc()
                   .Msg(1, Enc().Msg(2, Enc().Bytes(1, "/healthz").Msg(2, IntStr("http")).Bytes(3, "").Bytes(4, "HTTP")
                                         .Msg(5, Enc().Bytes(1, "X-Probe").Bytes(2, "live"))))
                   .Int(2, 5).Int(3, 1).Int(4, 10).Int(5, 1).Int(6, 3))
      .Msg(11, Enc().Msg(1, Enc().Msg(3, Enc().Msg(1, IntStr(80)).Bytes(2, ""))).Int(2, 0).Int(3, 0).Int(4, 5)
                   .Int(5, 0).Int(6, 0))
      .Msg(12, Enc().Msg(2, Enc().Msg(1, Enc().Bytes(1, "sh").Bytes(1, "-c").Bytes(1, "sleep 5"))))
      .Bytes(13, "/dev/termination-log")
      .Bytes(20, "File")
      .Bytes(14, "IfNotPresent")
      .Msg(15, Enc().Msg(1, Enc().Bytes(2, "ALL")).Int(4, 1000).Bool(5, true).Bool(7, false)
                   .Msg(11, Enc().Bytes(1, "RuntimeDefault")))
      .Bool(16, false)
      .Bool(17, false)
      .Bool(18, false);
  return c;
}

Enc SidecarContainer() {
  Enc c;
  c.Bytes(1, "log-shipper")
      .Bytes(2, "busybox:1.36")
      .Bytes(3, "sh")
      .Bytes(3, "-c")
      .Bytes(3, "tail -F /var/log/web/access.log")
      .Bytes(5, "")
      .Msg(8, Enc())
      .Msg(9, Enc().Bytes(1, "logs").Bool(2, false).Bytes(3, "/var/log/web").Bytes(4, "").Bytes(6, ""))
      .Msg(22, Enc().Msg(1, Enc().Msg(1, Enc().Bytes(1, "true"))).Int(2, 0).Int(3, 0).Int(4, 0).Int(5, 0)
                   .Int(6, 30))
      .Bytes(13, "/dev/termination-log")
      .Bytes(20, "File")
      .Bytes(14, "Always")
      .Bool(16, false)
      .Bool(17, false)
      .Bool(18, false);
  return c;
}

Enc WebPodSpec() {
  Enc spec;
  spec.Msg(1, Enc().Bytes(1, "config").Msg(2, Enc().Msg(19, Enc().Msg(1, Enc().Bytes(1, "web-config")).Int(3, 420))))
      .Msg(1, Enc().Bytes(1, "tls").Msg(2, Enc().Msg(6, Enc().Bytes(1, "web-tls").Msg(2, Enc().Bytes(1, "tls.crt")
                                                                                          .Bytes(2, "cert.pem")))))
      .Msg(1, Enc().Bytes(1, "logs").Msg(2, Enc().Msg(2, Enc().Bytes(1, "").Msg(2, Qty("1Gi")))))
      .Msg(1, Enc().Bytes(1, "data").Msg(2, Enc().Msg(10, Enc().Bytes(1, "web-data").Bool(2, false))))
      .Msg(1, Enc().Bytes(1, "token").Msg(2, Enc().Msg(26, Enc().Msg(1, Enc().Msg(4, Enc().Bytes(1, "vault")
                                                                                          .Int(2, 3600)
                                                                                          .Bytes(3, "token"))))))
      .Msg(2, WebContainer())
      .Msg(2, SidecarContainer())
      .Bytes(3, "Always")
      .Int(4, 30)
      .Bytes(6, "ClusterFirst")
      .MapEntry(7, "disk", "ssd")
      .Bytes(8, "web")
      .Bytes(9, "web")
      .Bytes(10, "")
      .Bool(11, false)
      .Bool(12, false)
      .Bool(13, false)
      .Msg(14, Enc().Bool(3, true).Int(5, 2000))
      .Msg(15, Enc().Bytes(1, "registry"))
      .Bytes(16, "")
      .Bytes(17, "")
      .Bytes(19, "default-scheduler")
      .Msg(22, Enc().Bytes(1, "dedicated").Bytes(2, "Equal").Bytes(3, "web").Bytes(4, "NoSchedule"))
      .Msg(22, Enc().Bytes(1, "node.kubernetes.io/not-ready").Bytes(2, "Exists").Bytes(3, "").Bytes(4, "NoExecute")
                   .Int(5, 300))
      .Bytes(24, "");
  return spec;
}

const char* kWebPodSpecJson = R"({
  "volumes": [
    {"name": "config", "configMap": {"name": "web-config", "defaultMode": 420}},
    {"name": "tls", "secret": {"secretName": "web-tls", "items": [{"key": "tls.crt", "path": "cert.pem"}]}},
    {"name": "logs", "emptyDir": {"sizeLimit": "1Gi"}},
    {"name": "data", "persistentVolumeClaim": {"claimName": "web-data"}},
    {"name": "token", "projected": {"sources": [{"serviceAccountToken": {"audience": "vault",
                                                 "expirationSeconds": 3600, "path": "token"}}]}}
  ],
  "containers": [
    {
      "name": "web", "image": "nginx:1.25", "command": ["nginx"], "args": ["-g", "daemon off;"],
      "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"},
                {"containerPort": 9090, "protocol": "UDP"}],
      "envFrom": [{"prefix": "APP_", "secretRef": {"name": "web-env", "optional": true}}],
      "env": [
        {"name": "MODE", "value": "prod"},
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
        {"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}}
      ],
      "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "250m", "memory": "128Mi"}},
      "volumeMounts": [{"name": "config", "readOnly": true, "mountPath": "/etc/web"}],
      "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP",
                                    "httpHeaders": [{"name": "X-Probe", "value": "live"}]},
                        "initialDelaySeconds": 5, "timeoutSeconds": 1, "periodSeconds": 10,
                        "successThreshold": 1, "failureThreshold": 3},
      "readinessProbe": {"tcpSocket": {"port": 80}, "periodSeconds": 5},
      "lifecycle": {"preStop": {"exec": {"command": ["sh", "-c", "sleep 5"]}}},
      "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
      "imagePullPolicy": "IfNotPresent",
      "securityContext": {"capabilities": {"drop": ["ALL"]}, "runAsUser": 1000, "runAsNonRoot": true,
                          "allowPrivilegeEscalation": false, "seccompProfile": {"type": "RuntimeDefault"}}
    },
    {
      "name": "log-shipper", "image": "busybox:1.36", "command": ["sh", "-c", "tail -F /var/log/web/access.log"],
      "resources": {},
      "volumeMounts": [{"name": "logs", "mountPath": "/var/log/web"}],
      "startupProbe": {"exec": {"command": ["true"]}, "failureThreshold": 30},
      "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
      "imagePullPolicy": "Always"
    }
  ],
  "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
  "nodeSelector": {"disk": "ssd"}, "serviceAccountName": "web", "serviceAccount": "web",
  "securityContext": {"runAsNonRoot": true, "fsGroup": 2000},
  "imagePullSecrets": [{"name": "registry"}],
  "schedulerName": "default-scheduler",
  "tolerations": [
    {"key": "dedicated", "operator": "Equal", "value": "web", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
  ]
})";

TEST(DecodeKubernetesProtobufTest, DeploymentWithARealisticPodTemplate) {
  Enc spec;
  spec.Int(1, 2)
      .Msg(2, Enc().MapEntry(1, "app", "web"))
      .Msg(3, Enc().Msg(1, Enc().Bytes(1, "").Int(7, 0).Msg(8, Enc()).MapEntry(11, "app", "web")).Msg(2, WebPodSpec()))
      .Msg(4, Enc().Bytes(1, "RollingUpdate").Msg(2, Enc().Msg(1, IntStr(0)).Msg(2, IntStr("25%"))))
      .Int(5, 0)
      .Int(6, 10)
      .Bool(7, false)
      .Int(9, 600);
  Enc status;  // what kubectl sends: every non-pointer counter, all zero
  status.Int(1, 0).Int(2, 0).Int(3, 0).Int(4, 0).Int(5, 0).Int(7, 0);
  Enc deployment;
  deployment.Msg(1, Meta("web", "prod").MapEntry(11, "app", "web")).Msg(2, spec).Msg(3, status);

  json want = json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "prod", "labels": {"app": "web"}},
    "spec": {
      "replicas": 2,
      "selector": {"matchLabels": {"app": "web"}},
      "template": {"metadata": {"labels": {"app": "web"}}},
      "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}},
      "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600
    },
    "status": {}
  })");
  want["spec"]["template"]["spec"] = json::parse(kWebPodSpecJson);
  EXPECT_EQ(Decode(Body("apps/v1", "Deployment", deployment)), want);

  // The same pod spec as a bare Pod (kubectl run), with an empty status.
  Enc pod;
  pod.Msg(1, Meta("p", "prod")).Msg(2, WebPodSpec()).Msg(3, Enc().Bytes(1, "").Bytes(3, "").Bytes(4, "").Bytes(9, ""));
  json want_pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "p"}, {"namespace", "prod"}}},
                   {"spec", json::parse(kWebPodSpecJson)}, {"status", json::object()}};
  EXPECT_EQ(Decode(Body("v1", "Pod", pod)), want_pod);
}

TEST(DecodeKubernetesProtobufTest, JobAndCronJob) {
  // kubectl create job j --image=busybox -- echo hi
  Enc pod_spec;
  pod_spec.Msg(2, Enc().Bytes(1, "j").Bytes(2, "busybox").Bytes(3, "echo").Bytes(3, "hi").Msg(8, Enc()))
      .Bytes(3, "Never");
  Enc job_spec;
  job_spec.Msg(6, Enc().Msg(1, Meta("")).Msg(2, pod_spec)).Int(7, 0).Bool(10, false).Bytes(9, "NonIndexed");
  Enc job;
  job.Msg(1, Meta("j", "default")).Msg(2, job_spec).Msg(3, Enc().Int(4, 0).Int(5, 0).Int(6, 0).Bytes(7, ""));
  const json job_spec_json = json::parse(R"({
    "template": {"metadata": {}, "spec": {"containers": [{"name": "j", "image": "busybox",
                 "command": ["echo", "hi"], "resources": {}}], "restartPolicy": "Never"}},
    "backoffLimit": 0, "suspend": false, "completionMode": "NonIndexed"
  })");
  EXPECT_EQ(Decode(Body("batch/v1", "Job", job)),
            json({{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"metadata", {{"name", "j"}, {"namespace", "default"}}},
                  {"spec", job_spec_json}, {"status", json::object()}}));

  // kubectl create cronjob c --image=busybox --schedule='*/5 * * * *' -- date
  Enc cron_spec;
  cron_spec.Bytes(1, "*/5 * * * *")
      .Bytes(3, "Allow")
      .Msg(5, Enc().Msg(1, Meta("c")).Msg(2, job_spec))
      .Int(6, 3)
      .Int(7, 1)
      .Bytes(8, "Etc/UTC")
      .Int(2, 0);
  Enc cron;
  cron.Msg(1, Meta("c", "default")).Msg(2, cron_spec).Msg(3, Enc().Msg(4, Time(1700000000)));
  json want = json::parse(R"({
    "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c", "namespace": "default"},
    "spec": {"schedule": "*/5 * * * *", "concurrencyPolicy": "Allow", "successfulJobsHistoryLimit": 3,
             "failedJobsHistoryLimit": 1, "timeZone": "Etc/UTC", "startingDeadlineSeconds": 0,
             "jobTemplate": {"metadata": {"name": "c"}}},
    "status": {"lastScheduleTime": "2023-11-14T22:13:20Z"}
  })");
  want["spec"]["jobTemplate"]["spec"] = job_spec_json;
  EXPECT_EQ(Decode(Body("batch/v1", "CronJob", cron)), want);
}

TEST(DecodeKubernetesProtobufTest, ServiceWithANamedTargetPort) {
  // kubectl expose deployment web --port 80 --target-port http
  Enc spec;
  spec.Msg(1, Enc().Bytes(1, "").Bytes(2, "TCP").Int(3, 80).Msg(4, IntStr("http")).Int(5, 0))
      .Msg(1, Enc().Bytes(1, "metrics").Bytes(2, "TCP").Int(3, 9090).Msg(4, IntStr(9091)).Int(5, 0)
                  .Bytes(6, "http"))
      .MapEntry(2, "app", "web")
      .Bytes(3, "")
      .Bytes(4, "ClusterIP")
      .Bytes(7, "None")
      .Bytes(8, "")
      .Bytes(10, "")
      .Bytes(11, "")
      .Int(12, 0)
      .Bool(13, false)
      .Msg(14, Enc().Msg(1, Enc().Int(1, 10800)))
      .Bytes(17, "SingleStack")
      .Bytes(19, "IPv4");
  Enc svc;
  svc.Msg(1, Meta("web", "default")).Msg(2, spec).Msg(3, Enc().Msg(1, Enc()));
  EXPECT_EQ(Decode(Body("v1", "Service", svc)), json::parse(R"({
    "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
    "spec": {
      "ports": [{"protocol": "TCP", "port": 80, "targetPort": "http"},
                {"name": "metrics", "protocol": "TCP", "port": 9090, "targetPort": 9091, "appProtocol": "http"}],
      "selector": {"app": "web"}, "type": "ClusterIP", "sessionAffinity": "None",
      "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}},
      "ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"]
    },
    "status": {"loadBalancer": {}}
  })"));
}

TEST(DecodeKubernetesProtobufTest, RbacKinds) {
  // kubectl create role r --verb=get --verb=list --resource=pods --resource-name=a
  Enc role;
  role.Msg(1, Meta("r", "default"))
      .Msg(2, Enc().Bytes(1, "get").Bytes(1, "list").Bytes(2, "").Bytes(3, "pods").Bytes(4, "a"));
  EXPECT_EQ(Decode(Body("rbac.authorization.k8s.io/v1", "Role", role)), json::parse(R"({
    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
    "metadata": {"name": "r", "namespace": "default"},
    "rules": [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["a"]}]
  })"));

  // kubectl create rolebinding rb --role=r --serviceaccount=default:sa --user=u
  Enc binding;
  binding.Msg(1, Meta("rb", "default"))
      .Msg(2, Enc().Bytes(1, "ServiceAccount").Bytes(2, "").Bytes(3, "sa").Bytes(4, "default"))
      .Msg(2, Enc().Bytes(1, "User").Bytes(2, "rbac.authorization.k8s.io").Bytes(3, "u").Bytes(4, ""))
      .Msg(3, Enc().Bytes(1, "rbac.authorization.k8s.io").Bytes(2, "Role").Bytes(3, "r"));
  EXPECT_EQ(Decode(Body("rbac.authorization.k8s.io/v1", "RoleBinding", binding)), json::parse(R"({
    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
    "metadata": {"name": "rb", "namespace": "default"},
    "subjects": [{"kind": "ServiceAccount", "name": "sa", "namespace": "default"},
                 {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "u"}],
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"}
  })"));

  Enc cluster_role;
  cluster_role.Msg(1, Meta("agg"))
      .Msg(2, Enc().Bytes(1, "get").Bytes(5, "/healthz"))
      .Msg(3, Enc().Msg(1, Enc().MapEntry(1, "rbac.example.com/aggregate", "true")
                               .Msg(2, Enc().Bytes(1, "tier").Bytes(2, "In").Bytes(3, "a").Bytes(3, "b"))));
  EXPECT_EQ(Decode(Body("rbac.authorization.k8s.io/v1", "ClusterRole", cluster_role)), json::parse(R"({
    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "agg"},
    "rules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}],
    "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"rbac.example.com/aggregate": "true"},
                        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]}]}
  })"));
}

TEST(DecodeKubernetesProtobufTest, LeaseWithMicroTime) {
  Enc spec;
  spec.Bytes(1, "node-a")
      .Int(2, 15)
      .Msg(3, Time(1700000000, 123456789))
      .Msg(4, Time(1700000015))
      .Int(5, 0);
  Enc lease;
  lease.Msg(1, Meta("leader", "kube-system")).Msg(2, spec);
  EXPECT_EQ(Decode(Body("coordination.k8s.io/v1", "Lease", lease)), json::parse(R"({
    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
    "metadata": {"name": "leader", "namespace": "kube-system"},
    "spec": {"holderIdentity": "node-a", "leaseDurationSeconds": 15,
             "acquireTime": "2023-11-14T22:13:20.123456Z", "renewTime": "2023-11-14T22:13:35.000000Z",
             "leaseTransitions": 0}
  })"));
  // Nanos outside [0, 1e9) are malformed.
  Enc bad;
  bad.Msg(1, Meta("l")).Msg(2, Enc().Msg(3, Time(1, 1000000000)));
  Result<json> r = DecodeKubernetesProtobuf(Body("coordination.k8s.io/v1", "Lease", bad));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 400);
}

TEST(DecodeKubernetesProtobufTest, Ingress) {
  // kubectl create ingress ing --class=nginx --rule="a.example.com/=web:80" --rule="b.example.com/api*=api:grpc,tls=b-tls"
  auto backend = [](std::string_view svc, const Enc& port) {
    return Enc().Msg(4, Enc().Bytes(1, svc).Msg(2, port));
  };
  Enc spec;
  spec.Bytes(4, "nginx")
      .Msg(2, Enc().Bytes(1, "b.example.com").Bytes(2, "b-tls"))
      .Msg(3, Enc().Bytes(1, "a.example.com")
                  .Msg(2, Enc().Msg(1, Enc().Msg(1, Enc().Bytes(1, "/").Bytes(3, "Exact")
                                                    .Msg(2, backend("web", Enc().Bytes(1, "").Int(2, 80)))))))
      .Msg(3, Enc().Bytes(1, "b.example.com")
                  .Msg(2, Enc().Msg(1, Enc().Msg(1, Enc().Bytes(1, "/api").Bytes(3, "Prefix")
                                                    .Msg(2, backend("api", Enc().Bytes(1, "grpc").Int(2, 0)))))))
      .Msg(1, Enc().Msg(3, Enc().Bytes(1, "k8s.example.com").Bytes(2, "StorageBucket").Bytes(3, "static")));
  Enc ing;
  ing.Msg(1, Meta("ing", "default")).Msg(2, spec).Msg(3, Enc().Msg(1, Enc()));
  EXPECT_EQ(Decode(Body("networking.k8s.io/v1", "Ingress", ing)), json::parse(R"({
    "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "ing", "namespace": "default"},
    "spec": {
      "ingressClassName": "nginx",
      "defaultBackend": {"resource": {"apiGroup": "k8s.example.com", "kind": "StorageBucket", "name": "static"}},
      "tls": [{"hosts": ["b.example.com"], "secretName": "b-tls"}],
      "rules": [
        {"host": "a.example.com", "http": {"paths": [{"path": "/", "pathType": "Exact",
          "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}},
        {"host": "b.example.com", "http": {"paths": [{"path": "/api", "pathType": "Prefix",
          "backend": {"service": {"name": "api", "port": {"name": "grpc"}}}}]}}
      ]
    },
    "status": {"loadBalancer": {}}
  })"));
}

TEST(DecodeKubernetesProtobufTest, PodDisruptionBudgetServiceAccountAndEvent) {
  Enc pdb;
  pdb.Msg(1, Meta("pdb", "default"))
      .Msg(2, Enc().Msg(1, IntStr(1)).Msg(2, Enc().MapEntry(1, "app", "web")))
      .Msg(3, Enc().Int(1, 0).Int(3, 0).Int(4, 0).Int(5, 0).Int(6, 0)
                  .MsgMapEntry(2, "web-1", Time(1700000000)));
  EXPECT_EQ(Decode(Body("policy/v1", "PodDisruptionBudget", pdb)), json::parse(R"({
    "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "pdb", "namespace": "default"},
    "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}},
    "status": {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0,
               "disruptedPods": {"web-1": "2023-11-14T22:13:20Z"}}
  })"));

  Enc sa;
  sa.Msg(1, Meta("sa", "default")).Msg(3, Enc().Bytes(1, "registry")).Bool(4, false);
  EXPECT_EQ(Decode(Body("v1", "ServiceAccount", sa)), json::parse(R"({
    "apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa", "namespace": "default"},
    "imagePullSecrets": [{"name": "registry"}], "automountServiceAccountToken": false
  })"));

  Enc event;
  event.Msg(1, Meta("web.1", "default"))
      .Msg(2, Enc().Bytes(1, "Pod").Bytes(2, "default").Bytes(3, "web").Bytes(4, "").Bytes(5, "v1").Bytes(6, "")
                  .Bytes(7, ""))
      .Bytes(3, "Started")
      .Bytes(4, "Started container web")
      .Msg(5, Enc().Bytes(1, "kubelet").Bytes(2, "node-a"))
      .Msg(6, Time(1700000000))
      .Msg(7, Time(1700000000))
      .Int(8, 1)
      .Bytes(9, "Normal")
      .Msg(10, Enc())
      .Bytes(12, "")
      .Bytes(14, "")
      .Bytes(15, "");
  EXPECT_EQ(Decode(Body("v1", "Event", event)), json::parse(R"({
    "apiVersion": "v1", "kind": "Event", "metadata": {"name": "web.1", "namespace": "default"},
    "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web", "apiVersion": "v1"},
    "reason": "Started", "message": "Started container web", "source": {"component": "kubelet", "host": "node-a"},
    "firstTimestamp": "2023-11-14T22:13:20Z", "lastTimestamp": "2023-11-14T22:13:20Z", "count": 1,
    "type": "Normal", "reportingComponent": "", "reportingInstance": ""
  })"));
}

TEST(DecodeKubernetesProtobufTest, PackedAndNegativeIntegers) {
  // Repeated varints are accepted packed as well as one per field; int32 -1 arrives as ten bytes.
  Enc packed_values;
  packed_values.Raw(B({0x01, 0x02, 0x96, 0x01}));  // 1, 2, 150
  Enc spec;
  spec.Msg(14, Enc().Bytes(4, packed_values.str()).Int(4, 7).Int(2, -1))
      .Msg(2, Enc().Bytes(1, "c").Msg(10, Enc().Int(2, -1)));
  const json got = Decode(Body("v1", "Pod", Enc().Msg(2, spec)));
  EXPECT_EQ(got["spec"]["securityContext"], json::parse(R"({"supplementalGroups": [1, 2, 150, 7], "runAsUser": -1})"));
  EXPECT_EQ(got["spec"]["containers"][0]["livenessProbe"]["initialDelaySeconds"], -1);
}

TEST(DecodeKubernetesProtobufTest, UnknownOrRefusedFieldsDeepInAPodTemplate) {
  auto deployment_with = [](const Enc& pod_spec) {
    return Body("apps/v1", "Deployment",
                Enc().Msg(1, Meta("web")).Msg(2, Enc().Msg(3, Enc().Msg(1, Meta("")).Msg(2, pod_spec))));
  };
  struct Case {
    const char* name;
    std::string body;
    const char* message_part;
  };
  const std::vector<Case> cases = {
      {"unknown pod spec field", deployment_with(Enc().Bytes(99, "future")),
       "field 99 of io.k8s.api.core.v1.PodSpec is not understood by kube-sim; send the object as application/json"},
      {"unknown container field",
       deployment_with(Enc().Msg(2, Enc().Bytes(1, "c").Varint(77, 1))),
       "field 77 of io.k8s.api.core.v1.Container is not understood by kube-sim"},
      {"unknown probe handler field",
       deployment_with(Enc().Msg(2, Enc().Bytes(1, "c").Msg(10, Enc().Msg(1, Enc().Msg(9, Enc()))))),
       "field 9 of io.k8s.api.core.v1.ProbeHandler"},
      {"refused volume plugin",
       deployment_with(Enc().Msg(1, Enc().Bytes(1, "v").Msg(2, Enc().Msg(14, Enc().Bytes(1, "mon"))))),
       "field 14 (cephfs) of io.k8s.api.core.v1.VolumeSource is not understood by kube-sim"},
  };
  for (const Case& c : cases) {
    Result<json> r = DecodeKubernetesProtobuf(c.body);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code, 415) << c.name;
    EXPECT_NE(r.error().message.find(c.message_part), std::string::npos) << c.name << ": " << r.error().message;
    EXPECT_NE(r.error().message.find("kind \"Deployment\""), std::string::npos) << c.name << ": " << r.error().message;
  }
}

TEST(DecodeKubernetesProtobufTest, TruncatedDeploymentIsABadRequest) {
  Enc deployment;
  deployment.Msg(1, Meta("web", "prod")).Msg(2, Enc().Int(1, 2).Msg(3, Enc().Msg(2, WebPodSpec())));
  const std::string body = Body("apps/v1", "Deployment", deployment);
  ASSERT_TRUE(DecodeKubernetesProtobuf(body).ok());
  Result<json> r = DecodeKubernetesProtobuf(std::string_view(body).substr(0, body.size() - 7));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 400);
  EXPECT_NE(r.error().message.find("unable to decode protobuf body"), std::string::npos) << r.error().message;
  // No strict prefix crashes; each is rejected with 400 or decodes (when it ends on a boundary).
  for (size_t n = 0; n < body.size(); ++n) {
    Result<json> p = DecodeKubernetesProtobuf(std::string_view(body).substr(0, n));
    if (!p.ok()) {
      EXPECT_EQ(p.error().code, 400) << n << ": " << p.error().message;
    }
  }
  // A corrupt inner message (a container whose length runs past its end) is also a 400.
  std::string inner = Enc().Msg(2, Enc().Raw(B({0x0A, 0x20, 'c'}))).str();
  Result<json> c = DecodeKubernetesProtobuf(Body("v1", "Pod", Enc().Msg(2, Enc().Raw(inner))));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, 400);
}

}  // namespace
}  // namespace kubesim
