// jd-copier-operator: the runtime's test operator. The same process life as justdriving-operator
// (RunOperator: flags, logging, config, metrics, health, leader election, signals) with one
// controller, CopyReconciler (support/copy_reconciler.h), so the end-to-end tests of the runtime
// (tests/e2e/operator_runtime_test.sh) exercise exactly the shipped process code without
// depending on the Just Driving reconcilers. Copies are annotated copied-by: $POD_NAME, so a test
// can tell which replica acted.
#include <memory>
#include <string>

#include "common/environment.h"
#include "runtime/operator_app.h"
#include "support/copy_reconciler.h"

int main(int argc, char** argv, char** envp) {
  const jd::MapEnvironment env = jd::MapEnvironment::FromEnvp(envp);
  return jd::RunOperator(
      argc, argv, env, "jd-copier-operator", [](jd::OperatorContext& ctx) -> jd::StatusOr<jd::ControllerSet> {
        jd::ControllerSet set;
        auto reconciler =
            std::make_shared<jd::testing::CopyReconciler>(ctx.client, ctx.env.Lookup("POD_NAME").value_or(""));
        auto ctl = std::make_unique<jd::Controller>(
            "copier", *reconciler, ctx.clock,
            jd::ControllerOptions{.max_concurrent_reconciles = ctx.options.max_concurrent_reconciles,
                                  .logger = ctx.log,
                                  .metrics = &ctx.metrics});
        // The reconciler reads one cache: one namespace, or all of them.
        const std::string ns = ctx.options.namespaces.size() == 1 ? ctx.options.namespaces[0] : "";
        jd::kube::WatcherOptions wo;
        wo.ns = ns;
        reconciler->SetCache(ctl->For(ctx.client, jd::kube::kConfigMaps, wo));
        set.controllers.push_back(std::move(ctl));
        set.keep_alive.push_back(reconciler);
        return set;
      });
}
