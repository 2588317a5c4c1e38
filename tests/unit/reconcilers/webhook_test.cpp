#include "reconcilers/release/webhook.h"

#include <gtest/gtest.h>

#include <deque>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "common/fake_clock.h"
#include "reconcilers/common/timestamp.h"

namespace jd::release {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(BuildPayload, CompactStableOrder) {
  WebhookEvent e;
  e.ns = "school-amsterdam";
  e.environment = "production";
  e.release = "production-2-14-0";
  e.version = "2.14.0";
  e.outcome = "Failed";
  e.reason = "HealthCheckFailed";
  e.failed_checks = {"login", "dashboard"};
  e.at = rec::ParseRfc3339("2026-03-29T01:00:00Z").value() + milliseconds(600);
  EXPECT_EQ(BuildPayload(e),
            R"({"namespace":"school-amsterdam","environment":"production",)"
            R"("release":"production-2-14-0","version":"2.14.0","outcome":"Failed",)"
            R"("reason":"HealthCheckFailed","failedChecks":["login","dashboard"],)"
            R"("at":"2026-03-29T01:00:00Z"})");

  WebhookEvent ok{"ns", "staging", "r", "1.0", "Succeeded", "", {},
                  rec::ParseRfc3339("2026-01-01T00:00:00Z").value()};
  EXPECT_EQ(BuildPayload(ok),
            R"({"namespace":"ns","environment":"staging","release":"r","version":"1.0",)"
            R"("outcome":"Succeeded","reason":"","failedChecks":[],"at":"2026-01-01T00:00:00Z"})");
}

TEST(Sign, KnownVectors) {
  struct Case {
    std::string key, body, want;
  };
  const std::vector<Case> cases = {
      // RFC 4231, test case 2.
      {"Jefe", "what do ya want for nothing?",
       "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      // RFC 4231, test case 1 (key = 20 bytes of 0x0b).
      {std::string(20, '\x0b'), "Hi There",
       "sha256=b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
  };
  for (const auto& c : cases) EXPECT_EQ(Sign(c.key, c.body), c.want);
}

// Answers each Post with the next scripted result and records the calls.
class FakeSender : public WebhookSender {
 public:
  struct Call {
    std::string url;
    std::vector<HttpHeader> headers;
    std::string body;
    Duration timeout;
    WallTime at;
  };
  FakeSender(const Clock& clock, std::deque<StatusOr<int>> script)
      : clock_(clock), script_(std::move(script)) {}

  StatusOr<int> Post(const std::string& url, const std::vector<HttpHeader>& headers,
                     const std::string& body, Duration timeout) override {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back({url, headers, body, timeout, clock_.WallNow()});
    if (script_.empty()) return 500;
    StatusOr<int> next = script_.front();
    script_.pop_front();
    return next;
  }
  std::vector<Call> Calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  const Clock& clock_;
  mutable std::mutex mu_;
  std::deque<StatusOr<int>> script_;
  std::vector<Call> calls_;
};

NotifierOptions Inline(std::vector<DeliveryReport>& reports, int max_attempts = 8) {
  NotifierOptions o;
  o.own_thread = false;
  o.max_attempts = max_attempts;
  o.on_finished = [&reports](const DeliveryReport& r) { reports.push_back(r); };
  return o;
}

TEST(Notifier, BackoffDoublesFromOneSecondToFiveMinutes) {
  const NotifierOptions o;
  const std::vector<Duration> want = {seconds(1),   seconds(2),   seconds(4),  seconds(8),
                                      seconds(16),  seconds(32),  seconds(64), seconds(128),
                                      seconds(256), minutes(5),   minutes(5)};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(Notifier::Backoff(o, static_cast<int>(i) + 1), want[i]) << "attempt " << i + 1;
  }
  EXPECT_EQ(Notifier::Backoff(o, 1000), minutes(5));
}

TEST(Notifier, EnqueueReturnsAtOnceAndSendsSignedBodyOnTheClock) {
  FakeClock clock;
  FakeSender sender(clock, {200});
  std::vector<DeliveryReport> reports;
  Notifier notifier(clock, sender, Inline(reports));

  const std::uint64_t id = notifier.Enqueue("https://hooks.example/deploys", "Jefe",
                                            "what do ya want for nothing?");
  EXPECT_TRUE(sender.Calls().empty());  // nothing sent on the caller's thread
  EXPECT_EQ(notifier.Pending(), 1u);

  clock.Advance(Duration::zero());
  const auto calls = sender.Calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].url, "https://hooks.example/deploys");
  EXPECT_EQ(calls[0].body, "what do ya want for nothing?");
  EXPECT_EQ(calls[0].timeout, seconds(10));
  EXPECT_EQ(calls[0].headers,
            (std::vector<HttpHeader>{
                {"Content-Type", "application/json"},
                {"User-Agent", "justdriving-operator"},
                {"X-JustDriving-Signature",
                 "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"}}));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].id, id);
  EXPECT_TRUE(reports[0].delivered);
  EXPECT_EQ(reports[0].attempts, 1);
  EXPECT_EQ(reports[0].last_error, "");
  EXPECT_EQ(notifier.Pending(), 0u);
  EXPECT_EQ(clock.PendingTimers(), 0u);
}

