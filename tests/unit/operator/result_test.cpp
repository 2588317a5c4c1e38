#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/result.h"

namespace jd {
namespace {

using std::chrono::milliseconds;

TEST(ResultTest, NamedConstructors) {
  EXPECT_EQ(Result::Done(), (Result{std::nullopt, false}));
  EXPECT_EQ(Result::Requeue(), (Result{std::nullopt, true}));
  EXPECT_EQ(Result::RequeueAfter(milliseconds(250)), (Result{milliseconds(250), false}));
}

TEST(ResultTest, TerminalErrorIsTerminal) {
  EXPECT_TRUE(TerminalError("bad spec").terminal());
  EXPECT_EQ(TerminalError("bad spec").message(), "bad spec");
  EXPECT_FALSE(ReconcileError("apiserver unavailable").terminal());
}

TEST(ActionForTest, ContractTable) {
  struct Case {
    std::string name;
    ReconcileOutcome outcome;
    QueueDisposition want;
  };
  const std::vector<Case> cases = {
      {"success forgets", Result::Done(), {QueueAction::kForget}},
      {"transient error backs off", ReconcileError("conflict"), {QueueAction::kRetryWithBackoff}},
      {"terminal error forgets", TerminalError("invalid"), {QueueAction::kForget}},
      {"requeue_after forgets then delays", Result::RequeueAfter(milliseconds(1500)),
       {QueueAction::kForgetAndRequeueAfter, milliseconds(1500)}},
      {"requeue backs off", Result::Requeue(), {QueueAction::kRetryWithBackoff}},
      {"requeue_after wins over requeue", Result{milliseconds(10), true},
       {QueueAction::kForgetAndRequeueAfter, milliseconds(10)}},
      {"zero requeue_after is ignored", Result{milliseconds(0), false}, {QueueAction::kForget}},
      {"negative requeue_after is ignored, requeue applies", Result{milliseconds(-5), true},
       {QueueAction::kRetryWithBackoff}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ActionFor(c.outcome), c.want) << c.name;
  }
}

TEST(RequestTest, KeyRoundTrip) {
  EXPECT_EQ((Request{"default", "web"}).Key(), "default/web");
  EXPECT_EQ((Request{"", "node-1"}).Key(), "node-1");
  EXPECT_EQ(Request::FromKey("default/web"), (Request{"default", "web"}));
  EXPECT_EQ(Request::FromKey("node-1"), (Request{"", "node-1"}));
  for (const char* bad : {"", "/web", "default/", "a/b/c"}) {
    EXPECT_EQ(Request::FromKey(bad), std::nullopt) << bad;
  }
}

class FixedReconciler : public Reconciler {
 public:
  ReconcileOutcome Reconcile(const Request& request) override {
    if (request.name == "broken") return TerminalError("spec.image: empty");
    return Result::RequeueAfter(milliseconds(5000));
  }
};

TEST(ReconcilerTest, OutcomesAreValues) {
  FixedReconciler reconciler;
  EXPECT_EQ(ActionFor(reconciler.Reconcile({"ns", "broken"})).action, QueueAction::kForget);
  EXPECT_EQ(ActionFor(reconciler.Reconcile({"ns", "ok"})),
            (QueueDisposition{QueueAction::kForgetAndRequeueAfter, milliseconds(5000)}));
}

}  // namespace
}  // namespace jd
