// Tests for protobuf_decode.h and protobuf_wire.h.
//
// Fixtures are built with a tiny protobuf encoder below (test-only), plus one Secret written
// byte by byte the way helm's storage driver sends it.
#include "protobuf_decode.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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

TEST(DecodeKubernetesProtobufTest, SkipsUnknownFieldsOfEveryWireType) {
  Enc unknowns;
  unknowns.Varint(99, 7).Fixed64(100, 1).Fixed32(101, 2).Bytes(102, "zzz");
  Enc meta;
  meta.Raw(unknowns.str()).Bytes(1, "n").Msg(13, Enc().Raw(unknowns.str()).Bytes(3, "o"));
  Enc secret;
  secret.Raw(unknowns.str()).Msg(1, meta).Bytes(3, "Opaque").Raw(unknowns.str());
  const json got = Decode(Body("v1", "Secret", secret));
  EXPECT_EQ(got["metadata"]["name"], "n");
  EXPECT_EQ(got["metadata"]["ownerReferences"][0]["name"], "o");
  EXPECT_EQ(got["type"], "Opaque");
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
      {"pod", Body("v1", "Pod", Enc()), 415, "apiVersion \"v1\", kind \"Pod\""},
      {"secret in the wrong group", Body("apps/v1", "Secret", Enc()), 415, "kind \"Secret\""},
      {"deployment", Body("apps/v1", "Deployment", Enc()), 415, "kind \"Deployment\""},
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

}  // namespace
}  // namespace kubesim
