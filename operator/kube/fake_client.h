// fake_client.h — FakeClient, an in-memory kube::Client for reconciler and controller unit tests
// (controller-runtime's pkg/client/fake, with kube-rs-style recording of the API calls made).
// It is an approximation of the API server. What it models and what it does not is listed here;
// a test that needs more belongs on kube-sim (tests/unit/operator/kubesim_harness.h).
//
// Modelled:
//   - Storage: objects keyed by (group, resource, namespace, name); ResourceRef::version is
//     ignored and kind/apiVersion are stored as given. Cluster-scoped refs ignore `ns` and store no
//     metadata.namespace. A missing metadata.namespace on Create/Update means the default
//     namespace ("default" unless given to the constructor); the `ns` argument of Get, Patch and
//     Delete is taken as given.
//   - Server-owned metadata: one global resourceVersion counter (decimal string; "0" before the
//     first write) bumped by every write that changes something. A write that changes nothing
//     (an Update or Patch giving back the stored object) is not a write: no new resourceVersion,
//     no watch event (as the real server). uid "uid-1", "uid-2", ... in creation order;
//     `generateName` + a deterministic 5-character suffix (the n-th generated name ends in the
//     n-th of "bbbbb", "bbbbc", ...; names in use are skipped); creationTimestamp from
//     clock.WallNow() (RFC 3339, seconds); metadata.generation 1 on create, +1 when anything
//     outside metadata, apiVersion, kind and (with a status subresource) status changed, and +1
//     when deletionTimestamp is set. uid, creationTimestamp, deletionTimestamp and generation
//     sent by a client are ignored. Empty labels/annotations/finalizers/ownerReferences are not
//     stored (ObjectMeta's omitempty).
//   - Get / List: namespace filter ("" = all), label selectors (`a=b`, `a==b`, `a!=b`,
//     `a in (x,y)`, `a notin (x)`, `a`, `!a`, ANDed by ','), field selectors on metadata.name and
//     metadata.namespace (`=`, `==`, `!=`); anything else is 400 BadRequest. Lists are one page,
//     sorted by namespace/name, with metadata.resourceVersion the current counter and no `kind`.
//   - Create: 409 AlreadyExists; 422 Invalid (cause metadata.name) with neither name nor
//     generateName; 500 when metadata.resourceVersion is set (as the real server).
//   - Update: 404 NotFound; 409 Conflict when metadata.resourceVersion (or metadata.uid) is set and
//     differs from the stored one; unconditional when it is empty. Without metadata.name:
//     kBadRequest with code 0, as RestClient refuses it before sending.
//   - Status subresource, per resource: on by default for apps/deployments, batch/jobs and every
//     justdriving.io resource; EnableStatusSubresource / DisableStatusSubresource change it. With
//     it, Create drops status, Update/Patch keep the stored status, UpdateStatus/PatchStatus
//     change only status. Without it, status is ordinary content (it counts for the generation)
//     and UpdateStatus/PatchStatus are 404 NotFound (no /status endpoint).
//   - Patch / PatchStatus: kMerge (RFC 7386); kJson (RFC 6902: add, remove, replace, move, copy,
//     test; a malformed document is 400 BadRequest, an op that does not apply or a failed test is
//     422 Invalid, all or nothing); kStrategicMerge is treated as a merge patch (no merge keys:
//     lists are replaced, no $patch directives); kApply (server-side apply) is approximated as
//     "create the applied object if absent, else merge-patch it in": field ownership is not
//     tracked (fields dropped from an applied config are not removed, `force` is ignored,
//     conflicts are never reported), field_manager is required (400 BadRequest). A
//     metadata.resourceVersion in the patch is a precondition (409 Conflict); changing
//     metadata.name or metadata.namespace is 400 BadRequest.
//   - Delete: 404 NotFound; preconditions uid / resourceVersion (409 Conflict). An object with
//     finalizers gets deletionTimestamp (and deletionGracePeriodSeconds 0) and stays until an
//     Update/Patch empties its finalizers (that write removes it: one DELETED event); no new
//     finalizers may be added meanwhile (422 Invalid). Other objects are removed at once.
//   - dry_run on every write: the answer is computed, nothing is stored, no counter moves (a
//     dry-run Create answers without uid and resourceVersion).
//   - Watch: each call opens a stream of ADDED/MODIFIED/DELETED for writes that match its
//     namespace, label and field selector. From resource_version "" it first delivers the
//     current objects as ADDED (namespace/name order); from "N" it replays every write after N
//     (all history is kept, see Compact), then follows live writes ("0", which a list of an
//     untouched fake answers, replays everything; after Compact it means "", as the real
//     server's "any"; a non-number is 400 BadRequest). An object that starts or stops matching
//     the label selector arrives as ADDED / DELETED. Cancel() ends a stream (kEnd at once);
//     CloseAllWatches() ends every open stream after its queued events (as a server closing its
//     watches). WatchStream::Next waits on a condition variable at most its timeout (real time,
//     like a network read); queued events return at once.
//   - Recording and faults: every call (also failed ones) appends an Action {verb, resource,
//     ns, name} (verbs "get", "list", "create", "update", "patch", "delete", "update-status",
//     "patch-status", "watch"; name "" for list/watch and for a Create by generateName; ns ""
//     for cluster-scoped refs). Then, before anything else happens, the first queued FailNext
//     matching (verb, resource) — "*" matches any — is consumed and returned; else the reactor
//     (SetReactor), if set, may return an error. An injected error changes nothing.
//
// Not modelled (do not rely on these in tests):
//   - Garbage collection: ownerReferences are stored, nothing cascades (DeleteOwnedBy is the
//     manual, one-level stand-in); Delete's propagation policy and grace period are ignored;
//     deleting a namespace does not delete its objects; namespaces need not exist.
//   - Validation, defaulting and admission of any kind (schemas, immutable fields, CRD
//     structural pruning), field ownership (managedFields are stored as sent), strategic-merge
//     semantics, `kind` of lists, list paging/limit/continue and ListOptions::resource_version.
//   - Watch bookmarks, server-side watch timeouts, ERROR events (inject a Watch failure instead,
//     e.g. FailNext("watch", "configmaps", gone)); 410 Gone only after Compact().
//   - Authentication, authorization, rate limiting (inject 403/429 with FailNext or a reactor).
//
// Thread-safe. The reactor runs on the calling thread with no lock held, so it may call back into
// the client (Object, Seed, ...). Streams may outlive the client (they end).
//
// Usage:
//   jd::FakeClock clock;
//   jd::kube::FakeClient client(clock);
//   client.Seed(kConfigMaps, {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
//                             {"metadata", {{"name", "settings"}, {"namespace", "default"}}}});
//   client.FailNext("update", "configmaps", conflict);          // the first Update fails
//   MyReconciler rec(client, clock);
//   rec.Reconcile({"default", "settings"});
//   EXPECT_EQ(client.Actions(), (std::vector<Action>{{"get", "configmaps", "default", "settings"},
//                                                    {"update", "configmaps", "default", "settings"}}));
//   EXPECT_EQ(client.Object(kConfigMaps, "default", "settings")->at("data")["k"], "v");
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "kube/api_error.h"
#include "kube/client.h"

