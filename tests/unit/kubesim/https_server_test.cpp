// kube-sim in-process: ApiServer behind HttpsServer on a loopback port, reached over TLS by a
// client that verifies the generated CA and sends the bearer token — the way the operator's
// integration tests embed kube-sim.
#include "https_server.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "api_server.h"
#include "certs.h"
#include "clock.h"

namespace kubesim {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;

struct Reply {
  int status = 0;
  std::string body;
  std::string error;  // transport or TLS failure
};

// One HTTPS request verifying the server against `ca_pem` (empty: trust nothing).
Reply Request(int port, const std::string& ca_pem, const std::string& token, http::verb method,
              const std::string& target, const std::string& body = "") {
  Reply r;
  try {
    net::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    if (!ca_pem.empty()) ctx.add_certificate_authority(net::buffer(ca_pem));
    ctx.set_verify_mode(ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    stream.next_layer().connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    stream.handshake(ssl::stream_base::client);
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    r.status = static_cast<int>(res.result_int());
    r.body = res.body();
    beast::error_code ec;
    stream.shutdown(ec);
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

class HttpsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CertRequest req;
    req.ip_addresses = {"127.0.0.1"};
    auto bundle = GenerateCaAndServingCert(req);
    ASSERT_TRUE(bundle.ok()) << bundle.error().message;
    certs_ = bundle.value();
    api_ = std::make_unique<ApiServer>(clock_, ApiServerOptions{.token = "t0ken"});
    server_ = std::make_unique<HttpsServer>(*api_, HttpsServerOptions{"127.0.0.1:0", certs_.cert_pem, certs_.key_pem, false});
    auto port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.error().message;
    port_ = port.value();
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (api_) api_->Shutdown();
  }

  SystemClock clock_;
  CertBundle certs_;
  std::unique_ptr<ApiServer> api_;
  std::unique_ptr<HttpsServer> server_;
  int port_ = 0;
};

TEST_F(HttpsServerTest, ServesOverTlsWithTheToken) {
  Reply r = Request(port_, certs_.ca_cert_pem, "t0ken", http::verb::get, "/api/v1/namespaces");
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"kind\":\"NamespaceList\""), std::string::npos);
}

TEST_F(HttpsServerTest, CreatesAndReadsBack) {
  Reply c = Request(port_, certs_.ca_cert_pem, "t0ken", http::verb::post, "/api/v1/namespaces/default/configmaps",
                    R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"k":"v"}})");
  ASSERT_EQ(c.error, "");
  EXPECT_EQ(c.status, 201);
  Reply g = Request(port_, certs_.ca_cert_pem, "t0ken", http::verb::get, "/api/v1/namespaces/default/configmaps/x");
  EXPECT_EQ(g.status, 200);
  EXPECT_NE(g.body.find("\"k\":\"v\""), std::string::npos);
}

TEST_F(HttpsServerTest, RefusesAWrongOrMissingToken) {
  EXPECT_EQ(Request(port_, certs_.ca_cert_pem, "wrong", http::verb::get, "/api/v1/namespaces").status, 401);
  EXPECT_EQ(Request(port_, certs_.ca_cert_pem, "", http::verb::get, "/api/v1/namespaces").status, 401);
  // /version and /healthz are anonymous, as on a real apiserver.
  EXPECT_EQ(Request(port_, certs_.ca_cert_pem, "", http::verb::get, "/version").status, 200);
}

TEST_F(HttpsServerTest, AClientWithAnotherCaRefusesTheServer) {
  auto other = GenerateCaAndServingCert(CertRequest{});
  ASSERT_TRUE(other.ok());
  Reply r = Request(port_, other.value().ca_cert_pem, "t0ken", http::verb::get, "/version");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("certificate verify failed"), std::string::npos) << r.error;
}

TEST_F(HttpsServerTest, RefuseConnectionsFaultThenServesTheSameData) {
  ASSERT_EQ(Request(port_, certs_.ca_cert_pem, "t0ken", http::verb::post, "/api/v1/namespaces/default/configmaps",
                    R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"kept"}})")
                .status,
            201);
  api_->faults().RefuseConnectionsFor(std::chrono::milliseconds(500));
  // Poll (bounded) until a connection is refused, then until the server is back.
  bool refused = false;
  for (int i = 0; i < 100 && !refused; ++i) {
    refused = !Request(port_, certs_.ca_cert_pem, "t0ken", http::verb::get, "/version").error.empty();
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(refused);
  int status = 0;
  for (int i = 0; i < 300 && status != 200; ++i) {
    status = Request(port_, certs_.ca_cert_pem, "t0ken", http::verb::get, "/api/v1/namespaces/default/configmaps/kept").status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace kubesim
