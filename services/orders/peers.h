// What orders needs from the other services, as interfaces the service logic uses (gRPC
// clients in main, fakes in tests): product facts and stock from catalogue, fees and slots
// from delivery, and the payment provider. Implementations must be thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "comptoir/common/deadline.h"

namespace comptoir::orders {

// A product as the catalogue shows it to residents now.
struct ProductFacts {
  std::string id;
  std::string shop_id;
  std::string shop_name;
  std::string department_code;  // of the shop's commune
  std::string sku;
  std::string name;
  std::string sale_unit;
  int64_t price_cents = 0;
  int32_t vat_rate_bp = 0;
  bool stock_tracked = false;
  int64_t stock = 0;
};

struct StockRequestLine {
  std::string product_id;
  int64_t quantity = 0;
};

class Catalogue {
 public:
  virtual ~Catalogue() = default;
  // NotFound when the product does not exist or is not shown to residents.
  virtual absl::StatusOr<ProductFacts> GetProduct(const std::string& product_id,
                                                  common::Deadline deadline) = 0;
  // All or nothing, idempotent by order id; FailedPrecondition naming the short product id.
  virtual absl::Status ReserveStock(const std::string& order_id,
                                    const std::vector<StockRequestLine>& lines,
                                    common::Deadline deadline) = 0;
  // Idempotent; OK when there was nothing to release.
  virtual absl::Status ReleaseStock(const std::string& order_id, common::Deadline deadline) = 0;
  virtual absl::Status CommitStock(const std::string& order_id, common::Deadline deadline) = 0;
};

struct BookedSlot {
  absl::Time start;
  absl::Time end;
};

class Delivery {
 public:
  virtual ~Delivery() = default;
  // The fee for delivering `basket_cents` of `shop_id` to `commune_insee`; FailedPrecondition
  // with the delivery service's refusal ("Cette boutique ne livre pas à Lormes") otherwise.
  virtual absl::StatusOr<int64_t> QuoteFee(const std::string& shop_id,
                                           const std::string& commune_insee, int64_t basket_cents,
                                           common::Deadline deadline) = 0;
  // Idempotent by order id.
  virtual absl::StatusOr<BookedSlot> BookSlot(const std::string& order_id,
                                              const std::string& shop_id,
                                              const std::string& slot_id,
                                              common::Deadline deadline) = 0;
  // Idempotent; OK when there was nothing to release.
  virtual absl::Status ReleaseSlot(const std::string& order_id, common::Deadline deadline) = 0;
};

// How an order is paid. Payment on pickup or delivery needs nothing at checkout; an online
// provider would authorise here and capture when the order is handed over.
class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;
  // The method's name as recorded on orders ("on_site").
  virtual std::string method() const = 0;
  // Payment state of a newly placed order ("due": to be paid on hand-over).
  virtual absl::StatusOr<std::string> Authorize(const std::string& order_id, int64_t amount_cents,
                                                common::Deadline deadline) = 0;
};

// "Paiement sur place": the shop or the courier takes the money on hand-over.
class OnSitePayment final : public PaymentProvider {
 public:
  std::string method() const override { return "on_site"; }
  absl::StatusOr<std::string> Authorize(const std::string&, int64_t, common::Deadline) override {
    return std::string("due");
  }
};

}  // namespace comptoir::orders