namespace jd::kube {

// One API call as the fake saw it.
struct Action {
  std::string verb;      // "get", "list", "create", "update", "patch", "delete", "update-status",
                         // "patch-status", "watch"
  std::string resource;  // ResourceRef::resource ("configmaps")
  std::string ns;        // "" for cluster-scoped refs, and for list/watch across namespaces
  std::string name;      // "" for list/watch and for a Create by generateName

  friend bool operator==(const Action&, const Action&) = default;
};

// "create configmaps default/settings" (for failure messages).
std::string ToString(const Action& a);
std::ostream& operator<<(std::ostream& os, const Action& a);

// Decides a call's fate before the fake acts: an error fails the call, nullopt lets it through.
using Reactor = std::function<std::optional<ApiError>(const Action&)>;

class FakeClient final : public Client {
 public:
  // `clock` must outlive the client; only WallNow() is read (timestamps).
  explicit FakeClient(const Clock& clock, std::string default_namespace = "default");
  // Ends every open watch stream.
  ~FakeClient() override;
  FakeClient(const FakeClient&) = delete;
  FakeClient& operator=(const FakeClient&) = delete;

  // kube::Client (see the doc block above for the semantics).
  ApiResult<nlohmann::json> Get(const ResourceRef& ref, const std::string& ns, const std::string& name) override;
  ApiResult<nlohmann::json> List(const ResourceRef& ref, const std::string& ns, const ListOptions& opts = {}) override;
  ApiResult<nlohmann::json> Create(const ResourceRef& ref, const nlohmann::json& obj,
                                   const WriteOptions& opts = {}) override;
  ApiResult<nlohmann::json> Update(const ResourceRef& ref, const nlohmann::json& obj,
                                   const WriteOptions& opts = {}) override;
  ApiResult<nlohmann::json> Patch(const ResourceRef& ref, const std::string& ns, const std::string& name,
                                  PatchType type, const nlohmann::json& patch, const PatchOptions& opts = {}) override;
  ApiStatus Delete(const ResourceRef& ref, const std::string& ns, const std::string& name,
                   const DeleteOptions& opts = {}) override;
  ApiResult<nlohmann::json> UpdateStatus(const ResourceRef& ref, const nlohmann::json& obj,
                                         const WriteOptions& opts = {}) override;
  ApiResult<nlohmann::json> PatchStatus(const ResourceRef& ref, const std::string& ns, const std::string& name,
                                        PatchType type, const nlohmann::json& patch,
                                        const PatchOptions& opts = {}) override;
  ApiResult<std::unique_ptr<WatchStream>> Watch(const ResourceRef& ref, const std::string& ns,
                                                const WatchOptions& opts = {}) override;

