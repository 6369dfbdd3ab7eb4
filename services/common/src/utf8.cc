#include "comptoir/common/utf8.h"

#include <cstdint>
#include <cstring>

namespace comptoir::common {

std::size_t Utf8SequenceLength(std::string_view text, std::size_t i) {
  auto c = static_cast<unsigned char>(text[i]);
  std::size_t len = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
  if (len == 0 || i + len > text.size()) return 0;
  // Overlong two-byte forms (0xC0, 0xC1) and code points past U+10FFFF are not UTF-8.
  if (c == 0xC0 || c == 0xC1 || c > 0xF4) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 0;
  }
  // Nor are overlong three- and four-byte forms, UTF-16 surrogates (U+D800-U+DFFF) and the
  // four-byte forms past U+10FFFF: the second byte's range says.
  const auto second = static_cast<unsigned char>(text[i + (len > 1 ? 1 : 0)]);
  if ((c == 0xE0 && second < 0xA0) || (c == 0xED && second > 0x9F) ||
      (c == 0xF0 && second < 0x90) || (c == 0xF4 && second > 0x8F)) {
    return 0;
  }
  return len;
}

bool IsValidUtf8(std::string_view text) {
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    // ASCII, most of any text here, eight bytes at a time, then byte by byte.
    std::uint64_t word = 0;
    while (i + 8 <= n &&
           (std::memcpy(&word, text.data() + i, 8), word & 0x8080808080808080u) == 0) {
      i += 8;
    }
    while (i < n && static_cast<unsigned char>(text[i]) < 0x80) ++i;
    if (i == n) break;
    const std::size_t len = Utf8SequenceLength(text, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

int PrintableLength(std::string_view text) {
  int count = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len = Utf8SequenceLength(text, i);
    if (len == 0) return -1;
    auto c = static_cast<unsigned char>(text[i]);
    if (len == 1 && (c < 0x20 || c == 0x7F)) return -1;
    i += len;
    ++count;
  }
  return count;
}

}  // namespace comptoir::common
