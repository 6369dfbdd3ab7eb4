// The gateway's channels to the services use TLS when GRPC_TLS_CA_FILE is set (deployments
// without a mesh): a call succeeds against a TLS service trusting that CA, a plaintext
// channel is refused, and a missing file is a clear start-up error.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <string>

#include "comptoir/common/grpc_channel.h"
#include "comptoir/common/grpc_server.h"
#include "upstream.h"

namespace comptoir::gateway {
namespace {

class UpstreamTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("comptoir-gw-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=localhost -addext subjectAltName=DNS:localhost -keyout " +
        (dir_ / "key.pem").string() + " -out " + (dir_ / "cert.pem").string() + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << "openssl could not make a certificate";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Health/Check with an empty request through `client`.
  static grpc::Status Check(UpstreamClient& client, const std::string& address) {
    std::promise<grpc::Status> done;
    client.Call(
        address, "/grpc.health.v1.Health/Check", "", "rid", std::chrono::seconds(5),
        [&done](const grpc::Status& status, std::string, int64_t) { done.set_value(status); });
    return done.get_future().get();
  }

  std::filesystem::path dir_;
};

TEST_F(UpstreamTlsTest, ChannelsUseTlsWhenACaIsConfigured) {
  common::GrpcServerOptions options;
  options.grpc_listen = "127.0.0.1:0";
  options.tls_cert_file = (dir_ / "cert.pem").string();
  options.tls_key_file = (dir_ / "key.pem").string();
  common::GrpcServer server(options);
  ASSERT_TRUE(server.Start().ok());
  const std::string address = "127.0.0.1:" + std::to_string(server.port());

  auto credentials = common::ClientChannelCredentials({.ca_file = options.tls_cert_file});
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  // The certificate names localhost; the address is an IP: verify the name instead.
  UpstreamClient secure({address}, {.timeout = std::chrono::seconds(5),
                                    .credentials = *credentials,
                                    .tls_server_name = "localhost"});
  EXPECT_TRUE(Check(secure, address).ok());

  UpstreamClient plain({address}, {.timeout = std::chrono::seconds(2)});
  EXPECT_FALSE(Check(plain, address).ok());
  secure.Shutdown();
  plain.Shutdown();
  server.Shutdown();
}

TEST_F(UpstreamTlsTest, NoCaMeansPlaintextAndMissingFilesAreClearErrors) {
  auto plain = common::ClientChannelCredentials({});
  ASSERT_TRUE(plain.ok());
  auto missing = common::ClientChannelCredentials({.ca_file = (dir_ / "absent.pem").string()});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.status().message().find("absent.pem"), absl::string_view::npos);
  auto half = common::ClientChannelCredentials(
      {.ca_file = (dir_ / "cert.pem").string(), .cert_file = (dir_ / "cert.pem").string()});
  EXPECT_EQ(half.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace comptoir::gateway
