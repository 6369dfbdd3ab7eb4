#include "static_files.h"

#include <sys/stat.h>

#include <fstream>
#include <utility>

#include "path_template.h"
#include "text.h"

namespace comptoir::gateway {

StaticFiles::StaticFiles(std::string root, size_t max_bytes)
    : root_(std::move(root)), max_bytes_(max_bytes) {
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

std::optional<StaticFile> StaticFiles::Load(std::string_view path) const {
  if (path.empty() || path[0] != '/') return std::nullopt;
  std::string relative;
  for (std::string_view raw : text::Split(path.substr(1), '/')) {
    std::optional<std::string> segment = PercentDecode(raw);
    // Decoded separators, parent references, hidden files and NULs never reach the disk.
    if (!segment || segment->find_first_of(std::string_view("/\\\0", 3)) != std::string::npos ||
        *segment == "." || *segment == ".." || text::StartsWith(*segment, ".")) {
      return std::nullopt;
    }
    if (segment->empty()) continue;  // "//" and a trailing '/'
    relative += "/" + *segment;
  }
  if (relative.empty() || path.back() == '/') relative += "/index.html";
  std::string full = root_ + relative;

  struct stat st {};
  if (::stat(full.c_str(), &st) != 0) return std::nullopt;
  if (S_ISDIR(st.st_mode)) {
    full += "/index.html";
    relative += "/index.html";
    if (::stat(full.c_str(), &st) != 0) return std::nullopt;
  }
  if (!S_ISREG(st.st_mode) || static_cast<size_t>(st.st_size) > max_bytes_) return std::nullopt;

  std::ifstream in(full, std::ios::binary);
  if (!in) return std::nullopt;
  StaticFile file;
  file.content.resize(static_cast<size_t>(st.st_size));
  if (!in.read(file.content.data(), static_cast<std::streamsize>(file.content.size()))) {
    return std::nullopt;
  }
  file.content_type = std::string(ContentType(relative));
  // HTML names stay fixed across releases, so browsers must revalidate them; other assets
  // may be cached a little.
  file.cache_control = text::EndsWith(relative, ".html") ? "no-cache" : "public, max-age=300";
  return file;
}

}  // namespace comptoir::gateway
