// Storage of checkouts and orders (interface; PgOrdersRepository implements it). Every write
// that changes an order's status also records its history row and its OrderEvent in the
// outbox in the same transaction. Implementations are thread-safe.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "comptoir/common/deadline.h"
#include "order.h"
#include "peers.h"

namespace comptoir::orders {

struct CheckoutRecord {
  std::string id;
  std::string customer_user_id;
  std::string request_hash;
  std::string status;  // "pending", "placed", "failed"
  int failure_code = 0;
  std::string failure_reason;
  absl::Time claimed_until;
  absl::Time create_time;
  std::vector<Order> orders;  // with their lines, by number
};

// Orders of one resident or of one shop, newest first, after a keyset cursor.
struct OrderQuery {
  std::string customer_user_id;  // exactly one of customer_user_id and shop_id
  std::string shop_id;
  std::vector<std::string> statuses;  // empty: every status except pending and failed
  absl::Time from = absl::InfinitePast();
  absl::Time to = absl::InfiniteFuture();
  int limit = 20;
  // Cursor: the last order of the previous page.
  absl::Time after_time = absl::InfiniteFuture();
  std::string after_id;
};

// A change to one order decided by the service on the locked row: it edits `order` (status,
// reason, payment, held goods) and returns the transition to record.
using OrderChange = std::function<absl::StatusOr<Transition>(Order& order)>;

class OrdersRepository {
 public:
  virtual ~OrdersRepository() = default;

  // NotFound when the resident never used this key.
  virtual absl::StatusOr<CheckoutRecord> FindCheckout(const std::string& user_id,
                                                      const std::string& idempotency_key,
                                                      common::Deadline deadline) = 0;
  virtual absl::StatusOr<CheckoutRecord> LoadCheckout(const std::string& checkout_id,
                                                      common::Deadline deadline) = 0;
  // Records the checkout, claimed for `claim`, and its orders PENDING (numbers assigned, lines,
  // creation history) in one transaction. AlreadyExists when the key is already used.
  virtual absl::StatusOr<CheckoutRecord> CreateCheckout(const std::string& user_id,
                                                        const std::string& idempotency_key,
                                                        const std::string& request_hash,
                                                        absl::Duration claim,
                                                        std::vector<Order> orders,
                                                        common::Deadline deadline) = 0;
  // Takes a pending checkout whose claim lapsed; false when another owner holds it or it is
  // finished.
  virtual absl::StatusOr<bool> ClaimCheckout(const std::string& checkout_id, absl::Duration claim,
                                             common::Deadline deadline) = 0;
  // Claims (for `claim`) up to `limit` pending checkouts whose claim lapsed; their ids.
  virtual absl::StatusOr<std::vector<std::string>> ClaimStaleCheckouts(
      absl::Duration claim, int limit, common::Deadline deadline) = 0;
  // Applies `change` to every order of the checkout (each locked), and sets the checkout's
  // status, failure code and reason, in one transaction. A change that fails rolls back all.
  virtual absl::Status FinishCheckout(const std::string& checkout_id, const std::string& status,
                                      int failure_code, const std::string& failure_reason,
                                      const OrderChange& change, common::Deadline deadline) = 0;

  // Applies `change` to the locked order; NotFound when there is none. Returns the order after.
  virtual absl::StatusOr<Order> ChangeOrder(const std::string& order_id, const OrderChange& change,
                                            common::Deadline deadline) = 0;
  // Clears the owed stock/slot work once done (only if it is still `action`).
  virtual absl::Status ClearHeldGoodsAction(const std::string& order_id, const std::string& action,
                                            common::Deadline deadline) = 0;
  // Orders still owing stock/slot work whose last change is older than `older_than`.
  virtual absl::StatusOr<std::vector<Order>> OrdersOwingGoods(absl::Duration older_than, int limit,
                                                              common::Deadline deadline) = 0;

  // With lines and history; NotFound.
  virtual absl::StatusOr<Order> GetOrder(const std::string& order_id,
                                         common::Deadline deadline) = 0;
  // With lines, without history; at most query.limit + 1 rows (the extra one says "more").
  virtual absl::StatusOr<std::vector<Order>> ListOrders(const OrderQuery& query,
                                                        common::Deadline deadline) = 0;

  // The resident's orders (with lines and history), newest first, at most `limit`.
  virtual absl::StatusOr<std::vector<Order>> OrdersOfCustomer(const std::string& user_id, int limit,
                                                              common::Deadline deadline) = 0;
  // Orders placed from the start of `first_day` (Europe/Paris) on, by day and by department.
  virtual absl::StatusOr<OrderFigures> FiguresSince(absl::CivilDay first_day,
                                                    common::Deadline deadline) = 0;

  // Replaces the customer's name, phone and delivery address on all their orders (the orders
  // stay: they are legal records). Idempotent.
  virtual absl::Status AnonymiseCustomer(const std::string& user_id, common::Deadline deadline) = 0;
};

}  // namespace comptoir::orders
