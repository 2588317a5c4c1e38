// scenario_admin.h — the admin endpoint that shows and replaces the running scenarios:
//   GET /admin/v1/scenarios   the current document as JSON (every field, defaults filled in)
//   PUT /admin/v1/scenarios   a new document, YAML or JSON; a bad one is a 400 naming the field
//                             and leaves the running scenarios unchanged
// Served through ApiServer::RegisterAdminHandler, so the bearer token is checked as for every
// admin endpoint.
//
// Usage:
//   Scenarios scenarios;
//   RegisterScenarioAdmin(api, scenarios);   // `scenarios` must outlive `api`'s serving
//   curl -k -H "Authorization: Bearer $TOKEN" -X PUT --data-binary @scenarios.yaml https://127.0.0.1:6443/admin/v1/scenarios
#pragma once

#include "api_server.h"
#include "scenario.h"

namespace kubesim {

void RegisterScenarioAdmin(ApiServer& api, Scenarios& scenarios);

}  // namespace kubesim
