#include "cart_store.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace comptoir::orders {
namespace {

// Adds or replaces one line atomically: the line limit and the first add time hold even when
// two tabs of the same resident write at once. Values are "shop|quantity|add_micros".
constexpr char kPutScript[] = R"lua(
local key = KEYS[1]
local old = redis.call('HGET', key, ARGV[1])
if not old and redis.call('HLEN', key) >= tonumber(ARGV[5]) then return -1 end
local added = ARGV[4]
if old then added = string.match(old, '^[^|]*|[^|]*|(.*)$') or ARGV[4] end
redis.call('HSET', key, ARGV[1], ARGV[2] .. '|' .. ARGV[3] .. '|' .. added)
redis.call('PEXPIRE', key, ARGV[6])
return 1
)lua";

std::vector<CartItem> Sorted(std::vector<CartItem> items) {
  std::stable_sort(items.begin(), items.end(), [](const CartItem& a, const CartItem& b) {
    return a.add_time < b.add_time || (a.add_time == b.add_time && a.product_id < b.product_id);
  });
  return items;
}

}  // namespace

absl::StatusOr<std::vector<CartItem>> RedisCartStore::Get(const std::string& user_id) {
  absl::StatusOr<common::RedisReply> reply = redis_.Command({"HGETALL", Key(user_id)});
  if (!reply.ok()) return absl::UnavailableError("carts are unavailable right now, retry soon");
  std::vector<CartItem> items;
  for (std::size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    std::vector<std::string> parts = absl::StrSplit(reply->elements[i + 1].str, '|');
    int32_t quantity = 0;
    int64_t added = 0;
    if (parts.size() != 3 || !absl::SimpleAtoi(parts[1], &quantity) ||
        !absl::SimpleAtoi(parts[2], &added)) {
      continue;  // a line we cannot read is dropped rather than breaking the cart
    }
    items.push_back({.product_id = reply->elements[i].str,
                     .shop_id = parts[0],
                     .quantity = quantity,
                     .add_time = absl::FromUnixMicros(added)});
  }
  return Sorted(std::move(items));
}

absl::Status RedisCartStore::Put(const std::string& user_id, const CartItem& item) {
  absl::StatusOr<common::RedisReply> reply = redis_.Command(
      {"EVAL", kPutScript, "1", Key(user_id), item.product_id, item.shop_id,
       absl::StrCat(item.quantity), absl::StrCat(absl::ToUnixMicros(item.add_time)),
       absl::StrCat(kMaxCartLines), absl::StrCat(absl::ToInt64Milliseconds(kCartLifetime))});
  if (!reply.ok()) return absl::UnavailableError("carts are unavailable right now, retry soon");
  if (reply->integer < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("a cart holds at most ", kMaxCartLines, " products"));
  }
  return absl::OkStatus();
}

absl::Status RedisCartStore::Remove(const std::string& user_id,
                                    const std::vector<std::string>& product_ids) {
  if (product_ids.empty()) return absl::OkStatus();
  std::vector<std::string> args = {"HDEL", Key(user_id)};
  args.insert(args.end(), product_ids.begin(), product_ids.end());
  absl::StatusOr<common::RedisReply> reply = redis_.Command(args);
  if (!reply.ok()) return absl::UnavailableError("carts are unavailable right now, retry soon");
  return absl::OkStatus();
}

absl::StatusOr<absl::Time> RedisCartStore::ExpireTime(const std::string& user_id) {
  absl::StatusOr<common::RedisReply> reply = redis_.Command({"PTTL", Key(user_id)});
  if (!reply.ok()) return absl::UnavailableError("carts are unavailable right now, retry soon");
  if (reply->integer < 0) return absl::InfinitePast();
  return absl::Now() + absl::Milliseconds(reply->integer);
}

absl::StatusOr<std::vector<CartItem>> InMemoryCartStore::Get(const std::string& user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  return Sorted(carts_[user_id]);
}

absl::Status InMemoryCartStore::Put(const std::string& user_id, const CartItem& item) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<CartItem>& items = carts_[user_id];
  for (CartItem& existing : items) {
    if (existing.product_id == item.product_id) {
      existing.quantity = item.quantity;
      existing.shop_id = item.shop_id;
      return absl::OkStatus();
    }
  }
  if (static_cast<int>(items.size()) >= kMaxCartLines) {
    return absl::FailedPreconditionError(
        absl::StrCat("a cart holds at most ", kMaxCartLines, " products"));
  }
  items.push_back(item);
  return absl::OkStatus();
}

absl::Status InMemoryCartStore::Remove(const std::string& user_id,
                                       const std::vector<std::string>& product_ids) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<CartItem>& items = carts_[user_id];
  std::erase_if(items, [&](const CartItem& i) {
    return std::find(product_ids.begin(), product_ids.end(), i.product_id) != product_ids.end();
  });
  return absl::OkStatus();
}

absl::StatusOr<absl::Time> InMemoryCartStore::ExpireTime(const std::string& user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  return carts_[user_id].empty() ? absl::InfinitePast() : absl::Now() + kCartLifetime;
}

}  // namespace comptoir::orders
