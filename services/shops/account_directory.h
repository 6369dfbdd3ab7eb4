// Who has an account with a given e-mail address: the shops service asks accounts (its owner)
// when an owner adds or removes staff by address. An interface so the domain is tested with
// a fake; GrpcAccountDirectory calls AccountsInternal/LookupAccountByEmail with the internal
// credential. Implementations are thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "comptoir/accounts/v1/accounts_internal.grpc.pb.h"
#include "comptoir/common/deadline.h"

namespace comptoir::shops {

class AccountDirectory {
 public:
  virtual ~AccountDirectory() = default;
  // The account UUID for `email` (case-insensitive). NotFound when nobody has it.
  virtual absl::StatusOr<std::string> AccountIdByEmail(const std::string& email,
                                                       common::Deadline deadline) = 0;
};

class GrpcAccountDirectory : public AccountDirectory {
 public:
  GrpcAccountDirectory(std::unique_ptr<accounts::v1::AccountsInternal::StubInterface> accounts,
                       std::string internal_credential)
      : accounts_(std::move(accounts)), internal_credential_(std::move(internal_credential)) {}

  absl::StatusOr<std::string> AccountIdByEmail(const std::string& email,
                                               common::Deadline deadline) override;

 private:
  std::unique_ptr<accounts::v1::AccountsInternal::StubInterface> accounts_;
  const std::string internal_credential_;
};

}  // namespace comptoir::shops
