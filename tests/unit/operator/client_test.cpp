// RestClient against a fake Transport: the exact requests each verb makes, the error mapping
// from Status bodies, pagination, watch event decoding, and the retry policy (429 Retry-After,
// transport errors on GETs) with a fake clock and a recording sleeper — nothing sleeps.
#include "kube/client.h"

#include <deque>

#include <gtest/gtest.h>

#include "common/fake_clock.h"

namespace jd::kube {
namespace {

using nlohmann::json;
using Query = std::vector<std::pair<std::string, std::string>>;

HttpResponse Resp(int status, const json& body, std::map<std::string, std::string> headers = {}) {
  return HttpResponse{status, body.dump(), std::move(headers)};
}

json StatusBody(int code, const std::string& reason, const std::string& message, json details = nullptr) {
  json s = {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
            {"code", code},     {"reason", reason},   {"message", message}};
  if (!details.is_null()) s["details"] = details;
  return s;
}

class FakeLineStream final : public LineStream {
 public:
  explicit FakeLineStream(std::deque<std::string> lines) : lines_(std::move(lines)) {}
  ApiResult<StreamRead> Next(std::chrono::milliseconds) override {
    if (cancelled_ || lines_.empty()) return StreamRead{StreamRead::Kind::kEnd, {}};
    StreamRead r{StreamRead::Kind::kLine, lines_.front()};
    lines_.pop_front();
    return r;
  }
  void Cancel() override { cancelled_ = true; }

 private:
  std::deque<std::string> lines_;
  bool cancelled_ = false;
};

// Answers from a script, in order; records every request.
class FakeTransport final : public Transport {
 public:
  ApiResult<HttpResponse> Do(const HttpRequest& req) override {
    requests.push_back(req);
    if (answers.empty()) return HttpResponse{500, "no scripted answer", {}};
    auto a = answers.front();
    answers.pop_front();
    return a;
  }
  ApiResult<std::unique_ptr<LineStream>> Stream(const HttpRequest& req) override {
    requests.push_back(req);
    return std::unique_ptr<LineStream>(std::make_unique<FakeLineStream>(stream_lines));
  }

  std::vector<HttpRequest> requests;
  std::deque<ApiResult<HttpResponse>> answers;
  std::deque<std::string> stream_lines;
};

// Records each wait and moves the fake clock by it, as a real sleep would.
class FakeSleeper final : public Sleeper {
 public:
  explicit FakeSleeper(FakeClock& clock) : clock_(clock) {}
  void SleepFor(Duration d) override {
    sleeps.push_back(d);
    clock_.Advance(d);
  }
  std::vector<Duration> sleeps;

 private:
  FakeClock& clock_;
};

class ClientTest : public ::testing::Test {
 protected:
  ClientOptions Unlimited() {
    ClientOptions o;
    o.qps = 0;
    return o;
  }
  FakeClock clock_;
  FakeSleeper sleeper_{clock_};
  FakeTransport transport_;
  RestClient client_{transport_, clock_, sleeper_, Unlimited()};

