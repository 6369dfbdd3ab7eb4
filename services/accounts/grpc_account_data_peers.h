// AccountDataPeers over gRPC: asks each service listed in ACCOUNT_DATA_PEERS
// ("orders=127.0.0.1:50054,delivery=127.0.0.1:50055") through its AccountDataInternal service,
// with the internal credential. Thread-safe (stubs and channels are).
#pragma once

#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>
#include <vector>

#include "accounts_service.h"
#include "comptoir/accounts/v1/accounts_internal.grpc.pb.h"

namespace comptoir::accounts {

class GrpcAccountDataPeers : public AccountDataPeers {
 public:
  // `peers`: "name=host:port" entries, comma-separated; empty for none.
  static absl::StatusOr<std::unique_ptr<GrpcAccountDataPeers>> Create(
      const std::string& peers, std::string internal_credential,
      const std::shared_ptr<grpc::ChannelCredentials>& credentials);

  absl::StatusOr<std::vector<DataPart>> Export(const std::string& user_id,
                                               Deadline deadline) override;
  absl::Status Erase(const std::string& user_id, Deadline deadline) override;

 private:
  struct Peer {
    std::string name;
    std::unique_ptr<v1::AccountDataInternal::Stub> stub;
  };
  explicit GrpcAccountDataPeers(std::string internal_credential)
      : internal_credential_(std::move(internal_credential)) {}
  void Prepare(grpc::ClientContext& context, Deadline deadline) const;

  std::vector<Peer> peers_;
  const std::string internal_credential_;
};

}  // namespace comptoir::accounts
