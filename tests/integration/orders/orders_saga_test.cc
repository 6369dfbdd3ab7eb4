// The orders service against a real PostgreSQL (its own scratch database) with in-process
// fakes of catalogue and delivery: the checkout saga, idempotency keys, compensation, the
// reconciler, transitions with their history and events, visibility and lists.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "comptoir/common/migrations.h"
#include "comptoir/common/opening_hours.h"
#include "comptoir/common/pg_pool.h"
#include "orders_service.h"
#include "pg_orders_repository.h"
#include "scratch_database.h"
#include "status_testing.h"

namespace comptoir::orders {
namespace {

using comptoir::testing::ScratchDatabase;

common::Deadline Soon() { return common::DeadlineIn(std::chrono::seconds(60)); }

constexpr char kShopA[] = "aaaaaaaa-0000-4000-8000-000000000001";
constexpr char kShopB[] = "bbbbbbbb-0000-4000-8000-000000000002";
constexpr char kShopC[] = "cccccccc-0000-4000-8000-000000000003";
constexpr char kAlice[] = "a11ce000-0000-4000-8000-000000000001";
constexpr char kBob[] = "b0b00000-0000-4000-8000-000000000002";
constexpr char kStaffA[] = "57aff000-0000-4000-8000-00000000000a";

common::Caller Resident(const std::string& id) {
  return common::Caller{.user_id = id, .roles = {"resident"}, .shop_ids = {}};
}
common::Caller StaffOf(const std::string& shop) {
  return common::Caller{.user_id = kStaffA, .roles = {"resident"}, .shop_ids = {shop}};
}

// Catalogue in memory: stock taken all or nothing per order, idempotent by order id.
class FakeCatalogue final : public Catalogue {
 public:
  void Add(const std::string& id, const std::string& shop, const std::string& name, int64_t price,
           int32_t vat, int64_t stock) {
    std::lock_guard<std::mutex> lock(mu_);
    products_[id] = {.id = id,
                     .shop_id = shop,
                     .shop_name = absl::StrCat("Boutique ", shop.substr(0, 4)),
                     // Shop A is in Côte-d'Or, the others in the Doubs.
                     .department_code = shop == kShopA ? "21" : "25",
                     .sku = "SKU-" + id.substr(0, 4),
                     .name = name,
                     .sale_unit = "pièce",
                     .price_cents = price,
                     .vat_rate_bp = vat,
                     .stock_tracked = true,
                     .stock = stock};
  }
  int64_t Stock(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    return products_[id].stock;
  }
  std::string State(const std::string& order) {
    std::lock_guard<std::mutex> lock(mu_);
    return state_[order];
  }
  absl::StatusOr<ProductFacts> GetProduct(const std::string& id, common::Deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = products_.find(id);
    if (it == products_.end()) return absl::NotFoundError("no product");
    return it->second;
  }
  absl::Status ReserveStock(const std::string& order, const std::vector<StockRequestLine>& lines,
                            common::Deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!state_[order].empty()) return absl::OkStatus();
    for (const StockRequestLine& l : lines) {
      if (products_[l.product_id].stock < l.quantity) {
        state_.erase(order);
        return absl::FailedPreconditionError(
            absl::StrCat("not enough stock for product \"", l.product_id, "\""));
      }
    }
    for (const StockRequestLine& l : lines) products_[l.product_id].stock -= l.quantity;
    state_[order] = "reserved";
    lines_[order] = lines;
    return absl::OkStatus();
  }
  absl::Status ReleaseStock(const std::string& order, common::Deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_[order] == "reserved") {
      for (const StockRequestLine& l : lines_[order]) products_[l.product_id].stock += l.quantity;
      state_[order] = "released";
    }
    return absl::OkStatus();
  }
  absl::Status CommitStock(const std::string& order, common::Deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_[order] == "reserved") state_[order] = "committed";
    return absl::OkStatus();
  }

 private:
  std::mutex mu_;
  std::map<std::string, ProductFacts> products_;
  std::map<std::string, std::string> state_;
  std::map<std::string, std::vector<StockRequestLine>> lines_;
};

