// Client side of gRPC transport security: the channel credentials a caller (the gateway, a
// service calling another) uses, TLS when a CA is configured and plaintext otherwise, with
// the same variable names as the server side (grpc_server.h): one workload, one identity.
// Stateless functions: thread-safe.
//
//   GrpcClientTlsOptions tls = GrpcClientTlsOptionsFromEnv(env);
//   ASSIGN_OR_RETURN(auto credentials, ClientChannelCredentials(tls));
//   grpc::CreateCustomChannel(target, credentials, args);
#pragma once

#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "comptoir/common/config.h"

namespace comptoir::common {

struct GrpcClientTlsOptions {
  std::string ca_file{};      // PEM roots to trust; empty: plaintext channels
  std::string cert_file{};    // optional client certificate (servers that require one)
  std::string key_file{};     // its private key; goes with cert_file
  std::string server_name{};  // optional name to verify instead of the target's host
};

// Reads GRPC_TLS_CA_FILE, GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE and GRPC_TLS_SERVER_NAME.
GrpcClientTlsOptions GrpcClientTlsOptionsFromEnv(EnvConfig& env);

// SslCredentials when `options.ca_file` is set, InsecureChannelCredentials otherwise.
// FailedPrecondition naming the file when one cannot be read, or when only one of the client
// certificate and key is given (a start-up misconfiguration).
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ClientChannelCredentials(
    const GrpcClientTlsOptions& options);

// For a service calling another: ClientChannelCredentials of GrpcClientTlsOptionsFromEnv, with a
// bad file recorded as an error of `env` (EnvConfig::ExitIfInvalid reports it at start-up) and
// plaintext returned meanwhile. GRPC_TLS_SERVER_NAME needs channel arguments: callers that
// honour it build their channels with CreateCustomChannel (the gateway does).
std::shared_ptr<grpc::ChannelCredentials> ClientChannelCredentialsFromEnv(EnvConfig& env);

// The contents of a PEM file (at most 1 MiB); FailedPrecondition naming the path otherwise.
absl::StatusOr<std::string> ReadPemFile(const std::string& path);

}  // namespace comptoir::common
