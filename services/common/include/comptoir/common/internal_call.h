// Client side of the internal services (stock, slots, account data, roles): a call from one
// service to another carries the caller's deadline and the internal credential. Stateless:
// thread-safe.
//
//   grpc::ClientContext context;
//   PrepareInternalCall(context, deadline, internal_credential);
//   grpc::Status status = stub->CheckRoles(&context, request, &response);
#pragma once

#include <grpcpp/client_context.h>

#include <string>

#include "comptoir/common/deadline.h"

namespace comptoir::common {

// Sets the caller's deadline on a fresh client context, carried over from the steady clock to
// the wall clock gRPC wants (calls to a peer's public service).
void SetCallDeadline(grpc::ClientContext& context, Deadline deadline);

// The deadline as above and the internal credential header.
void PrepareInternalCall(grpc::ClientContext& context, Deadline deadline,
                         const std::string& internal_credential);

}  // namespace comptoir::common
