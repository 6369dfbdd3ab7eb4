#include "static_files.h"

#include <sys/stat.h>

#include <fstream>
#include <utility>

#include "gateway.h"      // StrongEtag
#include "micro_cache.h"  // Gzip, kGzipMinBytes
#include "path_template.h"
#include "text.h"

namespace comptoir::gateway {

StaticFiles::StaticFiles(std::string root, size_t max_bytes, size_t max_kept_bytes)
    : root_(std::move(root)), max_bytes_(max_bytes), max_kept_bytes_(max_kept_bytes) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::string_view StaticFiles::ContentType(std::string_view file_name) {
  size_t dot = file_name.rfind('.');
  std::string ext = dot == std::string_view::npos ? "" : text::ToLower(file_name.substr(dot + 1));
  if (ext == "html" || ext == "htm") return "text/html; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "webmanifest") return "application/manifest+json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "gif") return "image/gif";
  if (ext == "webp") return "image/webp";
  if (ext == "avif") return "image/avif";
  if (ext == "ico") return "image/x-icon";
  if (ext == "woff2") return "font/woff2";
  if (ext == "woff") return "font/woff";
  if (ext == "txt") return "text/plain; charset=utf-8";
  if (ext == "xml") return "application/xml";
  if (ext == "pdf") return "application/pdf";
  if (ext == "wasm") return "application/wasm";
  return "application/octet-stream";
}

bool StaticFiles::Compressible(std::string_view content_type) {
  return text::StartsWith(content_type, "text/") ||
         text::StartsWith(content_type, "application/json") ||
         text::StartsWith(content_type, "application/manifest+json") ||
         text::StartsWith(content_type, "application/xml") ||
         text::StartsWith(content_type, "application/wasm") ||
         text::StartsWith(content_type, "image/svg+xml");
}

std::shared_ptr<const StaticFile> StaticFiles::Load(std::string_view path) const {
  if (path.empty() || path[0] != '/') return nullptr;
  std::string relative;
  for (std::string_view raw : text::Split(path.substr(1), '/')) {
    std::optional<std::string> segment = PercentDecode(raw);
    // Decoded separators, parent references, hidden files and NULs never reach the disk.
    if (!segment || segment->find_first_of(std::string_view("/\\\0", 3)) != std::string::npos ||
        *segment == "." || *segment == ".." || text::StartsWith(*segment, ".")) {
      return nullptr;
    }
    if (segment->empty()) continue;  // "//" and a trailing '/'
    relative += "/" + *segment;
  }
  if (relative.empty() || path.back() == '/') relative += "/index.html";
  std::string full = root_ + relative;

  struct stat st {};
  if (::stat(full.c_str(), &st) != 0) return nullptr;
  if (S_ISDIR(st.st_mode)) {
    full += "/index.html";
    relative += "/index.html";
    if (::stat(full.c_str(), &st) != 0) return nullptr;
  }
  if (!S_ISREG(st.st_mode) || static_cast<size_t>(st.st_size) > max_bytes_) return nullptr;
  const int64_t mtime_ns =
      static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  {
    absl::MutexLock lock(&mu_);
    auto it = kept_.find(relative);
    if (it != kept_.end() && it->second.size == st.st_size && it->second.mtime_ns == mtime_ns) {
      return it->second.file;
    }
  }

  std::ifstream in(full, std::ios::binary);
  if (!in) return nullptr;
  auto file = std::make_shared<StaticFile>();
  file->content.resize(static_cast<size_t>(st.st_size));
  if (!in.read(file->content.data(), static_cast<std::streamsize>(file->content.size()))) {
    return nullptr;
  }
  file->content_type = std::string(ContentType(relative));
  // HTML names stay fixed across releases, so browsers must revalidate them; other assets
  // may be cached a little.
  file->cache_control = text::EndsWith(relative, ".html") ? "no-cache" : "public, max-age=300";
  file->etag = StrongEtag(file->content);
  if (file->content.size() > kGzipMinBytes && Compressible(file->content_type)) {
    std::string gzipped = Gzip(file->content);
    if (!gzipped.empty() && gzipped.size() < file->content.size())
      file->gzipped = std::move(gzipped);
  }
  const size_t bytes = file->content.size() + file->gzipped.size();
  absl::MutexLock lock(&mu_);
  auto it = kept_.find(relative);
  if (it != kept_.end()) {
    kept_bytes_ -= it->second.file->content.size() + it->second.file->gzipped.size();
    kept_.erase(it);
  }
  // Web assets are few and small: past the bound (a root full of something else), serve
  // from disk rather than evict.
  if (kept_bytes_ + bytes <= max_kept_bytes_) {
    kept_.emplace(relative, Kept{file, st.st_size, mtime_ns});
    kept_bytes_ += bytes;
  }
  return file;
}

}  // namespace comptoir::gateway
