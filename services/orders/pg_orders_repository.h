// OrdersRepository on PostgreSQL (libpqxx 6.4): every statement prepared and named; an
// order's status, history row and outbox event are written in one transaction. Thread-safe
// (the pool is).
#pragma once

#include <vector>

#include "comptoir/common/embedded_file.h"
#include "comptoir/common/pg_pool.h"
#include "orders_repository.h"

namespace comptoir::orders {

// The orders schema's migrations, embedded in the binary.
std::vector<common::EmbeddedFile> Migrations();

class PgOrdersRepository final : public OrdersRepository {
 public:
  explicit PgOrdersRepository(common::PgPool& pool) : pool_(pool) {}

  // The statements this repository prepares on every connection.
  static std::vector<common::PreparedStatement> Statements();

  absl::StatusOr<CheckoutRecord> FindCheckout(const std::string& user_id,
                                              const std::string& idempotency_key,
                                              common::Deadline deadline) override;
  absl::StatusOr<CheckoutRecord> LoadCheckout(const std::string& checkout_id,
                                              common::Deadline deadline) override;
  absl::StatusOr<CheckoutRecord> CreateCheckout(const std::string& user_id,
                                                const std::string& idempotency_key,
                                                const std::string& request_hash,
                                                absl::Duration claim, std::vector<Order> orders,
                                                common::Deadline deadline) override;
  absl::StatusOr<bool> ClaimCheckout(const std::string& checkout_id, absl::Duration claim,
                                     common::Deadline deadline) override;
  absl::StatusOr<std::vector<std::string>> ClaimStaleCheckouts(absl::Duration claim, int limit,
                                                               common::Deadline deadline) override;
  absl::Status FinishCheckout(const std::string& checkout_id, const std::string& status,
                              int failure_code, const std::string& failure_reason,
                              const OrderChange& change, common::Deadline deadline) override;
  absl::StatusOr<Order> ChangeOrder(const std::string& order_id, const OrderChange& change,
                                    common::Deadline deadline) override;
  absl::Status ClearHeldGoodsAction(const std::string& order_id, const std::string& action,
                                    common::Deadline deadline) override;
  absl::StatusOr<std::vector<Order>> OrdersOwingGoods(absl::Duration older_than, int limit,
                                                      common::Deadline deadline) override;
  absl::StatusOr<Order> GetOrder(const std::string& order_id, common::Deadline deadline) override;
  absl::StatusOr<std::vector<Order>> ListOrders(const OrderQuery& query,
                                                common::Deadline deadline) override;
  absl::StatusOr<std::vector<Order>> OrdersOfCustomer(const std::string& user_id, int limit,
                                                      common::Deadline deadline) override;
  absl::Status AnonymiseCustomer(const std::string& user_id, common::Deadline deadline) override;
  absl::StatusOr<OrderFigures> FiguresSince(absl::CivilDay first_day,
                                            common::Deadline deadline) override;

 private:
  common::PgPool& pool_;
};

}  // namespace comptoir::orders
