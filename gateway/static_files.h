// Static files of the web client (WEB_ROOT), for GET and HEAD on paths outside the API.
// Paths are decoded and checked segment by segment so nothing outside the root can be read.
// A file is read once and kept in memory with its strong ETag and, for text types worth it,
// its gzip form made on that first read; a later change on disk (size or modification time)
// is read again. Thread-safe: one mutex around the kept files; each call stats its file.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace comptoir::gateway {

struct StaticFile {
  std::string content;
  std::string content_type;
  std::string cache_control;
  std::string etag;     // strong, of `content`
  std::string gzipped;  // empty when not worth it (binary types, small or incompressible)
};

class StaticFiles {
 public:
  // Files larger than `max_bytes` are not served (web assets are small; this bounds memory);
  // files are kept in memory up to `max_kept_bytes` in all, then read on each request.
  explicit StaticFiles(std::string root, size_t max_bytes = 8 << 20,
                       size_t max_kept_bytes = 64 << 20);

  // The file for the raw request path (no query): "/" and "/dir/" serve index.html.
  // Shared and immutable. Null when absent, unreadable, too large or outside the root.
  std::shared_ptr<const StaticFile> Load(std::string_view path) const;

  static std::string_view ContentType(std::string_view file_name);
  // Whether a type is text that gzip shrinks (images and fonts are compressed already).
  static bool Compressible(std::string_view content_type);

 private:
  struct Kept {
    std::shared_ptr<const StaticFile> file;
    off_t size;
    int64_t mtime_ns;
  };
  std::string root_;
  size_t max_bytes_;
  size_t max_kept_bytes_;
  mutable absl::Mutex mu_;
  mutable std::unordered_map<std::string, Kept> kept_ ABSL_GUARDED_BY(mu_);
  mutable size_t kept_bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace comptoir::gateway
