#include "reconcilers/release/webhook_sender.h"

#include <algorithm>
#include <cctype>
#include <chrono>

namespace jd::release {

namespace {

bool SameName(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

}  // namespace

StatusOr<int> HttpWebhookSender::Post(const std::string& url, const std::vector<HttpHeader>& headers,
                                      const std::string& body, Duration timeout) {
  ProbeRequest req;
  req.url = url;
  req.method = "POST";
  req.body = body;
  req.ca_bundle_pem = ca_bundle_pem_;
  req.timeout = std::max(std::chrono::ceil<std::chrono::milliseconds>(timeout), std::chrono::milliseconds(1));
  bool has_content_type = false;
  for (const auto& h : headers) {
    has_content_type = has_content_type || SameName(h.name, "Content-Type");
    req.headers.emplace_back(h.name, h.value);
  }
  if (!has_content_type) req.headers.emplace_back("Content-Type", "application/json");

  ProbeResult res = prober_.Get(req);
  if (res.status != 0) return res.status;  // answered (even if the answer's body broke off)
  return Error{res.error.empty() ? "no answer" : res.error};
}

}  // namespace jd::release
