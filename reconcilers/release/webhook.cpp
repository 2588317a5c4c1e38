#include "reconcilers/release/webhook.h"

#include <optional>
#include <utility>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "reconcilers/common/timestamp.h"

namespace jd::release {

namespace {

enum class Verdict { kDelivered, kRetry, kGiveUp };

Verdict Classify(const StatusOr<int>& answer) {
  if (!answer.ok()) return Verdict::kRetry;
  const int code = answer.value();
  if (code >= 200 && code < 300) return Verdict::kDelivered;
  if (code == 408 || code == 429 || code >= 500) return Verdict::kRetry;
  return Verdict::kGiveUp;
}

std::string Describe(const StatusOr<int>& answer) {
  if (!answer.ok()) return answer.error().message;
  return "HTTP " + std::to_string(answer.value());
}

}  // namespace

std::string BuildPayload(const WebhookEvent& e) {
  nlohmann::ordered_json payload;
  payload["namespace"] = e.ns;
  payload["environment"] = e.environment;
  payload["release"] = e.release;
  payload["version"] = e.version;
  payload["outcome"] = e.outcome;
  payload["reason"] = e.reason;
  payload["failedChecks"] = e.failed_checks;
  payload["at"] = rec::FormatRfc3339(e.at);
  return payload.dump();
}

std::string Sign(std::string_view key, std::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 0xf]);
  }
  return out;
}

Duration Notifier::Backoff(const NotifierOptions& options, int attempt) {
  Duration d = options.initial_backoff;
  for (int i = 1; i < attempt && d < options.max_backoff; ++i) d *= 2;
  return d < options.max_backoff ? d : options.max_backoff;
}

Notifier::Notifier(Clock& clock, WebhookSender& sender, NotifierOptions options)
    : clock_(clock), sender_(sender), options_(std::move(options)) {
  if (options_.own_thread) worker_ = std::thread([this] { WorkerLoop(); });
}

Notifier::~Notifier() {
  std::vector<std::unique_ptr<Timer>> timers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& [id, d] : deliveries_) timers.push_back(std::move(d.timer));
  }
  cv_.notify_all();
  timers.clear();  // cancels; waits for a callback running on the clock's thread (not under mu_)
  if (worker_.joinable()) worker_.join();
}

std::uint64_t Notifier::Enqueue(const std::string& url, std::string_view key, std::string body) {
  Delivery d;
  d.url = url;
  d.headers = {{"Content-Type", "application/json"},
               {"User-Agent", "justdriving-operator"},
               {std::string(kSignatureHeader), Sign(key, body)}};
  d.body = std::move(body);
  std::lock_guard<std::mutex> lock(mu_);
  const std::uint64_t id = next_id_++;
  auto& stored = deliveries_[id] = std::move(d);
  stored.timer = clock_.AfterFunc(Duration::zero(), [this, id] { OnDue(id); });
  return id;
}

std::size_t Notifier::Pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return deliveries_.size();
}

void Notifier::OnDue(std::uint64_t id) {
  if (!options_.own_thread) {
    Attempt(id);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    ready_.push_back(id);
  }
  cv_.notify_one();
}

void Notifier::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
    if (stopping_) return;
    const std::uint64_t id = ready_.front();
    ready_.pop_front();
    lock.unlock();
    Attempt(id);
    lock.lock();
  }
}

void Notifier::Attempt(std::uint64_t id) {
  std::string url, body;
  std::vector<HttpHeader> headers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = deliveries_.find(id);
    if (stopping_ || it == deliveries_.end()) return;
    url = it->second.url;
    headers = it->second.headers;
    body = it->second.body;
    ++it->second.attempts;
  }

  const StatusOr<int> answer = sender_.Post(url, headers, body, options_.timeout);  // no lock held

  std::optional<DeliveryReport> report;
  std::unique_ptr<Timer> spent;  // the timer that fired; destroyed after unlocking
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = deliveries_.find(id);
    if (it == deliveries_.end()) return;
    Delivery& d = it->second;
    spent = std::move(d.timer);
    const Verdict verdict = Classify(answer);
    if (verdict == Verdict::kRetry && d.attempts < options_.max_attempts) {
      if (stopping_) {
        deliveries_.erase(it);  // shutting down: dropped, as documented; no report
      } else {
        d.timer = clock_.AfterFunc(Backoff(options_, d.attempts), [this, id] { OnDue(id); });
      }
    } else {
      report = DeliveryReport{id, d.url, d.attempts, verdict == Verdict::kDelivered,
                              verdict == Verdict::kDelivered ? "" : Describe(answer)};
      deliveries_.erase(it);
    }
  }
  spent.reset();
  if (report && options_.on_finished) options_.on_finished(*report);
}

}  // namespace jd::release
