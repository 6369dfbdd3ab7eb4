#include "membership_sync.h"

#include <grpcpp/client_context.h>

#include <utility>
#include <vector>

#include "comptoir/common/auth.h"
#include "comptoir/common/log.h"
#include "comptoir/common/status.h"

namespace comptoir::shops {
namespace {

struct Membership {
  std::string shop_id;
  std::string user_id;
  std::string role;
  bool removed;
};

}  // namespace

MembershipSync::MembershipSync(
    common::PgPool& pg, std::unique_ptr<accounts::v1::AccountsInternal::StubInterface> accounts,
    MembershipSyncOptions options)
    : pg_(pg), accounts_(std::move(accounts)), options_(std::move(options)) {}

MembershipSync::~MembershipSync() { Stop(); }

void MembershipSync::Start() {
  loop_.Start([this] { Loop(); });
}

void MembershipSync::Stop() { loop_.Stop(); }

absl::StatusOr<int> MembershipSync::SyncOnce() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  return pg_.Run<int>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<int> {
    pqxx::result rows = tx.exec_params(
        "SELECT shop_id::text, user_id::text, role, removed_at IS NOT NULL FROM shops.members "
        "WHERE synced_at IS NULL "
        "ORDER BY create_time LIMIT $1 FOR UPDATE SKIP LOCKED",
        static_cast<int64_t>(options_.batch_size));
    int synced = 0;
    absl::Status failure;
    for (const pqxx::row& row : rows) {
      Membership m{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                   row[3].as<bool>()};
      google::protobuf::Empty response;
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + options_.call_timeout);
      context.AddMetadata(common::kInternalCredentialHeader, options_.internal_credential);
      grpc::Status status;
      if (m.removed) {
        accounts::v1::RemoveShopMembershipRequest request;
        request.set_user_id(m.user_id);
        request.set_shop_id(m.shop_id);
        status = accounts_->RemoveShopMembership(&context, request, &response);
      } else {
        accounts::v1::AddShopMembershipRequest request;
        request.set_user_id(m.user_id);
        request.set_shop_id(m.shop_id);
        request.set_role(m.role);
        status = accounts_->AddShopMembership(&context, request, &response);
      }
      if (!status.ok()) {
        failure = common::FromGrpcStatus(status);
        break;
      }
      // A removal, once accounts knows, leaves nothing to keep.
      tx.exec_params(m.removed ? "DELETE FROM shops.members WHERE shop_id = $1::uuid AND "
                                 "user_id = $2::uuid"
                               : "UPDATE shops.members SET synced_at = now() WHERE shop_id = "
                                 "$1::uuid AND user_id = $2::uuid",
                     m.shop_id, m.user_id);
      ++synced;
    }
    // What accounts acknowledged is committed even when a later call failed (the calls are
    // idempotent anyway); the failure is reported only when nothing went through.
    if (synced == 0 && !failure.ok()) return failure;
    return synced;
  });
}

void MembershipSync::Loop() {
  bool failing = false;
  while (true) {
    absl::StatusOr<int> synced = SyncOnce();
    std::chrono::milliseconds wait = options_.poll_interval;
    if (!synced.ok()) {
      if (!failing) {
        LOG_WARN("membership sync to accounts failing, will retry",
                 {{"error", synced.status().ToString()}});
      }
      failing = true;
      wait = options_.retry_after;
    } else {
      if (failing) LOG_INFO("membership sync to accounts recovered");
      failing = false;
      if (*synced == static_cast<int>(options_.batch_size)) wait = std::chrono::milliseconds(0);
    }
    if (!loop_.Sleep(wait)) return;
  }
}

}  // namespace comptoir::shops
