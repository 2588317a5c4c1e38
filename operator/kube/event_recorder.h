// EventRecorder: Kubernetes Events about the objects an operator manages (client-go's
// record.EventRecorder), so `kubectl describe` and `kubectl get events` show what the operator
// did and why.
//
//   KubeEventRecorder   writes core/v1 Events through a Client. An event identical to one
//                       recorded in the last 10 minutes (same object, type, reason, message) bumps
//                       that Event's count and lastTimestamp instead of creating another (client-go's
//                       correlator, simplified). Failures are counted and dropped: an Event is
//                       never worth failing a reconcile. Names are "<object>.<hex>" like client-go's.
//   FakeEventRecorder   remembers "Type Reason message" strings for tests.
//
// Messages are for people: say what happened and what to do. Never put secret values in them.
//
// Usage:
//   jd::kube::KubeEventRecorder recorder(client, clock, "justdriving-operator");
//   recorder.Event(environment, jd::kube::EventType::kWarning, "SecretsShared",
//                  "Secret jd-db key DB_PASSWORD is also used by school-a/production: rotate it");
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "kube/client.h"

namespace jd::kube {

enum class EventType { kNormal, kWarning };
const char* ToString(EventType t);

class EventRecorder {
 public:
  virtual ~EventRecorder() = default;
  // `regarding` is the object as read from the API (apiVersion, kind, metadata.name/namespace/uid).
  virtual void Event(const nlohmann::json& regarding, EventType type, const std::string& reason,
                     const std::string& message) = 0;
};

class KubeEventRecorder final : public EventRecorder {
 public:
  // `client` and `clock` must outlive the recorder. `component` is source.component / reportingController.
  KubeEventRecorder(Client& client, const Clock& clock, std::string component);
  void Event(const nlohmann::json& regarding, EventType type, const std::string& reason,
             const std::string& message) override;
  int Failures() const;

 private:
  struct Seen {
    std::string name;
    int count = 0;
    WallTime last;
  };
  Client& client_;
  const Clock& clock_;
  const std::string component_;
  mutable std::mutex mu_;
  std::map<std::string, Seen> seen_;  // correlation key -> the Event written
  int failures_ = 0;
  uint64_t seq_ = 0;
};

class FakeEventRecorder final : public EventRecorder {
 public:
  void Event(const nlohmann::json& regarding, EventType type, const std::string& reason,
             const std::string& message) override;
  // "Warning SecretsShared <message>" in order.
  std::vector<std::string> Events() const;
  // Events whose reason is `reason`.
  std::vector<std::string> WithReason(const std::string& reason) const;
  void Clear();

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> events_;  // reason, full line
};

}  // namespace jd::kube
