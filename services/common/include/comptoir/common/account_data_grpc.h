// The server side of AccountDataInternal, which accounts calls on every service that keeps
// personal data to assemble "export my data" and carry out "erase my account". A service
// gives its part through an AccountDataSource; the transport checks the internal credential
// and hands the work to the worker pool. Thread-safe when the source is.
//
//   AccountDataGrpc account_data("delivery", source, internal_credential, server);
//   server.AddService(&account_data);
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "comptoir/accounts/v1/accounts_internal.grpc.pb.h"
#include "comptoir/common/deadline.h"
#include "comptoir/common/grpc_server.h"
#include "google/protobuf/struct.pb.h"

namespace comptoir::common {

class AccountDataSource {
 public:
  virtual ~AccountDataSource() = default;
  // What the service holds on the user (a valid UUID or InvalidArgument), as JSON-like data.
  virtual absl::StatusOr<google::protobuf::Struct> ExportAccountData(const std::string& user_id,
                                                                     Deadline deadline) = 0;
  // Removes or anonymises it. Idempotent.
  virtual absl::Status EraseAccountData(const std::string& user_id, Deadline deadline) = 0;
};

class AccountDataGrpc final : public accounts::v1::AccountDataInternal::CallbackService {
 public:
  // `service` names the part in the export ("delivery").
  AccountDataGrpc(std::string service, AccountDataSource& source, std::string internal_credential,
                  GrpcServer& server)
      : service_(std::move(service)),
        source_(source),
        internal_credential_(std::move(internal_credential)),
        server_(server) {}

  grpc::ServerUnaryReactor* ExportAccountData(grpc::CallbackServerContext* context,
                                              const accounts::v1::AccountDataRequest* request,
                                              accounts::v1::DataPart* response) override;
  grpc::ServerUnaryReactor* EraseAccountData(grpc::CallbackServerContext* context,
                                             const accounts::v1::AccountDataRequest* request,
                                             google::protobuf::Empty* response) override;

 private:
  const std::string service_;
  AccountDataSource& source_;
  const std::string internal_credential_;
  GrpcServer& server_;
};

}  // namespace comptoir::common
