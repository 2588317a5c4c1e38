// HttpWebhookSender: the real WebhookSender (webhook.h) — one HTTP(S) POST through an HttpProber.
//
// Sends the body with the given headers plus `Content-Type: application/json` (unless the caller
// gave a Content-Type). Returns the HTTP status of any answer (the Notifier decides what a 4xx or
// 5xx means), or an Error with the transport failure (the prober's text: connect, TLS, timeout).
// HTTPS is verified against `ca_bundle_pem`, or the system trust store when empty. The error never
// contains the headers (the signature) or the body.
//
// Usage:
//   jd::release::BeastHttpProber prober(clock);
//   jd::release::HttpWebhookSender sender(prober);
//   jd::release::Notifier notifier(clock, sender);
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "reconcilers/release/http_prober.h"
#include "reconcilers/release/webhook.h"

namespace jd::release {

class HttpWebhookSender : public WebhookSender {
 public:
  // `prober` must outlive the sender.
  explicit HttpWebhookSender(HttpProber& prober, std::string ca_bundle_pem = "")
      : prober_(prober), ca_bundle_pem_(std::move(ca_bundle_pem)) {}

  StatusOr<int> Post(const std::string& url, const std::vector<HttpHeader>& headers, const std::string& body,
                     Duration timeout) override;

 private:
  HttpProber& prober_;
  const std::string ca_bundle_pem_;
};

}  // namespace jd::release