TEST(Notifier, RetriesAfterOneSecondThenDelivers) {
  FakeClock clock;
  FakeSender sender(clock, {500, 200});
  std::vector<DeliveryReport> reports;
  Notifier notifier(clock, sender, Inline(reports));
  const WallTime start = clock.WallNow();

  notifier.Enqueue("https://hooks.example/x", "k", "{}");
  clock.Advance(Duration::zero());
  ASSERT_EQ(sender.Calls().size(), 1u);
  EXPECT_TRUE(reports.empty());

  clock.Advance(milliseconds(999));
  EXPECT_EQ(sender.Calls().size(), 1u);  // not yet
  clock.Advance(milliseconds(1));
  const auto calls = sender.Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].at - start, seconds(1));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].delivered);
  EXPECT_EQ(reports[0].attempts, 2);
  EXPECT_EQ(notifier.Pending(), 0u);
}

TEST(Notifier, GivesUpAfterMaxAttemptsWithDoublingDelays) {
  FakeClock clock;
  FakeSender sender(clock, {500, Error{"connect: connection refused"}, 503, 429});
  std::vector<DeliveryReport> reports;
  Notifier notifier(clock, sender, Inline(reports, /*max_attempts=*/4));
  const WallTime start = clock.WallNow();

  notifier.Enqueue("https://hooks.example/x", "k", "{}");
  clock.Advance(Duration::zero());
  for (int i = 0; i < 10; ++i) clock.Advance(seconds(1));
  const auto calls = sender.Calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].at - start, seconds(0));
  EXPECT_EQ(calls[1].at - start, seconds(1));
  EXPECT_EQ(calls[2].at - start, seconds(3));  // +2 s
  EXPECT_EQ(calls[3].at - start, seconds(7));  // +4 s
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].delivered);
  EXPECT_EQ(reports[0].attempts, 4);
  EXPECT_EQ(reports[0].last_error, "HTTP 429");
  EXPECT_EQ(notifier.Pending(), 0u);
  EXPECT_EQ(clock.PendingTimers(), 0u);

  clock.Advance(minutes(10));
  EXPECT_EQ(sender.Calls().size(), 4u);  // no more attempts
}

TEST(Notifier, AnswerClassificationTable) {
  struct Case {
    StatusOr<int> first;
    bool retried;  // a second attempt happens
    std::string error_if_final;
  };
  const std::vector<Case> cases = {
      {204, false, ""},
      {500, true, ""},
      {502, true, ""},
      {408, true, ""},
      {429, true, ""},
      {Error{"timeout after 10s"}, true, ""},
      {404, false, "HTTP 404"},
      {401, false, "HTTP 401"},
      {301, false, "HTTP 301"},
  };
  for (const auto& c : cases) {
    FakeClock clock;
    FakeSender sender(clock, {c.first, 200});
    std::vector<DeliveryReport> reports;
    Notifier notifier(clock, sender, Inline(reports));
    notifier.Enqueue("https://h/x", "k", "{}");
    clock.Advance(Duration::zero());
    clock.Advance(seconds(1));
    const std::string label = c.first.ok() ? std::to_string(c.first.value()) : "error";
    EXPECT_EQ(sender.Calls().size(), c.retried ? 2u : 1u) << label;
    ASSERT_EQ(reports.size(), 1u) << label;
    EXPECT_TRUE(reports[0].delivered || !c.error_if_final.empty()) << label;
    if (!c.error_if_final.empty()) {
      EXPECT_EQ(reports[0].last_error, c.error_if_final) << label;
    }
  }
}

TEST(Notifier, DeliveriesAreIndependent) {
  FakeClock clock;
  FakeSender sender(clock, {500, 200, 200});  // a: 500, b: 200, a again: 200
  std::vector<DeliveryReport> reports;
  Notifier notifier(clock, sender, Inline(reports));
  const auto a = notifier.Enqueue("https://h/a", "k", "A");
  const auto b = notifier.Enqueue("https://h/b", "k", "B");
  clock.Advance(Duration::zero());
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].id, b);
  EXPECT_EQ(notifier.Pending(), 1u);
  clock.Advance(seconds(1));
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[1].id, a);
  EXPECT_EQ(reports[1].attempts, 2);
}

TEST(Notifier, DestroyingDropsPendingDeliveries) {
  FakeClock clock;
  FakeSender sender(clock, {500});
  std::vector<DeliveryReport> reports;
  {
    Notifier notifier(clock, sender, Inline(reports));
    notifier.Enqueue("https://h/x", "k", "{}");
    clock.Advance(Duration::zero());
    EXPECT_EQ(clock.PendingTimers(), 1u);  // the retry
  }
  EXPECT_EQ(clock.PendingTimers(), 0u);
  clock.Advance(minutes(1));
  EXPECT_EQ(sender.Calls().size(), 1u);
  EXPECT_TRUE(reports.empty());
}

TEST(Notifier, OwnThreadPostsOnTheWorkerNotTheClockThread) {
  FakeClock clock;
  FakeSender sender(clock, {200});
  std::promise<DeliveryReport> done;
  std::thread::id reported_on;
  NotifierOptions o;
  o.own_thread = true;
  o.on_finished = [&](const DeliveryReport& r) {
    reported_on = std::this_thread::get_id();
    done.set_value(r);
  };
  Notifier notifier(clock, sender, o);
  notifier.Enqueue("https://h/x", "k", "{}");
  auto future = done.get_future();
  clock.Advance(Duration::zero());  // the timer only hands the delivery to the worker
  ASSERT_EQ(future.wait_for(seconds(10)), std::future_status::ready);  // guard against a hang
  const DeliveryReport r = future.get();
  EXPECT_TRUE(r.delivered);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_NE(reported_on, std::this_thread::get_id());  // posted and reported on the worker
}

}  // namespace
}  // namespace jd::release
