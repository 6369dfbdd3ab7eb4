// Errors as application/problem+json (RFC 9457), with the gRPC code mapped to the HTTP
// status as grpc-gateway does. Pure functions: thread-safe.
//
//   Problem p = ProblemFromStatus(upstream_status, "/v1/shops/x", request_id);
//   response.result(p.status); response.body() = RenderProblem(p);
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "comptoir/common/status.h"

namespace comptoir::gateway {

inline constexpr std::string_view kProblemContentType = "application/problem+json";

// grpc-gateway's table: INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE 400; NOT_FOUND
// 404; ALREADY_EXISTS, ABORTED 409; PERMISSION_DENIED 403; UNAUTHENTICATED 401;
// RESOURCE_EXHAUSTED 429; UNAVAILABLE 503; DEADLINE_EXCEEDED 504; CANCELLED 499 (the client
// went away); UNIMPLEMENTED 501; anything else 500.
int HttpStatusFromCode(absl::StatusCode code);

struct Problem {
  int status = 500;
  std::string code;      // canonical gRPC code name, e.g. "INVALID_ARGUMENT"
  std::string detail;    // speaks to the caller; never internals
  std::string instance;  // request path, without the query (it may hold secrets)
  std::string request_id;
  std::vector<common::FieldViolation> errors;
};

// Problem for a status from an upstream or from the gateway's own checks. Field violations
// carried by the status (google.rpc.BadRequest) become `errors`. Messages of INTERNAL,
// UNKNOWN and DATA_LOSS are replaced by a generic text: they may carry internals.
Problem ProblemFromStatus(const absl::Status& status, std::string_view instance,
                          std::string_view request_id);
// Problem whose HTTP status is not the code's usual one (405, 413, 415, 431 ...).
Problem MakeProblem(int http_status, absl::StatusCode code, std::string detail,
                    std::string_view instance, std::string_view request_id);

// {"type":"about:blank","title":<HTTP reason>,"status":..,"detail":..,"instance":..,
//  "request_id":..,"code":..,"errors":[{"field":..,"description":..}]}. With type
// about:blank the title is the HTTP reason phrase, as RFC 9457 asks; clients branch on
// `code` and `errors`, and show their own translated text.
std::string RenderProblem(const Problem& problem);

// "Not Found" for 404; "Client Closed Request" for 499; "Error" when unknown.
std::string_view ReasonPhrase(int http_status);

}  // namespace comptoir::gateway
