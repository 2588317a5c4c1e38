#include "scenario_admin.h"

namespace kubesim {

namespace {

ApiResponse Json(int code, const nlohmann::json& body) {
  ApiResponse r;
  r.response.status = code;
  r.response.content_type = "application/json";
  r.response.body = body.dump();
  return r;
}

}  // namespace

void RegisterScenarioAdmin(ApiServer& api, Scenarios& scenarios) {
  api.RegisterAdminHandler("/admin/v1/scenarios", [&scenarios](const HttpRequest& req) {
    if (req.method == "GET") return Json(200, scenarios.ToJson());
    if (req.method == "PUT" || req.method == "POST") {
      if (auto err = scenarios.LoadYaml(req.body)) return Json(err->code, err->ToStatus());
      return Json(200, scenarios.ToJson());
    }
    ApiError e = ApiError::MethodNotAllowed("scenarios: use GET to read or PUT to replace the document, not " + req.method);
    return Json(e.code, e.ToStatus());
  });
}

}  // namespace kubesim
