#include "account_directory.h"

#include <grpcpp/client_context.h>

#include "comptoir/common/auth.h"
#include "comptoir/common/internal_call.h"
#include "comptoir/common/status.h"

namespace comptoir::shops {

absl::StatusOr<std::string> GrpcAccountDirectory::AccountIdByEmail(const std::string& email,
                                                                   common::Deadline deadline) {
  grpc::ClientContext context;
  common::PrepareInternalCall(context, deadline, internal_credential_);
  accounts::v1::LookupAccountByEmailRequest request;
  request.set_email(email);
  accounts::v1::LookupAccountByEmailResponse response;
  grpc::Status status = accounts_->LookupAccountByEmail(&context, request, &response);
  if (!status.ok()) {
    absl::Status converted = common::FromGrpcStatus(status);
    // What the caller can act on; anything else about accounts stays inside.
    if (converted.code() == absl::StatusCode::kNotFound ||
        converted.code() == absl::StatusCode::kInvalidArgument) {
      return converted;
    }
    return absl::UnavailableError("accounts could not be reached to look up the e-mail address");
  }
  return response.user_id();
}

}  // namespace comptoir::shops
