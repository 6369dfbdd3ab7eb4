#include "comptoir/common/grpc_channel.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "comptoir/common/status.h"

namespace comptoir::common {

absl::StatusOr<std::string> ReadPemFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read TLS file ", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > (1 << 20)) {
    return absl::FailedPreconditionError(absl::StrCat("TLS file ", path, " is over 1 MiB"));
  }
  return text.str();
}

GrpcClientTlsOptions GrpcClientTlsOptionsFromEnv(EnvConfig& env) {
  GrpcClientTlsOptions options;
  options.ca_file = env.String("GRPC_TLS_CA_FILE", "");
  options.cert_file = env.String("GRPC_TLS_CERT_FILE", "");
  options.key_file = env.String("GRPC_TLS_KEY_FILE", "");
  options.server_name = env.String("GRPC_TLS_SERVER_NAME", "");
  return options;
}

std::shared_ptr<grpc::ChannelCredentials> ClientChannelCredentialsFromEnv(EnvConfig& env) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      ClientChannelCredentials(GrpcClientTlsOptionsFromEnv(env));
  if (credentials.ok()) return *std::move(credentials);
  env.AddError(std::string(credentials.status().message()));
  return grpc::InsecureChannelCredentials();
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ClientChannelCredentials(
    const GrpcClientTlsOptions& options) {
  if (options.ca_file.empty()) return grpc::InsecureChannelCredentials();
  if (options.cert_file.empty() != options.key_file.empty()) {
    return absl::FailedPreconditionError("GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE go together");
  }
  grpc::SslCredentialsOptions ssl;
  ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPemFile(options.ca_file));
  if (!options.cert_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadPemFile(options.cert_file));
    ASSIGN_OR_RETURN(ssl.pem_private_key, ReadPemFile(options.key_file));
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace comptoir::common
