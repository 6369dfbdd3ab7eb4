// A file compiled into a binary by cmake/ComptoirEmbed.cmake (migrations, fixtures).
// Plain data; safe to share between threads.
#pragma once

#include <string>

namespace comptoir::common {

struct EmbeddedFile {
  std::string name;      // file name without directories, e.g. "001_shops.sql"
  std::string contents;  // bytes of the file
};

}  // namespace comptoir::common
