#include "shared_response_cache.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "text.h"

namespace comptoir::gateway {

std::string SerializeCachedBody(const CachedBody& body) {
  std::string out =
      text::Cat("cb1 ", body.etag.size(), " ", body.body.size(), " ", body.gzipped.size(), "\n");
  out.reserve(out.size() + body.etag.size() + body.body.size() + body.gzipped.size());
  out.append(body.etag).append(body.body).append(body.gzipped);
  return out;
}

std::optional<CachedBody> ParseCachedBody(std::string_view bytes) {
  const size_t newline = bytes.find('\n');
  if (!text::StartsWith(bytes, "cb1 ") || newline == std::string_view::npos) return std::nullopt;
  const auto sizes = text::Split(bytes.substr(4, newline - 4), ' ');
  if (sizes.size() != 3) return std::nullopt;
  size_t n[3];
  for (int i = 0; i < 3; ++i) {
    if (!absl::SimpleAtoi(absl::string_view(sizes[i].data(), sizes[i].size()), &n[i])) {
      return std::nullopt;
    }
  }
  std::string_view rest = bytes.substr(newline + 1);
  if (rest.size() != n[0] + n[1] + n[2]) return std::nullopt;
  CachedBody body;
  body.etag = std::string(rest.substr(0, n[0]));
  body.body = std::string(rest.substr(n[0], n[1]));
  body.gzipped = std::string(rest.substr(n[0] + n[1], n[2]));
  return body;
}

RedisResponseCache::RedisResponseCache(common::RedisPool& redis, common::WorkerPool& workers,
                                       Options options)
    : redis_(redis), workers_(workers), options_(std::move(options)) {}

void RedisResponseCache::Get(const std::string& key, GetDone done) {
  {
    absl::MutexLock lock(&mu_);
    auto [it, first] = waiting_.try_emplace(key);
    it->second.push_back(std::move(done));
    if (!first) return;  // the GET on its way answers this request too
  }
  lookups_.fetch_add(1, std::memory_order_relaxed);
  const bool queued = workers_.TrySubmit([this, key] {
    auto reply = redis_.Command({"GET", options_.prefix + key});
    std::shared_ptr<const CachedBody> body;
    if (reply.ok() && reply->type == common::RedisReply::Type::kString) {
      if (auto parsed = ParseCachedBody(reply->str)) {
        body = std::make_shared<const CachedBody>(*std::move(parsed));
      }
    }
    Complete(key, body);
  });
  if (!queued) Complete(key, nullptr);  // overloaded: a miss, the service answers
}

void RedisResponseCache::Complete(const std::string& key,
                                  const std::shared_ptr<const CachedBody>& body) {
  std::vector<GetDone> waiters;
  {
    absl::MutexLock lock(&mu_);
    auto node = waiting_.extract(key);
    if (!node.empty()) waiters = std::move(node.mapped());
  }
  for (GetDone& done : waiters) done(body);
}

void RedisResponseCache::Put(const std::string& key, std::shared_ptr<const CachedBody> body) {
  if (body == nullptr || body->body.size() > options_.max_entry_bytes) return;
  (void)workers_.TrySubmit([this, redis_key = options_.prefix + key, body = std::move(body)] {
    (void)redis_.Command(
        {"SET", redis_key, SerializeCachedBody(*body), "PX", std::to_string(options_.ttl.count())});
  });
}

}  // namespace comptoir::gateway
