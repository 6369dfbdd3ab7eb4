#include "grpc_account_data_peers.h"

#include <grpcpp/create_channel.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "comptoir/common/internal_call.h"
#include "comptoir/common/log.h"
#include "google/protobuf/util/json_util.h"

namespace comptoir::accounts {

absl::StatusOr<std::unique_ptr<GrpcAccountDataPeers>> GrpcAccountDataPeers::Create(
    const std::string& peers, std::string internal_credential,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
  std::unique_ptr<GrpcAccountDataPeers> out(
      new GrpcAccountDataPeers(std::move(internal_credential)));
  for (absl::string_view entry : absl::StrSplit(peers, ',', absl::SkipWhitespace())) {
    std::vector<std::string> parts = absl::StrSplit(absl::StripAsciiWhitespace(entry), '=');
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      return absl::InvalidArgumentError(
          "ACCOUNT_DATA_PEERS: every entry must be \"name=host:port\"");
    }
    auto channel = grpc::CreateChannel(parts[1], credentials);
    out->peers_.push_back({parts[0], v1::AccountDataInternal::NewStub(channel)});
  }
  return out;
}

void GrpcAccountDataPeers::Prepare(grpc::ClientContext& context, Deadline deadline) const {
  common::PrepareInternalCall(context, deadline, internal_credential_);
}

absl::StatusOr<std::vector<DataPart>> GrpcAccountDataPeers::Export(const std::string& user_id,
                                                                   Deadline deadline) {
  std::vector<DataPart> parts;
  v1::AccountDataRequest request;
  request.set_user_id(user_id);
  for (const Peer& peer : peers_) {
    grpc::ClientContext context;
    Prepare(context, deadline);
    v1::DataPart part;
    grpc::Status status = peer.stub->ExportAccountData(&context, request, &part);
    if (!status.ok()) {
      LOG_WARN("export: a service failed",
               {{"service", peer.name}, {"code", std::to_string(status.error_code())}});
      // An export must be complete or fail: a partial one would mislead the person.
      return absl::UnavailableError(
          absl::StrCat("the ", peer.name, " service is unavailable; retry shortly"));
    }
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(part.data(), &json).ok()) {
      return absl::InternalError("malformed export data");
    }
    parts.push_back({peer.name, std::move(json)});
  }
  return parts;
}

absl::Status GrpcAccountDataPeers::Erase(const std::string& user_id, Deadline deadline) {
  v1::AccountDataRequest request;
  request.set_user_id(user_id);
  for (const Peer& peer : peers_) {
    grpc::ClientContext context;
    Prepare(context, deadline);
    google::protobuf::Empty empty;
    grpc::Status status = peer.stub->EraseAccountData(&context, request, &empty);
    if (!status.ok()) {
      LOG_WARN("erase: a service failed",
               {{"service", peer.name}, {"code", std::to_string(status.error_code())}});
      return absl::UnavailableError(
          absl::StrCat("the ", peer.name, " service is unavailable; retry shortly"));
    }
  }
  return absl::OkStatus();
}

}  // namespace comptoir::accounts
