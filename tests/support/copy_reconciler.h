// CopyReconciler: the runtime's test controller (issue: "a small controller ... ConfigMap ->
// annotated copy"). Used by the controller integration tests and by tests/support/
// copier_operator.cpp, the test operator process that exercises RunOperator, the Manager and
// leader election end to end.
//
// For each ConfigMap x without label copy=true: ConfigMap x-copy with x's data, label copy=true,
// annotation copied-from: x and a controller ownerReference to x. Reads from the cache; a write
// that fails (or races the cache) is an error and is retried with backoff. Deleting x leaves
// x-copy to the API server's garbage collector.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "kube/api_error.h"
#include "kube/client.h"
#include "kube/store.h"
#include "runtime/result.h"

namespace jd::testing {

class CopyReconciler final : public Reconciler {
 public:
  // `copied_by`, when set, is stamped as annotation copied-by (which process made the copy).
  explicit CopyReconciler(kube::Writer& writer, std::string copied_by = "")
      : writer_(writer), copied_by_(std::move(copied_by)) {}
  void SetCache(kube::StoreView cache) { cache_ = std::move(cache); }

  ReconcileOutcome Reconcile(const Request& req) override {
    kube::ObjectPtr src = cache_->Get(req.ns, req.name);
    if (!src) return Result::Done();  // gone: the garbage collector removes the copy
    const nlohmann::json& smd = (*src)["metadata"];
    if (smd.value("labels", nlohmann::json::object()).value("copy", "") == "true") return Result::Done();
    if (smd.contains("deletionTimestamp")) return Result::Done();

    nlohmann::json want = {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata",
                  {{"name", req.name + "-copy"},
                   {"namespace", req.ns},
                   {"labels", {{"copy", "true"}}},
                   {"annotations", Annotations(req.name)},
                   {"ownerReferences", nlohmann::json::array({{{"apiVersion", "v1"},
                                                     {"kind", "ConfigMap"},
                                                     {"name", req.name},
                                                     {"uid", smd.value("uid", "")},
                                                     {"controller", true},
                                                     {"blockOwnerDeletion", true}}})}}},
                 {"data", src->value("data", nlohmann::json::object())}};

    kube::ObjectPtr have = cache_->Get(req.ns, req.name + "-copy");
    if (!have) {
      auto r = writer_.Create(kube::kConfigMaps, want);
      if (!r.ok()) return ReconcileError("create " + req.name + "-copy: " + kube::Describe(r.error()));
      return Result::Done();
    }
    if (UpToDate(*have, want)) return Result::Done();
    nlohmann::json update = want;
    update["metadata"]["resourceVersion"] = (*have)["metadata"].value("resourceVersion", "");
    auto r = writer_.Update(kube::kConfigMaps, update);
    if (!r.ok()) return ReconcileError("update " + req.name + "-copy: " + kube::Describe(r.error()));
    return Result::Done();
  }

 private:
  nlohmann::json Annotations(const std::string& from) const {
    nlohmann::json a = {{"copied-from", from}};
    if (!copied_by_.empty()) a["copied-by"] = copied_by_;
    return a;
  }
  static bool UpToDate(const nlohmann::json& have, const nlohmann::json& want) {
    const nlohmann::json& hmd = have["metadata"];
    const nlohmann::json& wmd = want["metadata"];
    auto refs = hmd.value("ownerReferences", nlohmann::json::array());
    return have.value("data", nlohmann::json::object()) == want["data"] &&
           hmd.value("labels", nlohmann::json::object()).value("copy", "") == "true" &&
           hmd.value("annotations", nlohmann::json::object()).value("copied-from", "") ==
               wmd["annotations"]["copied-from"] &&
           refs.size() == 1 && refs[0].value("uid", "") == wmd["ownerReferences"][0]["uid"] &&
           refs[0].value("controller", false);
  }

  kube::Writer& writer_;
  std::string copied_by_;
  std::optional<kube::StoreView> cache_;
};


}  // namespace jd::testing