  const HttpRequest& Last() { return transport_.requests.back(); }
};

const json kCm = {{"apiVersion", "v1"},
                  {"kind", "ConfigMap"},
                  {"metadata", {{"name", "x"}, {"namespace", "ns1"}, {"resourceVersion", "7"}}},
                  {"data", {{"k", "v"}}}};

TEST_F(ClientTest, ResourcePaths) {
  EXPECT_EQ(ResourcePath(kConfigMaps, "ns", "x"), "/api/v1/namespaces/ns/configmaps/x");
  EXPECT_EQ(ResourcePath(kConfigMaps, "", ""), "/api/v1/configmaps");
  EXPECT_EQ(ResourcePath(kDeployments, "ns", "d", "status"), "/apis/apps/v1/namespaces/ns/deployments/d/status");
  EXPECT_EQ(ResourcePath(kNamespaces, "ignored", "n"), "/api/v1/namespaces/n");
}

TEST_F(ClientTest, GetMakesOneGet) {
  transport_.answers.push_back(Resp(200, kCm));
  auto r = client_.Get(kConfigMaps, "ns1", "x");
  ASSERT_TRUE(r.ok()) << Describe(r.error());
  EXPECT_EQ(r.value()["data"]["k"], "v");
  ASSERT_EQ(transport_.requests.size(), 1u);
  EXPECT_EQ(Last().method, "GET");
  EXPECT_EQ(Last().path, "/api/v1/namespaces/ns1/configmaps/x");
  EXPECT_TRUE(Last().query.empty());
  EXPECT_TRUE(Last().body.empty());
}

TEST_F(ClientTest, GetWithoutNamespaceIsRefusedLocally) {
  auto r = client_.Get(kConfigMaps, "", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kBadRequest);
  EXPECT_TRUE(transport_.requests.empty());
}

TEST_F(ClientTest, CreatePostsToTheObjectsNamespace) {
  transport_.answers.push_back(Resp(201, kCm));
  WriteOptions o;
  o.field_manager = "jd";
  ASSERT_TRUE(client_.Create(kConfigMaps, kCm, o).ok());
  EXPECT_EQ(Last().method, "POST");
  EXPECT_EQ(Last().path, "/api/v1/namespaces/ns1/configmaps");
  EXPECT_EQ(Last().query, (Query{{"fieldManager", "jd"}}));
  EXPECT_EQ(Last().content_type, "application/json");
  EXPECT_EQ(json::parse(Last().body), kCm);
}

TEST_F(ClientTest, CreateWithoutNamespaceUsesTheDefault) {
  json obj = {{"metadata", {{"name", "y"}}}};
  transport_.answers.push_back(Resp(201, obj));
  ASSERT_TRUE(client_.Create(kConfigMaps, obj).ok());
  EXPECT_EQ(Last().path, "/api/v1/namespaces/default/configmaps");
}

TEST_F(ClientTest, UpdatePutsTheWholeObject) {
  transport_.answers.push_back(Resp(200, kCm));
  ASSERT_TRUE(client_.Update(kConfigMaps, kCm).ok());
  EXPECT_EQ(Last().method, "PUT");
  EXPECT_EQ(Last().path, "/api/v1/namespaces/ns1/configmaps/x");
  EXPECT_EQ(Last().content_type, "application/json");
  EXPECT_EQ(json::parse(Last().body)["metadata"]["resourceVersion"], "7");
}

TEST_F(ClientTest, UpdateStatusPutsToTheSubresource) {
  transport_.answers.push_back(Resp(200, kCm));
  ASSERT_TRUE(client_.UpdateStatus(kConfigMaps, kCm).ok());
  EXPECT_EQ(Last().method, "PUT");
  EXPECT_EQ(Last().path, "/api/v1/namespaces/ns1/configmaps/x/status");
}

TEST_F(ClientTest, PatchContentTypesAndQuery) {
  struct Case {
    PatchType type;
    json patch;
    PatchOptions opts;
    std::string content_type;
    Query query;
  };
  PatchOptions apply;
  apply.field_manager = "jd";
  apply.force = true;
  std::vector<Case> cases = {
      {PatchType::kMerge, {{"data", {{"k", "w"}}}}, {}, "application/merge-patch+json", {}},
      {PatchType::kJson, json::array({{{"op", "remove"}, {"path", "/data/k"}}}), {}, "application/json-patch+json", {}},
      {PatchType::kStrategicMerge, {{"data", nullptr}}, {}, "application/strategic-merge-patch+json", {}},
      {PatchType::kApply, kCm, apply, "application/apply-patch+yaml", {{"fieldManager", "jd"}, {"force", "true"}}},
  };
  for (const auto& c : cases) {
    transport_.answers.push_back(Resp(200, kCm));
    auto r = client_.Patch(kConfigMaps, "ns1", "x", c.type, c.patch, c.opts);
    ASSERT_TRUE(r.ok()) << c.content_type << ": " << Describe(r.error());
    EXPECT_EQ(Last().method, "PATCH");
    EXPECT_EQ(Last().path, "/api/v1/namespaces/ns1/configmaps/x");
    EXPECT_EQ(Last().content_type, c.content_type);
    EXPECT_EQ(Last().query, c.query) << c.content_type;
    EXPECT_EQ(json::parse(Last().body), c.patch);
  }
}

TEST_F(ClientTest, PatchStatusTargetsTheSubresource) {
  transport_.answers.push_back(Resp(200, kCm));
  ASSERT_TRUE(client_.PatchStatus(kDeployments, "ns1", "d", PatchType::kMerge, {{"status", {{"x", 1}}}}).ok());
  EXPECT_EQ(Last().path, "/apis/apps/v1/namespaces/ns1/deployments/d/status");
}

TEST_F(ClientTest, ApplyWithoutFieldManagerAndNonArrayJsonPatchAreRefusedLocally) {
  EXPECT_FALSE(client_.Patch(kConfigMaps, "ns1", "x", PatchType::kApply, kCm).ok());
  EXPECT_FALSE(client_.Patch(kConfigMaps, "ns1", "x", PatchType::kJson, json::object()).ok());
  EXPECT_TRUE(transport_.requests.empty());
}

TEST_F(ClientTest, DeleteSendsDeleteOptions) {
  transport_.answers.push_back(Resp(200, StatusBody(200, "", "")));
  DeleteOptions o;
  o.propagation = Propagation::kForeground;
  o.precondition_uid = "u1";
  o.precondition_resource_version = "7";
  ASSERT_TRUE(client_.Delete(kConfigMaps, "ns1", "x", o).ok());
  EXPECT_EQ(Last().method, "DELETE");
  EXPECT_EQ(Last().path, "/api/v1/namespaces/ns1/configmaps/x");
  EXPECT_EQ(Last().content_type, "application/json");
  json body = json::parse(Last().body);
  EXPECT_EQ(body["kind"], "DeleteOptions");
  EXPECT_EQ(body["propagationPolicy"], "Foreground");
  EXPECT_EQ(body["preconditions"], json({{"uid", "u1"}, {"resourceVersion", "7"}}));
}

TEST_F(ClientTest, PlainDeleteHasNoBody) {
  transport_.answers.push_back(Resp(200, kCm));
  ASSERT_TRUE(client_.Delete(kConfigMaps, "ns1", "x").ok());
  EXPECT_TRUE(Last().body.empty());
  EXPECT_TRUE(Last().content_type.empty());
}

TEST_F(ClientTest, ListFollowsContinuePages) {
  json p1 = {{"kind", "ConfigMapList"},
             {"metadata", {{"resourceVersion", "10"}, {"continue", "tok1"}}},
             {"items", json::array({{{"metadata", {{"name", "a"}}}}})}};
  json p2 = {{"kind", "ConfigMapList"},
             {"metadata", {{"resourceVersion", "10"}}},
             {"items", json::array({{{"metadata", {{"name", "b"}}}}})}};
  transport_.answers.push_back(Resp(200, p1));
  transport_.answers.push_back(Resp(200, p2));
  ListOptions o;
  o.label_selector = "app=web,tier in (a,b)";
  o.field_selector = "metadata.name!=z";
  o.limit = 1;
  auto r = client_.List(kConfigMaps, "ns1", o);
  ASSERT_TRUE(r.ok()) << Describe(r.error());
  ASSERT_EQ(r.value()["items"].size(), 2u);
  EXPECT_EQ(r.value()["items"][1]["metadata"]["name"], "b");
  EXPECT_EQ(r.value()["metadata"]["resourceVersion"], "10");
  EXPECT_FALSE(r.value()["metadata"].contains("continue"));
  ASSERT_EQ(transport_.requests.size(), 2u);
  EXPECT_EQ(transport_.requests[0].path, "/api/v1/namespaces/ns1/configmaps");
  EXPECT_EQ(transport_.requests[0].query,
            (Query{{"labelSelector", "app=web,tier in (a,b)"}, {"fieldSelector", "metadata.name!=z"}, {"limit", "1"}}));
  EXPECT_EQ(transport_.requests[1].query, (Query{{"labelSelector", "app=web,tier in (a,b)"},
                                                 {"fieldSelector", "metadata.name!=z"},
                                                 {"limit", "1"},
                                                 {"continue", "tok1"}}));
}

TEST_F(ClientTest, ListAcrossNamespacesAndExpiredContinueIsGone) {
  json p1 = {{"metadata", {{"continue", "tok1"}}}, {"items", json::array()}};
  transport_.answers.push_back(Resp(200, p1));
  transport_.answers.push_back(Resp(410, StatusBody(410, "Expired", "continue token expired")));
  auto r = client_.List(kConfigMaps, "");
  EXPECT_EQ(transport_.requests[0].path, "/api/v1/configmaps");
  EXPECT_TRUE(IsGone(r));
}

TEST_F(ClientTest, ErrorMappingFromStatusBodies) {
  struct Case {
    int code;
    std::string reason;
    ErrorKind kind;
  };
  std::vector<Case> cases = {
      {404, "NotFound", ErrorKind::kNotFound},       {409, "AlreadyExists", ErrorKind::kAlreadyExists},
      {409, "Conflict", ErrorKind::kConflict},       {422, "Invalid", ErrorKind::kInvalid},
      {410, "Gone", ErrorKind::kGone},               {410, "Expired", ErrorKind::kGone},
      {401, "Unauthorized", ErrorKind::kUnauthorized}, {403, "Forbidden", ErrorKind::kForbidden},
      {400, "BadRequest", ErrorKind::kBadRequest},   {405, "MethodNotAllowed", ErrorKind::kBadRequest},
      {415, "UnsupportedMediaType", ErrorKind::kBadRequest}, {500, "InternalError", ErrorKind::kServerError},
      {504, "Timeout", ErrorKind::kServerError},
      // No (known) reason: the code decides.
      {404, "", ErrorKind::kNotFound},               {409, "", ErrorKind::kConflict},
      {422, "", ErrorKind::kInvalid},                {503, "", ErrorKind::kServerError},
      {418, "Teapot", ErrorKind::kBadRequest},
  };
  for (const auto& c : cases) {
    transport_.answers.push_back(Resp(c.code, StatusBody(c.code, c.reason, "msg " + c.reason)));
    auto r = client_.Get(kConfigMaps, "ns1", "x");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, c.kind) << c.code << " " << c.reason;
    EXPECT_EQ(r.error().code, c.code);
    EXPECT_EQ(r.error().reason, c.reason);
    EXPECT_EQ(r.error().message, "msg " + c.reason);
  }
}

TEST_F(ClientTest, InvalidCarriesCauses) {
  json details = {{"name", "x"},
                  {"kind", "configmaps"},
                  {"causes", json::array({{{"reason", "FieldValueRequired"},
                                           {"field", "metadata.name"},
                                           {"message", "Required value"}}})}};
  transport_.answers.push_back(Resp(422, StatusBody(422, "Invalid", "invalid", details)));
  auto r = client_.Create(kConfigMaps, kCm);
  ASSERT_TRUE(IsInvalid(r));
  ASSERT_EQ(r.error().causes.size(), 1u);
  EXPECT_EQ(r.error().causes[0].field, "metadata.name");
  EXPECT_EQ(r.error().causes[0].reason, "FieldValueRequired");
  EXPECT_EQ(r.error().causes[0].message, "Required value");
}

TEST_F(ClientTest, NonStatusErrorBodyKeepsTheCodeAndText) {
  transport_.answers.push_back(HttpResponse{502, "upstream gone", {}});
  auto r = client_.Create(kConfigMaps, kCm);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kServerError);
  EXPECT_EQ(r.error().message, "upstream gone");
}

