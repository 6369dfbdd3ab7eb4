// Carts in Redis: one hash per account, lines keep their first add time, the 30-day expiry
// is pushed back by every write, and a cart holds at most 100 products.
#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "cart_store.h"
#include "comptoir/common/redis_pool.h"
#include "scratch_redis.h"
#include "status_testing.h"

namespace comptoir::orders {
namespace {

using comptoir::testing::ScratchRedis;

class OrdersRedisCartStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(redis_server_, ScratchRedis::Create());
    common::RedisPoolOptions options;
    options.url = redis_server_->url();
    redis_ = std::make_unique<common::RedisPool>(options);
    store_ = std::make_unique<RedisCartStore>(*redis_);
  }

  static CartItem Item(const std::string& product, int32_t quantity, absl::Time added) {
    return {.product_id = product, .shop_id = "shop-1", .quantity = quantity, .add_time = added};
  }

  std::unique_ptr<ScratchRedis> redis_server_;
  std::unique_ptr<common::RedisPool> redis_;
  std::unique_ptr<RedisCartStore> store_;
};

TEST_F(OrdersRedisCartStoreTest, LinesKeepTheirFirstAddTimeAndOrder) {
  const absl::Time t0 = absl::FromUnixSeconds(1800000000);
  ASSERT_OK(store_->Put("u1", Item("p-b", 1, t0)));
  ASSERT_OK(store_->Put("u1", Item("p-a", 2, t0 + absl::Seconds(5))));
  ASSERT_OK(store_->Put("u1", Item("p-b", 7, t0 + absl::Seconds(9))));  // quantity change
  ASSERT_OK_AND_ASSIGN(std::vector<CartItem> items, store_->Get("u1"));
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].product_id, "p-b");
  EXPECT_EQ(items[0].quantity, 7);
  EXPECT_EQ(items[0].add_time, t0);
  EXPECT_EQ(items[1].product_id, "p-a");
  ASSERT_OK(store_->Remove("u1", {"p-b"}));
  ASSERT_OK_AND_ASSIGN(items, store_->Get("u1"));
  EXPECT_EQ(items.size(), 1u);
  ASSERT_OK_AND_ASSIGN(std::vector<CartItem> other, store_->Get("u2"));
  EXPECT_TRUE(other.empty());
}

TEST_F(OrdersRedisCartStoreTest, EveryWritePushesTheThirtyDayExpiryBack) {
  ASSERT_OK(store_->Put("u1", Item("p-a", 1, absl::Now())));
  ASSERT_OK_AND_ASSIGN(common::RedisReply ttl, redis_->Command({"TTL", RedisCartStore::Key("u1")}));
  EXPECT_GT(ttl.integer, 30 * 24 * 3600 - 60);
  ASSERT_OK(redis_->Command({"EXPIRE", RedisCartStore::Key("u1"), "10"}).status());
  ASSERT_OK(store_->Put("u1", Item("p-b", 1, absl::Now())));
  ASSERT_OK_AND_ASSIGN(absl::Time expires, store_->ExpireTime("u1"));
  EXPECT_GT(expires, absl::Now() + absl::Hours(24 * 29));
}

TEST_F(OrdersRedisCartStoreTest, ACartHoldsAtMostOneHundredProducts) {
  for (int i = 0; i < kMaxCartLines; ++i) {
    ASSERT_OK(store_->Put("u1", Item(absl::StrFormat("p-%03d", i), 1, absl::Now())));
  }
  EXPECT_THAT(store_->Put("u1", Item("p-extra", 1, absl::Now())),
              comptoir::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_OK(store_->Put("u1", Item("p-000", 5, absl::Now())));  // changing a line is fine
}

TEST_F(OrdersRedisCartStoreTest, RedisDownIsUnavailableNotAnEmptyCart) {
  ASSERT_OK(store_->Put("u1", Item("p-a", 1, absl::Now())));
  ASSERT_OK(redis_server_->Stop());
  EXPECT_THAT(store_->Get("u1").status(),
              comptoir::testing::StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace comptoir::orders
