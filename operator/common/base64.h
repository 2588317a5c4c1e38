// Base64Decode: strict decoding of standard (RFC 4648 §4) base64, as found in kubeconfig *-data
// fields and Secret data.
//
// Whitespace (spaces, tabs, newlines) is ignored so wrapped values decode; padding is optional.
// Anything else outside the alphabet, misplaced '=', or a dangling single character is an error
// whose message says which character and where (the caller prefixes the field name).
//
// Usage:
//   auto pem = jd::Base64Decode(node.as<std::string>());
//   if (!pem.ok()) return jd::Error{"clusters[0].cluster.certificate-authority-data: " + pem.error().message};
#pragma once

#include <string>
#include <string_view>

#include "common/status_or.h"

namespace jd {

StatusOr<std::string> Base64Decode(std::string_view encoded);

}  // namespace jd
