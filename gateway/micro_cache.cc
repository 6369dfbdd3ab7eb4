#include "micro_cache.h"

#include <zlib.h>

#include <utility>

#include "gateway.h"
#include "text.h"

namespace comptoir::gateway {

std::string Gzip(std::string_view in) {
  z_stream zs{};
  // 15 + 16: a gzip header and trailer rather than zlib's.
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return "";
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END ? out : "";
}

bool AcceptsGzip(std::string_view accept_encoding) {
  for (std::string_view item : text::Split(accept_encoding, ',')) {
    std::string_view coding = text::Strip(item.substr(0, item.find(';')));
    if (text::ToLower(coding) != "gzip" && coding != "*") continue;
    size_t q = item.find("q=");
    if (q == std::string_view::npos) return true;
    std::string_view value = text::Strip(item.substr(q + 2));
    return !(value == "0" || value == "0.0" || value == "0.00" || value == "0.000");
  }
  return false;
}

CachedBody MakeCachedBody(std::string body, bool gzip) {
  CachedBody out;
  out.etag = StrongEtag(body);
  if (gzip && body.size() > kGzipMinBytes) out.gzipped = Gzip(body);
  out.body = std::move(body);
  return out;
}

MicroCache::MicroCache(Options options) : options_(std::move(options)) {}

std::string MicroCache::Key(std::string_view method, std::string_view target) {
  return text::Cat(method, " ", target);
}

std::shared_ptr<const CachedBody> MicroCache::Get(const std::string& key) {
  const auto now = options_.now();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  if (it->second->expires <= now) {
    EraseLocked(it->second);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->value;
}

void MicroCache::Put(const std::string& key, CachedBody value) {
  const size_t bytes = key.size() + value.body.size() + value.gzipped.size() + value.etag.size();
  if (value.body.size() > options_.max_entry_bytes || bytes > options_.max_bytes) return;
  auto shared = std::make_shared<const CachedBody>(std::move(value));
  const auto expires = options_.now() + options_.ttl;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) EraseLocked(it->second);
  while (bytes_ + bytes > options_.max_bytes && !lru_.empty()) EraseLocked(std::prev(lru_.end()));
  lru_.push_front(Entry{key, std::move(shared), expires, bytes});
  index_.emplace(key, lru_.begin());
  bytes_ += bytes;
}

void MicroCache::EraseLocked(std::list<Entry>::iterator it) {
  bytes_ -= it->bytes;
  index_.erase(it->key);
  lru_.erase(it);
}

size_t MicroCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

size_t MicroCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

}  // namespace comptoir::gateway