class FakeDelivery final : public Delivery {
 public:
  std::atomic<bool> refuse_slots{false};
  std::atomic<bool> delivery_unimplemented{false};
  absl::StatusOr<int64_t> QuoteFee(const std::string&, const std::string&, int64_t basket,
                                   common::Deadline) override {
    if (delivery_unimplemented) return absl::UnimplementedError("not yet");
    return basket >= 5000 ? 0 : 490;
  }
  absl::StatusOr<BookedSlot> BookSlot(const std::string& order, const std::string&,
                                      const std::string&, common::Deadline) override {
    if (refuse_slots) return absl::ResourceExhaustedError("slot full");
    std::lock_guard<std::mutex> lock(mu_);
    booked_.insert(order);
    return BookedSlot{.start = absl::FromUnixSeconds(1800000000),
                      .end = absl::FromUnixSeconds(1800003600)};
  }
  absl::Status ReleaseSlot(const std::string& order, common::Deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    booked_.erase(order);
    return absl::OkStatus();
  }
  bool Booked(const std::string& order) {
    std::lock_guard<std::mutex> lock(mu_);
    return booked_.count(order) > 0;
  }

 private:
  std::mutex mu_;
  std::set<std::string> booked_;
};

class OrdersSagaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(db_, ScratchDatabase::Create());
    ASSERT_OK_AND_ASSIGN(
        pool_, db_->MigratedPool("orders", Migrations(), PgOrdersRepository::Statements(), 16));
    repository_ = std::make_unique<PgOrdersRepository>(*pool_);
    service_ = std::make_unique<OrdersService>(*repository_, carts_, catalogue_, delivery_,
                                               payment_, OrdersServiceOptions{});
    catalogue_.Add(kComte, kShopA, "Comté 18 mois", 2390, 550, 50);
    catalogue_.Add(kVin, kShopA, "Crémant du Jura", 1290, 2000, 50);
    catalogue_.Add(kPain, kShopB, "Pain de campagne", 350, 550, 50);
    catalogue_.Add(kSavon, kShopC, "Savon au lait d'ânesse", 599, 2000, 50);
  }

  static FulfilmentChoice Pickup(const std::string& shop) {
    return {.shop_id = shop,
            .kind = "pickup",
            .slot_id = "tpl/2027-01-04",
            .delivery_address = "",
            .delivery_commune_insee = "",
            .delivery_postal_code = ""};
  }

  CheckoutRequest Request(const std::string& key, std::vector<StockRequestLine> lines,
                          std::vector<FulfilmentChoice> fulfilments) {
    return {.idempotency_key = key,
            .lines = std::move(lines),
            .fulfilments = std::move(fulfilments),
            .customer_name = "Alice Martin",
            .customer_phone = "03 80 00 00 00",
            .payment_method = ""};
  }

  int64_t Count(const std::string& sql) {
    pqxx::connection conn(db_->admin_url());
    pqxx::work tx(conn);
    return tx.exec1(sql)[0].as<int64_t>();
  }

  static constexpr char kComte[] = "c0a7e000-0000-4000-8000-000000000001";
  static constexpr char kVin[] = "f1a00000-0000-4000-8000-000000000002";
  static constexpr char kPain[] = "ba1a0000-0000-4000-8000-000000000003";
  static constexpr char kSavon[] = "5a000000-0000-4000-8000-000000000004";

  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<common::PgPool> pool_;
  std::unique_ptr<PgOrdersRepository> repository_;
  InMemoryCartStore carts_;
  FakeCatalogue catalogue_;
  FakeDelivery delivery_;
  OnSitePayment payment_;
  std::unique_ptr<OrdersService> service_;
};

