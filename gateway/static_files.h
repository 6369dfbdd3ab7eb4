// Static files of the web client (WEB_ROOT), for GET and HEAD on paths outside the API.
// Paths are decoded and checked segment by segment so nothing outside the root can be read.
// Thread-safe: holds only the root; each call opens its file.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace comptoir::gateway {

struct StaticFile {
  std::string content;
  std::string content_type;
  std::string cache_control;
};

class StaticFiles {
 public:
  // Files larger than `max_bytes` are not served (web assets are small; this bounds memory).
  explicit StaticFiles(std::string root, size_t max_bytes = 8 << 20);

  // The file for the raw request path (no query): "/" and "/dir/" serve index.html.
  // nullopt when absent, unreadable, too large or outside the root.
  std::optional<StaticFile> Load(std::string_view path) const;

  static std::string_view ContentType(std::string_view file_name);

 private:
  std::string root_;
  size_t max_bytes_;
};

}  // namespace comptoir::gateway