TEST_F(ClientTest, TooManyRequestsIsRetriedAfterRetryAfter) {
  transport_.answers.push_back(Resp(429, StatusBody(429, "TooManyRequests", "slow down"), {{"retry-after", "3"}}));
  transport_.answers.push_back(Resp(429, StatusBody(429, "TooManyRequests", "slow down")));  // no header: 1 s
  transport_.answers.push_back(Resp(201, kCm));
  auto r = client_.Create(kConfigMaps, kCm);  // not idempotent, still retried: the server did nothing
  ASSERT_TRUE(r.ok()) << Describe(r.error());
  EXPECT_EQ(transport_.requests.size(), 3u);
  EXPECT_EQ(sleeper_.sleeps, (std::vector<Duration>{std::chrono::seconds(3), std::chrono::seconds(1)}));
}

TEST_F(ClientTest, TooManyRequestsRetriesAreBounded) {
  ClientOptions o = Unlimited();
  o.max_throttle_retries = 2;
  o.max_retry_after = std::chrono::seconds(5);
  RestClient client(transport_, clock_, sleeper_, o);
  for (int i = 0; i < 3; ++i) {
    transport_.answers.push_back(Resp(429, StatusBody(429, "TooManyRequests", "no"), {{"retry-after", "100"}}));
  }
  auto r = client.Get(kConfigMaps, "ns1", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTooManyRequests);
  EXPECT_EQ(r.error().retry_after, std::chrono::seconds(100));
  EXPECT_EQ(transport_.requests.size(), 3u);
  EXPECT_EQ(sleeper_.sleeps, (std::vector<Duration>{std::chrono::seconds(5), std::chrono::seconds(5)}));
}

