#include "comptoir/common/account_data_grpc.h"

#include "comptoir/common/auth.h"
#include "comptoir/common/status.h"

namespace comptoir::common {

grpc::ServerUnaryReactor* AccountDataGrpc::ExportAccountData(
    grpc::CallbackServerContext* context, const accounts::v1::AccountDataRequest* request,
    accounts::v1::DataPart* response) {
  return Offload(server_, context, [this, context, request, response](Deadline deadline) {
    RETURN_IF_ERROR(RequireInternal(*context, internal_credential_));
    ASSIGN_OR_RETURN(*response->mutable_data(),
                     source_.ExportAccountData(request->user_id(), deadline));
    response->set_service(service_);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountDataGrpc::EraseAccountData(
    grpc::CallbackServerContext* context, const accounts::v1::AccountDataRequest* request,
    google::protobuf::Empty* /*response*/) {
  return Offload(server_, context, [this, context, request](Deadline deadline) {
    RETURN_IF_ERROR(RequireInternal(*context, internal_credential_));
    return source_.EraseAccountData(request->user_id(), deadline);
  });
}

}  // namespace comptoir::common
