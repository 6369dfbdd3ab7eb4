// absl::Status helpers shared by every service: early-return macros, field violations that
// survive the trip to the gateway (as google.rpc.BadRequest details), and gRPC conversion.
//
//   absl::StatusOr<Shop> Load(...) {
//     ASSIGN_OR_RETURN(auto conn, pool.Acquire(deadline));
//     RETURN_IF_ERROR(Validate(shop));
//     ...
//   }
//
// Thread-safe: free functions over values.
#pragma once

#include <grpcpp/support/status.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define COMPTOIR_STATUS_CONCAT_INNER_(a, b) a##b
#define COMPTOIR_STATUS_CONCAT_(a, b) COMPTOIR_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                            \
  do {                                                   \
    ::absl::Status comptoir_status_ = (expr);            \
    if (!comptoir_status_.ok()) return comptoir_status_; \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, F())` declares x from an OK StatusOr, or returns its status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  COMPTOIR_ASSIGN_OR_RETURN_IMPL_(COMPTOIR_STATUS_CONCAT_(comptoir_statusor_, __LINE__), lhs, expr)
#define COMPTOIR_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.ok()) return std::move(tmp).status();        \
  lhs = std::move(tmp).value()

namespace comptoir::common {

// One bad field of a request: `field` is the proto field path ("shop.name"),
// `description` speaks to the caller ("must not be empty").
struct FieldViolation {
  std::string field;
  std::string description;
};

// Collects violations while validating a whole request, so the caller hears every problem
// at once instead of one per round trip.
class Violations {
 public:
  void Add(std::string field, std::string description);
  bool empty() const { return list_.empty(); }
  const std::vector<FieldViolation>& list() const { return list_; }
  // OK when empty, otherwise InvalidArgument carrying every violation.
  absl::Status ToStatus() const;

 private:
  std::vector<FieldViolation> list_;
};

// InvalidArgument naming the fields at fault; the message summarises them.
absl::Status InvalidArgumentWithFields(std::vector<FieldViolation> violations);
absl::Status InvalidField(std::string field, std::string description);

// The field violations carried by `status`, empty when it has none.
std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status);

// absl and gRPC share canonical codes; these keep the message and the field violations
// (as a serialized google.rpc.Status with a google.rpc.BadRequest detail).
grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

// The code's canonical upper-case name, e.g. "INVALID_ARGUMENT".
std::string_view CodeName(absl::StatusCode code);

}  // namespace comptoir::common