TEST_F(ClientTest, TransportErrorsRetryGetsWithBackoffButNotWrites) {
  auto refused = ApiError::Transport(TransportErrorKind::kConnect, "connection refused");
  transport_.answers.push_back(refused);
  transport_.answers.push_back(refused);
  transport_.answers.push_back(Resp(200, kCm));
  ASSERT_TRUE(client_.Get(kConfigMaps, "ns1", "x").ok());
  EXPECT_EQ(sleeper_.sleeps,
            (std::vector<Duration>{std::chrono::milliseconds(200), std::chrono::milliseconds(400)}));

  transport_.answers.push_back(refused);
  auto w = client_.Create(kConfigMaps, kCm);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().kind, ErrorKind::kTransport);
  EXPECT_EQ(w.error().transport, TransportErrorKind::kConnect);
  EXPECT_EQ(transport_.requests.size(), 4u);
}

TEST_F(ClientTest, TransportRetriesAreBounded) {
  for (int i = 0; i < 10; ++i) transport_.answers.push_back(ApiError::Transport(TransportErrorKind::kTimeout, "t"));
  auto r = client_.Get(kConfigMaps, "ns1", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().transport, TransportErrorKind::kTimeout);
  EXPECT_EQ(transport_.requests.size(), 4u);  // 1 + max_transport_retries (3)
}

