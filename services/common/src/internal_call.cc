#include "comptoir/common/internal_call.h"

#include "comptoir/common/auth.h"

namespace comptoir::common {

void SetCallDeadline(grpc::ClientContext& context, Deadline deadline) {
  context.set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::duration_cast<std::chrono::system_clock::duration>(deadline - Clock::now()));
}

void PrepareInternalCall(grpc::ClientContext& context, Deadline deadline,
                         const std::string& internal_credential) {
  SetCallDeadline(context, deadline);
  context.AddMetadata(kInternalCredentialHeader, internal_credential);
}

}  // namespace comptoir::common
