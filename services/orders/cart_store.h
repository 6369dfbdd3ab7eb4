// Where carts live: one per account, lines keyed by product, forgotten after 30 days without a
// change. The Redis implementation keeps a hash `ord:cart:<user id>`; tests use the in-memory
// one. Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "comptoir/common/redis_pool.h"

namespace comptoir::orders {

inline constexpr int kMaxCartLines = 100;
inline constexpr int kMaxLineQuantity = 999;
inline constexpr absl::Duration kCartLifetime = absl::Hours(24 * 30);

struct CartItem {
  std::string product_id;
  std::string shop_id;
  int32_t quantity = 0;
  absl::Time add_time;
};

class CartStore {
 public:
  virtual ~CartStore() = default;
  // Lines in the order they were first added.
  virtual absl::StatusOr<std::vector<CartItem>> Get(const std::string& user_id) = 0;
  // Adds or replaces the line of item.product_id (keeping its first add_time) and pushes the
  // expiry back. FailedPrecondition when a new line would pass kMaxCartLines (remove one first).
  virtual absl::Status Put(const std::string& user_id, const CartItem& item) = 0;
  virtual absl::Status Remove(const std::string& user_id,
                              const std::vector<std::string>& product_ids) = 0;
  // When the cart expires if untouched (InfinitePast when there is no cart).
  virtual absl::StatusOr<absl::Time> ExpireTime(const std::string& user_id) = 0;
};

class RedisCartStore final : public CartStore {
 public:
  explicit RedisCartStore(common::RedisPool& redis) : redis_(redis) {}
  absl::StatusOr<std::vector<CartItem>> Get(const std::string& user_id) override;
  absl::Status Put(const std::string& user_id, const CartItem& item) override;
  absl::Status Remove(const std::string& user_id,
                      const std::vector<std::string>& product_ids) override;
  absl::StatusOr<absl::Time> ExpireTime(const std::string& user_id) override;

  static std::string Key(const std::string& user_id) { return "ord:cart:" + user_id; }

 private:
  common::RedisPool& redis_;
};

class InMemoryCartStore final : public CartStore {
 public:
  absl::StatusOr<std::vector<CartItem>> Get(const std::string& user_id) override;
  absl::Status Put(const std::string& user_id, const CartItem& item) override;
  absl::Status Remove(const std::string& user_id,
                      const std::vector<std::string>& product_ids) override;
  absl::StatusOr<absl::Time> ExpireTime(const std::string& user_id) override;

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<CartItem>> carts_;  // guarded by mu_
};

}  // namespace comptoir::orders
