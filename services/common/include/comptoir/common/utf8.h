// Small UTF-8 helpers for validating and walking text that people typed. Pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace comptoir::common {

// Length in bytes of the well-formed UTF-8 sequence starting at text[i], or 0 when the
// bytes there are not one (truncated, stray continuation byte, invalid lead byte, overlong
// form, surrogate, past U+10FFFF: RFC 3629, as PostgreSQL and protobuf check it).
std::size_t Utf8SequenceLength(std::string_view text, std::size_t i);

// Whether all of `text` is well-formed UTF-8.
bool IsValidUtf8(std::string_view text);

// Number of code points when `text` is valid UTF-8 without control characters (C0 or DEL),
// else -1. Tabs and newlines count as control characters: use it for one-line fields.
int PrintableLength(std::string_view text);

}  // namespace comptoir::common