  // Status subresource of (ref.group, ref.resource); overrides the default.
  void EnableStatusSubresource(const ResourceRef& ref);
  void DisableStatusSubresource(const ResourceRef& ref);
  bool HasStatusSubresource(const ResourceRef& ref) const;

  // The calls made so far, in order; ClearActions forgets them.
  std::vector<Action> Actions() const;
  void ClearActions();

  // Fails the next call matching `verb` and `resource` ("*" matches any) with `error`, once.
  // Queued failures are consumed in the order given.
  void FailNext(std::string verb, std::string resource, ApiError error);
  // Consulted for every call not failed by FailNext; an empty function removes it.
  void SetReactor(Reactor reactor);

  // Stores `obj` as if it had been created earlier: not recorded, no faults, no validation; an
  // existing object is replaced. Keeps the given uid, creationTimestamp, generation and status
  // (filling in the ones missing); always assigns a new resourceVersion; open watches see it.
  // Returns the stored object. Throws std::invalid_argument when metadata.name is missing.
  nlohmann::json Seed(const ResourceRef& ref, nlohmann::json obj);
  // A copy of the stored object (not recorded).
  std::optional<nlohmann::json> Object(const ResourceRef& ref, const std::string& ns, const std::string& name) const;
  // Copies of the stored objects of `ref` in `ns` ("" = all), sorted by namespace/name.
  std::vector<nlohmann::json> Objects(const ResourceRef& ref, const std::string& ns = "") const;

  // Garbage-collector stand-in: deletes (as Delete would, finalizers honoured) every object of any
  // resource with an ownerReference to `owner_uid` that is not already being deleted. One level
  // (dependents of dependents stay), not recorded. Returns how many objects it deleted or marked
  // for deletion.
  int DeleteOwnedBy(const std::string& owner_uid);

  // Ends every open watch stream (kEnd after the events already queued).
  void CloseAllWatches();
  // Open (not cancelled, not closed) watch streams.
  std::size_t OpenWatches() const;
  // Forgets the write history: a later Watch from an older resourceVersion is 410 Gone.
  void Compact();
  // The current value of the resourceVersion counter.
  std::string ResourceVersion() const;

 private:
  struct Channel;
  struct HistoryEntry;
  class Stream;
  // (group, resource, namespace, name)
  using Key = std::tuple<std::string, std::string, std::string, std::string>;

  std::optional<ApiError> Intercept(Action action);
  std::string NamespaceFor(const ResourceRef& ref, const std::string& ns) const;
  std::string NamespaceOf(const ResourceRef& ref, const nlohmann::json& obj) const;
  bool HasStatusLocked(const ResourceRef& ref) const;
  std::string NowTimestamp() const;

  ApiResult<nlohmann::json> CreateLocked(const ResourceRef& ref, nlohmann::json obj, const std::string& ns,
                                         bool dry_run);
  ApiResult<nlohmann::json> WriteExistingLocked(const ResourceRef& ref, const Key& key, const nlohmann::json& old,
                                                nlohmann::json obj, bool status_write, bool dry_run);
  ApiResult<nlohmann::json> PatchImpl(const char* verb, const ResourceRef& ref, const std::string& ns,
                                      const std::string& name, PatchType type, const nlohmann::json& patch,
                                      const PatchOptions& opts, bool status_write);
  ApiResult<nlohmann::json> UpdateImpl(const char* verb, const ResourceRef& ref, const nlohmann::json& obj,
                                       const WriteOptions& opts, bool status_write);
  ApiStatus DeleteLocked(const ResourceRef& ref, const Key& key, const DeleteOptions& opts);
  // Stores `obj` under a new resourceVersion and notifies the watches.
  nlohmann::json CommitLocked(const Key& key, WatchEvent::Type type, nlohmann::json obj,
                              std::optional<nlohmann::json> old);
  // Removes the object under a new resourceVersion and notifies the watches.
  nlohmann::json RemoveLocked(const Key& key, nlohmann::json last);
  void NotifyLocked(const HistoryEntry& entry);

  const Clock& clock_;
  const std::string default_namespace_;

  mutable std::mutex hooks_mu_;  // guards actions_, failures_, reactor_
  std::vector<Action> actions_;
  struct Failure {
    std::string verb, resource;
    ApiError error;
  };
  std::vector<Failure> failures_;
  Reactor reactor_;

  mutable std::mutex mu_;  // guards everything below; taken before any Channel::mu
  std::map<Key, nlohmann::json> objects_;
  std::map<std::pair<std::string, std::string>, bool> status_subresource_;  // explicit settings
  uint64_t rv_ = 0;
  uint64_t compacted_rv_ = 0;
  uint64_t uids_ = 0;
  uint64_t generated_names_ = 0;
  std::vector<HistoryEntry> history_;
  std::vector<std::shared_ptr<Channel>> watches_;
};

}  // namespace jd::kube