TEST_F(OrdersSagaTest, CartAcrossThreeShopsBecomesThreeOrdersWithTotalsAndVat) {
  const common::Caller alice = Resident(kAlice);
  ASSERT_OK(service_->SetCartItem(alice, kComte, 2, Soon()).status());
  ASSERT_OK(service_->SetCartItem(alice, kVin, 1, Soon()).status());
  ASSERT_OK(service_->SetCartItem(alice, kPain, 3, Soon()).status());
  ASSERT_OK_AND_ASSIGN(CartView cart, service_->SetCartItem(alice, kSavon, 1, Soon()));
  ASSERT_EQ(cart.shops.size(), 3u);
  EXPECT_EQ(cart.shops[0].subtotal_cents, 2 * 2390 + 1290);
  EXPECT_EQ(cart.total_cents, 2 * 2390 + 1290 + 3 * 350 + 599);

  ASSERT_OK_AND_ASSIGN(
      CheckoutRecord checkout,
      service_->Checkout(
          alice, Request("key-three-shops", {}, {Pickup(kShopA), Pickup(kShopB), Pickup(kShopC)}),
          Soon()));
  EXPECT_EQ(checkout.status, "placed");
  ASSERT_EQ(checkout.orders.size(), 3u);
  std::map<std::string, Order> by_shop;
  for (const Order& o : checkout.orders) {
    EXPECT_EQ(o.status, OrderStatus::kPlaced);
    EXPECT_EQ(o.number.rfind("CPT-", 0), 0u) << o.number;
    EXPECT_EQ(o.number.size(), 15u) << o.number;
    EXPECT_EQ(o.payment_state, "due");
    by_shop[o.shop_id] = o;
  }
  const Order& a = by_shop[kShopA];
  EXPECT_EQ(a.items_cents, 2 * 2390 + 1290);
  EXPECT_EQ(a.total_cents, a.items_cents);
  std::vector<VatAmount> vat = VatBreakdown(a.lines);
  ASSERT_EQ(vat.size(), 2u);
  EXPECT_EQ(vat[0].rate_bp, 550);
  EXPECT_EQ(vat[0].vat_cents, VatIncluded(4780, 550));   // 249
  EXPECT_EQ(vat[1].vat_cents, VatIncluded(1290, 2000));  // 215
  EXPECT_EQ(by_shop[kShopB].total_cents, 1050);
  EXPECT_EQ(by_shop[kShopC].total_cents, 599);
  EXPECT_EQ(catalogue_.Stock(kComte), 48);
  // The ordered lines left the cart; one PLACED event per order is waiting in the outbox.
  ASSERT_OK_AND_ASSIGN(CartView after, service_->GetCart(alice, Soon()));
  EXPECT_EQ(after.line_count, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM orders.outbox"), 3);
}

TEST_F(OrdersSagaTest, SameKeyReplayedConcurrentlyCreatesOneCheckout) {
  const common::Caller alice = Resident(kAlice);
  const CheckoutRequest request = Request("key-replayed-10", {{kComte, 1}}, {Pickup(kShopA)});
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<std::string> ids;
  std::atomic<int> ok{0};
  std::atomic<int> in_flight{0};
  for (int i = 0; i < 10; ++i) {
    threads.emplace_back([&] {
      absl::StatusOr<CheckoutRecord> r = service_->Checkout(alice, request, Soon());
      if (r.ok()) {
        ++ok;
        std::lock_guard<std::mutex> lock(mu);
        ids.insert(r->id);
      } else if (r.status().code() == absl::StatusCode::kAborted) {
        ++in_flight;
      } else {
        ADD_FAILURE() << r.status();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok + in_flight, 10);
  EXPECT_GE(ok, 1);
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(Count("SELECT count(*) FROM orders.checkouts"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM orders.orders"), 1);
  EXPECT_EQ(catalogue_.Stock(kComte), 49);
  // Afterwards, every replay answers the same checkout.
  ASSERT_OK_AND_ASSIGN(CheckoutRecord again, service_->Checkout(alice, request, Soon()));
  EXPECT_EQ(again.id, *ids.begin());
}

TEST_F(OrdersSagaTest, SameKeyWithAnotherBodyIsRefused) {
  const common::Caller alice = Resident(kAlice);
  ASSERT_OK(
      service_->Checkout(alice, Request("key-body-1", {{kComte, 1}}, {Pickup(kShopA)}), Soon())
          .status());
  absl::StatusOr<CheckoutRecord> other =
      service_->Checkout(alice, Request("key-body-1", {{kComte, 2}}, {Pickup(kShopA)}), Soon());
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(other.status().message().find("Idempotency-Key"), absl::string_view::npos);
  // Another resident may use the same key for their own checkout.
  EXPECT_OK(
      service_
          ->Checkout(Resident(kBob), Request("key-body-1", {{kComte, 2}}, {Pickup(kShopA)}), Soon())
          .status());
}

TEST_F(OrdersSagaTest, TwoHundredCheckoutsOnStockTwentyPlaceExactlyTwenty) {
  catalogue_.Add(kComte, kShopA, "Comté 18 mois", 2390, 550, 20);
  std::atomic<int> placed{0};
  std::atomic<int> short_stock{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < 200; i += 16) {
        const std::string user = absl::StrFormat("00000000-0000-4000-8000-%012d", i);
        absl::StatusOr<CheckoutRecord> r = service_->Checkout(
            Resident(user), Request(absl::StrCat("key-hot-", i), {{kComte, 1}}, {Pickup(kShopA)}),
            Soon());
        if (r.ok()) {
          ++placed;
        } else if (r.status().code() == absl::StatusCode::kFailedPrecondition &&
                   r.status().message().find("Comté 18 mois") != absl::string_view::npos) {
          ++short_stock;
        } else {
          ADD_FAILURE() << r.status();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(placed, 20);
  EXPECT_EQ(short_stock, 180);
  EXPECT_EQ(catalogue_.Stock(kComte), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM orders.orders WHERE status = 'placed'"), 20);
  EXPECT_EQ(Count("SELECT count(*) FROM orders.orders WHERE status = 'pending'"), 0);
}

TEST_F(OrdersSagaTest, FailedSlotCompensatesStockAndReplaysTheSameError) {
  const common::Caller alice = Resident(kAlice);
  delivery_.refuse_slots = true;
  const CheckoutRequest request =
      Request("key-slot-full", {{kComte, 2}, {kPain, 1}}, {Pickup(kShopA), Pickup(kShopB)});
  absl::StatusOr<CheckoutRecord> failed = service_->Checkout(alice, request, Soon());
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(failed.status().message().find("complet"), absl::string_view::npos);
  EXPECT_EQ(catalogue_.Stock(kComte), 50);  // reserved, then given back
  EXPECT_EQ(Count("SELECT count(*) FROM orders.orders WHERE status = 'failed'"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM orders.orders WHERE held_goods_action <> ''"), 0);
  delivery_.refuse_slots = false;
  absl::StatusOr<CheckoutRecord> replay = service_->Checkout(alice, request, Soon());
  EXPECT_EQ(replay.status(), failed.status());
}

TEST_F(OrdersSagaTest, DeliveryNotYetAvailableIsAClearRefusal) {
  delivery_.delivery_unimplemented = true;
  FulfilmentChoice home{.shop_id = kShopA,
                        .kind = "delivery",
                        .slot_id = "tpl/2027-01-04",
                        .delivery_address = "3 rue des Forges",
                        .delivery_commune_insee = "21231",
                        .delivery_postal_code = "21000"};
  absl::StatusOr<CheckoutRecord> r =
      service_->Checkout(Resident(kAlice), Request("key-delivery", {{kComte, 1}}, {home}), Soon());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("livraison indisponible"), absl::string_view::npos);
}

TEST_F(OrdersSagaTest, ReconcilerUndoesACheckoutLeftPendingByACrash) {
  // What a crash leaves: the checkout and its order recorded, stock reserved, slot booked.
  Order order;
  order.shop_id = kShopA;
  order.customer_name = "Alice";
  order.customer_phone = "0380000000";
  order.slot_id = "tpl/2027-01-04";
  order.payment_method = "on_site";
  OrderLine line;
  line.product_id = kComte;
  line.sku = "SKU";
  line.name = "Comté";
  line.sale_unit = "pièce";
  line.quantity = 3;
  line.unit_price_cents = 2390;
  line.vat_rate_bp = 550;
  order.lines = {PricedLine(line)};
  order.items_cents = order.total_cents = 3 * 2390;
  ASSERT_OK_AND_ASSIGN(CheckoutRecord crashed,
                       repository_->CreateCheckout(kAlice, "key-crashed", "hash",
                                                   absl::ZeroDuration(), {order}, Soon()));
  const std::string order_id = crashed.orders[0].id;
  ASSERT_OK(catalogue_.ReserveStock(order_id, {{kComte, 3}}, Soon()));
  ASSERT_OK(delivery_.BookSlot(order_id, kShopA, "tpl/2027-01-04", Soon()).status());
  EXPECT_EQ(catalogue_.Stock(kComte), 47);

  ASSERT_OK_AND_ASSIGN(int handled, service_->ReconcileOnce(Soon()));
  EXPECT_GE(handled, 1);
  EXPECT_EQ(catalogue_.Stock(kComte), 50);
  EXPECT_FALSE(delivery_.Booked(order_id));
  EXPECT_EQ(Count("SELECT count(*) FROM orders.orders WHERE status = 'pending'"), 0);
  // The resident retrying with the same key hears what happened.
  absl::StatusOr<CheckoutRecord> replay = service_->Checkout(
      Resident(kAlice), Request("key-crashed", {{kComte, 3}}, {Pickup(kShopA)}), Soon());
  EXPECT_FALSE(replay.ok());
}

TEST_F(OrdersSagaTest, OthersCannotSeeOrCancelMyOrder) {
  ASSERT_OK_AND_ASSIGN(
      CheckoutRecord mine,
      service_->Checkout(Resident(kAlice), Request("key-private", {{kComte, 1}}, {Pickup(kShopA)}),
                         Soon()));
  const std::string id = mine.orders[0].id;
  EXPECT_THAT(service_->GetOrder(Resident(kBob), id, Soon()).status(),
              comptoir::testing::StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(
      service_->ChangeStatus(Resident(kBob), id, OrderStatus::kCancelled, "", Soon()).status(),
      comptoir::testing::StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(service_->GetOrder(StaffOf(kShopB), id, Soon()).status(),
              comptoir::testing::StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(service_->GetOrder(StaffOf(kShopA), id, Soon()).status());
  ASSERT_OK_AND_ASSIGN(OrderPage bobs, service_->ListMyOrders(Resident(kBob), 0, "", Soon()));
  EXPECT_TRUE(bobs.orders.empty());
  EXPECT_THAT(service_->ListShopOrders(StaffOf(kShopB), {.shop_id = kShopA}, Soon()).status(),
              comptoir::testing::StatusIs(absl::StatusCode::kPermissionDenied));
  // The shop cannot cancel in the resident's name either.
  EXPECT_THAT(
      service_->ChangeStatus(StaffOf(kShopA), id, OrderStatus::kCancelled, "", Soon()).status(),
      comptoir::testing::StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(OrdersSagaTest, LifeOfAnOrderIsRecordedAndSettlesStock) {
  ASSERT_OK_AND_ASSIGN(
      CheckoutRecord c,
      service_->Checkout(Resident(kAlice), Request("key-life-1", {{kComte, 2}}, {Pickup(kShopA)}),
                         Soon()));
  const std::string id = c.orders[0].id;
  EXPECT_THAT(service_->ChangeStatus(StaffOf(kShopA), id, OrderStatus::kReady, "", Soon()).status(),
              comptoir::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(
      service_->ChangeStatus(StaffOf(kShopA), id, OrderStatus::kAccepted, "", Soon()).status());
  ASSERT_OK(service_->ChangeStatus(StaffOf(kShopA), id, OrderStatus::kReady, "", Soon()).status());
  EXPECT_THAT(
      service_->ChangeStatus(Resident(kAlice), id, OrderStatus::kCancelled, "", Soon()).status(),
      comptoir::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(
      Order collected,
      service_->ChangeStatus(StaffOf(kShopA), id, OrderStatus::kCollected, "", Soon()));
  EXPECT_EQ(collected.payment_state, "paid");
  EXPECT_EQ(catalogue_.State(id), "committed");
  ASSERT_OK_AND_ASSIGN(Order read, service_->GetOrder(Resident(kAlice), id, Soon()));
  ASSERT_EQ(read.history.size(), 5u);  // created, placed, accepted, ready, collected
  EXPECT_EQ(read.history[2].to_status, "accepted");
  EXPECT_EQ(read.history[2].actor_user_id, kStaffA);
  EXPECT_EQ(read.history[2].actor_role, "shop");
  EXPECT_EQ(Count("SELECT count(*) FROM orders.outbox"), 4);

  // Cancelling gives stock and slot back.
  ASSERT_OK_AND_ASSIGN(
      CheckoutRecord c2,
      service_->Checkout(Resident(kAlice), Request("key-life-2", {{kComte, 5}}, {Pickup(kShopA)}),
                         Soon()));
  EXPECT_EQ(catalogue_.Stock(kComte), 43);
  ASSERT_OK_AND_ASSIGN(Order cancelled,
                       service_->ChangeStatus(Resident(kAlice), c2.orders[0].id,
                                              OrderStatus::kCancelled, "plus besoin", Soon()));
  EXPECT_EQ(cancelled.status_reason, "plus besoin");
  EXPECT_EQ(cancelled.payment_state, "void");
  EXPECT_EQ(catalogue_.Stock(kComte), 48);
  EXPECT_FALSE(delivery_.Booked(c2.orders[0].id));
  // A rejection needs a reason.
  EXPECT_THAT(
      service_->ChangeStatus(StaffOf(kShopA), c2.orders[0].id, OrderStatus::kRejected, "", Soon())
          .status(),
      comptoir::testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(OrdersSagaTest, DeliveryStopEventsMoveDeliveryOrdersOnceEach) {
  FulfilmentChoice home{.shop_id = kShopA,
                        .kind = "delivery",
                        .slot_id = "tpl/2027-01-04",
                        .delivery_address = "3 rue des Forges",
                        .delivery_commune_insee = "21231",
                        .delivery_postal_code = "21000"};
  ASSERT_OK_AND_ASSIGN(
      CheckoutRecord c,
      service_->Checkout(Resident(kAlice), Request("key-deliver", {{kComte, 1}}, {home}), Soon()));
  EXPECT_EQ(c.orders[0].delivery_fee_cents, 490);
  EXPECT_EQ(c.orders[0].total_cents, 2390 + 490);
  const std::string id = c.orders[0].id;
  ASSERT_OK(
      service_->ChangeStatus(StaffOf(kShopA), id, OrderStatus::kAccepted, "", Soon()).status());
  ASSERT_OK(service_->ChangeStatus(StaffOf(kShopA), id, OrderStatus::kReady, "", Soon()).status());
  ASSERT_OK(service_->HandleStop(id, StopOutcome::kPickedUp, "courier", "", Soon()));
  ASSERT_OK(service_->HandleStop(id, StopOutcome::kPickedUp, "courier", "", Soon()));  // replay
  ASSERT_OK(service_->HandleStop(id, StopOutcome::kDelivered, "courier", "", Soon()));
  ASSERT_OK_AND_ASSIGN(Order read, service_->GetOrder(Resident(kAlice), id, Soon()));
  EXPECT_EQ(read.status, OrderStatus::kDelivered);
  EXPECT_EQ(read.history.size(), 6u);
  EXPECT_EQ(catalogue_.State(id), "committed");
}

TEST_F(OrdersSagaTest, ShopListsFilterByStatusAndPageByKeyset) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(service_
                  ->Checkout(Resident(kAlice),
                             Request(absl::StrCat("key-list-", i), {{kPain, 1}}, {Pickup(kShopB)}),
                             Soon())
                  .status());
  }
  ShopOrdersQuery q{.shop_id = kShopB, .page_size = 2};
  std::set<std::string> seen;
  int pages = 0;
  do {
    ASSERT_OK_AND_ASSIGN(OrderPage page, service_->ListShopOrders(StaffOf(kShopB), q, Soon()));
    for (const Order& o : page.orders) seen.insert(o.id);
    q.page_token = page.next_page_token;
    ++pages;
  } while (!q.page_token.empty() && pages < 10);
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(pages, 3);
  ASSERT_OK_AND_ASSIGN(OrderPage accepted,
                       service_->ListShopOrders(
                           StaffOf(kShopB), {.shop_id = kShopB, .statuses = "accepted"}, Soon()));
  EXPECT_TRUE(accepted.orders.empty());
  EXPECT_THAT(
      service_->ListShopOrders(StaffOf(kShopB), {.shop_id = kShopB, .statuses = "bogus"}, Soon())
          .status(),
      comptoir::testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(OrdersSagaTest, EraseAnonymisesOrdersButKeepsThem) {
  ASSERT_OK(
      service_
          ->Checkout(Resident(kAlice), Request("key-erase", {{kPain, 1}}, {Pickup(kShopB)}), Soon())
          .status());
  ASSERT_OK(service_->EraseAccountData(kAlice, Soon()));
  ASSERT_OK(service_->EraseAccountData(kAlice, Soon()));  // idempotent
  ASSERT_OK_AND_ASSIGN(std::vector<Order> kept, service_->ExportAccountData(kAlice, Soon()));
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].customer_phone, "");
  EXPECT_NE(kept[0].customer_name, "Alice Martin");
  EXPECT_EQ(kept[0].total_cents, 350);
}

TEST_F(OrdersSagaTest, RegionalFiguresCountPlacedOrdersPerDayAndDepartment) {
  const common::Caller admin{.user_id = kBob, .roles = {"resident", "admin"}, .shop_ids = {}};
  ASSERT_OK(service_
                ->Checkout(Resident(kAlice),
                           Request("key-figures-1", {{kComte, 1}, {kPain, 2}},
                                   {Pickup(kShopA), Pickup(kShopB)}),
                           Soon())
                .status());
  ASSERT_OK_AND_ASSIGN(
      CheckoutRecord second,
      service_->Checkout(Resident(kAlice),
                         Request("key-figures-2", {{kSavon, 1}}, {Pickup(kShopC)}), Soon()));
  ASSERT_OK(service_
                ->ChangeStatus(Resident(kAlice), second.orders[0].id, OrderStatus::kCancelled,
                               "plus besoin", Soon())
                .status());
  // A checkout that failed leaves a failed order behind: it is not an order placed.
  delivery_.refuse_slots = true;
  ASSERT_FALSE(service_
                   ->Checkout(Resident(kAlice),
                              Request("key-figures-3", {{kPain, 1}}, {Pickup(kShopB)}), Soon())
                   .ok());
  // One order of last week, outside a 7-day period.
  pqxx::connection conn(db_->admin_url());
  pqxx::work tx(conn);
  tx.exec0("UPDATE orders.orders SET create_time = now() - interval '8 days' WHERE shop_id = '" +
           std::string(kShopB) + "' AND status = 'placed'");
  tx.commit();

  ASSERT_OK_AND_ASSIGN(OrderFigures week, service_->RegionalFigures(admin, 7, Soon()));
  ASSERT_EQ(week.days.size(), 7u);
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), common::ParisTimeZone());
  EXPECT_EQ(week.days.front().day, today - 6);
  EXPECT_EQ(week.days.back().day, today);
  int64_t orders = 0;
  for (const DayFigures& d : week.days) orders += d.orders;
  EXPECT_EQ(orders, 2);  // shop A's and the cancelled one of shop C
  EXPECT_EQ(week.days.back().orders, 2);
  EXPECT_EQ(week.days.back().total_cents, 2390 + 599);
  EXPECT_EQ(week.days.back().cancelled_or_rejected, 1);
  ASSERT_EQ(week.departments.size(), 2u);
  EXPECT_EQ(week.departments[0].orders, 1);

  ASSERT_OK_AND_ASSIGN(OrderFigures month, service_->RegionalFigures(admin, 0, Soon()));
  EXPECT_EQ(month.days.size(), 30u);
  ASSERT_EQ(month.departments.size(), 2u);
  EXPECT_EQ(month.departments[0].department_code, "25");  // shop B's and shop C's
  EXPECT_EQ(month.departments[0].orders, 2);
  EXPECT_EQ(month.departments[0].total_cents, 2 * 350 + 599);
  EXPECT_EQ(month.departments[1].department_code, "21");

  EXPECT_THAT(service_->RegionalFigures(Resident(kAlice), 7, Soon()).status(),
              comptoir::testing::StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(service_->RegionalFigures(admin, 367, Soon()).status(),
              comptoir::testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace comptoir::orders
