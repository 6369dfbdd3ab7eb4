#include "courier_directory.h"

#include "comptoir/common/auth.h"
#include "comptoir/common/internal_call.h"
#include "comptoir/common/status.h"

namespace comptoir::delivery {

absl::StatusOr<std::vector<std::string>> GrpcCourierDirectory::Couriers(
    const std::vector<std::string>& user_ids, common::Deadline deadline) {
  grpc::ClientContext context;
  common::PrepareInternalCall(context, deadline, internal_credential_);
  accounts::v1::CheckRolesRequest request;
  for (const std::string& id : user_ids) request.add_user_ids(id);
  request.set_role(common::kRoleCourier);
  accounts::v1::CheckRolesResponse response;
  const grpc::Status status = accounts_->CheckRoles(&context, request, &response);
  if (!status.ok()) {
    // The ids were validated here first: whatever else accounts says stays inside.
    return absl::UnavailableError("accounts could not be reached to check the couriers");
  }
  return std::vector<std::string>(response.holders().begin(), response.holders().end());
}

}  // namespace comptoir::delivery
