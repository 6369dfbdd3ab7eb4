// Who may drive a round: planning asks accounts (the owner of roles) which of the chosen users
// really are couriers. An interface so the domain is tested with a fake; GrpcCourierDirectory
// calls AccountsInternal/CheckRoles with the internal credential. Implementations are
// thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "comptoir/accounts/v1/accounts_internal.grpc.pb.h"
#include "comptoir/common/deadline.h"

namespace comptoir::delivery {

class CourierDirectory {
 public:
  virtual ~CourierDirectory() = default;
  // Those of `user_ids` (1 to 100 UUIDs) whose live account holds the courier role.
  // Unavailable when accounts cannot answer.
  virtual absl::StatusOr<std::vector<std::string>> Couriers(
      const std::vector<std::string>& user_ids, common::Deadline deadline) = 0;
};

class GrpcCourierDirectory final : public CourierDirectory {
 public:
  GrpcCourierDirectory(std::unique_ptr<accounts::v1::AccountsInternal::StubInterface> accounts,
                       std::string internal_credential)
      : accounts_(std::move(accounts)), internal_credential_(std::move(internal_credential)) {}

  absl::StatusOr<std::vector<std::string>> Couriers(const std::vector<std::string>& user_ids,
                                                    common::Deadline deadline) override;

 private:
  std::unique_ptr<accounts::v1::AccountsInternal::StubInterface> accounts_;
  const std::string internal_credential_;
};

}  // namespace comptoir::delivery
