// The gRPC server bootstrap with TLS from PEM files, as clusters without a mesh configure it.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "comptoir/common/grpc_server.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace comptoir::common {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class GrpcServerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("comptoir-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=localhost -addext subjectAltName=DNS:localhost -keyout " +
        (dir_ / "key.pem").string() + " -out " + (dir_ / "cert.pem").string() + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << "openssl could not make a certificate";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

TEST_F(GrpcServerTlsTest, ServesHealthOverTlsAndRefusesPlaintext) {
  GrpcServerOptions options;
  options.grpc_listen = "127.0.0.1:0";
  options.tls_cert_file = (dir_ / "cert.pem").string();
  options.tls_key_file = (dir_ / "key.pem").string();
  GrpcServer server(options);
  ASSERT_TRUE(server.Start().ok());
  const std::string target = "localhost:" + std::to_string(server.port());

  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadAll(options.tls_cert_file);
  auto secure =
      grpc::health::v1::Health::NewStub(grpc::CreateChannel(target, grpc::SslCredentials(ssl)));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(secure->Check(&context, {}, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  auto plain = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  grpc::ClientContext plain_context;
  plain_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  EXPECT_FALSE(plain->Check(&plain_context, {}, &response).ok());
  server.Shutdown();
}

TEST_F(GrpcServerTlsTest, MissingKeyFileFailsAtStartWithAClearMessage) {
  GrpcServerOptions options;
  options.grpc_listen = "127.0.0.1:0";
  options.tls_cert_file = (dir_ / "cert.pem").string();
  options.tls_key_file = (dir_ / "absent.pem").string();
  GrpcServer server(options);
  absl::Status started = server.Start();
  EXPECT_EQ(started.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(started.message().find("absent.pem"), absl::string_view::npos);
}

}  // namespace
}  // namespace comptoir::common
