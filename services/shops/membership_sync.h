// Tells accounts about shop membership changes (AccountsInternal/AddShopMembership and
// RemoveShopMembership), so that the
// member's next access token carries the shop and other services (catalogue, orders) let
// them act for it. The shops schema stays the truth: a member row is written with the shop,
// and this sync delivers it afterwards, retrying until accounts has it (an outbox for one
// RPC). Several replicas may run it: rows are claimed with FOR UPDATE SKIP LOCKED.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "comptoir/accounts/v1/accounts_internal.grpc.pb.h"
#include "comptoir/common/background_loop.h"
#include "comptoir/common/pg_pool.h"

namespace comptoir::shops {

struct MembershipSyncOptions {
  std::string internal_credential;  // sent as x-comptoir-internal
  std::size_t batch_size = 50;
  std::chrono::milliseconds poll_interval{500};
  std::chrono::milliseconds retry_after{2000};
  std::chrono::milliseconds call_timeout{2000};
};

class MembershipSync {
 public:
  MembershipSync(common::PgPool& pg,
                 std::unique_ptr<accounts::v1::AccountsInternal::StubInterface> accounts,
                 MembershipSyncOptions options);
  ~MembershipSync();
  MembershipSync(const MembershipSync&) = delete;
  MembershipSync& operator=(const MembershipSync&) = delete;

  void Start();
  void Stop();
  // One pass on the caller's thread: delivers up to batch_size unsynced membership changes
  // (additions and removals). Returns
  // how many accounts acknowledged; the first failed call ends the pass (Unavailable etc.).
  absl::StatusOr<int> SyncOnce();

 private:
  void Loop();

  common::PgPool& pg_;
  std::unique_ptr<accounts::v1::AccountsInternal::StubInterface> accounts_;
  const MembershipSyncOptions options_;
  common::BackgroundLoop loop_;  // last: joined before the members it uses go
};

}  // namespace comptoir::shops