TEST_F(ClientTest, TokenBucketThrottlesOnTheInjectedClock) {
  ClientOptions o;
  o.qps = 2;
  o.burst = 2;
  RestClient client(transport_, clock_, sleeper_, o);
  for (int i = 0; i < 4; ++i) transport_.answers.push_back(Resp(200, kCm));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(client.Get(kConfigMaps, "ns1", "x").ok());
  // Two from the burst, then one token every 500 ms.
  ASSERT_EQ(sleeper_.sleeps.size(), 2u);
  EXPECT_EQ(sleeper_.sleeps[0], std::chrono::milliseconds(500));
  EXPECT_EQ(sleeper_.sleeps[1], std::chrono::milliseconds(500));
}

TEST_F(ClientTest, WatchRequestAndEvents) {
  transport_.stream_lines = {
      R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}}})",
      R"({"type":"MODIFIED","object":{"metadata":{"name":"a","resourceVersion":"2"}}})",
      R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"3"}}})",
      R"({"type":"DELETED","object":{"metadata":{"name":"a","resourceVersion":"4"}}})",
      R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old"}})",
  };
  WatchOptions o;
  o.resource_version = "1";
  o.label_selector = "app=web";
  o.timeout = std::chrono::seconds(60);
  auto w = client_.Watch(kConfigMaps, "ns1", o);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(Last().method, "GET");
  EXPECT_EQ(Last().path, "/api/v1/namespaces/ns1/configmaps");
  EXPECT_EQ(Last().query, (Query{{"watch", "true"},
                                 {"resourceVersion", "1"},
                                 {"allowWatchBookmarks", "true"},
                                 {"labelSelector", "app=web"},
                                 {"timeoutSeconds", "60"}}));
  std::vector<WatchEvent::Type> types;
  for (;;) {
    auto r = w.value()->Next(std::chrono::milliseconds(10));
    ASSERT_TRUE(r.ok());
    if (r.value().kind == WatchRead::Kind::kEnd) break;
    types.push_back(r.value().event.type);
    if (r.value().event.type == WatchEvent::Type::kError) {
      ASSERT_TRUE(r.value().event.error.has_value());
      EXPECT_TRUE(IsGone(*r.value().event.error));
    }
  }
  EXPECT_EQ(types, (std::vector<WatchEvent::Type>{WatchEvent::Type::kAdded, WatchEvent::Type::kModified,
                                                  WatchEvent::Type::kBookmark, WatchEvent::Type::kDeleted,
                                                  WatchEvent::Type::kError}));
}

TEST_F(ClientTest, WatchLineThatIsNotAnEventIsAnError) {
  transport_.stream_lines = {"not json"};
  auto w = client_.Watch(kConfigMaps, "ns1");
  ASSERT_TRUE(w.ok());
  auto r = w.value()->Next(std::chrono::milliseconds(10));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().transport, TransportErrorKind::kProtocol);
}

}  // namespace
}  // namespace jd::kube
