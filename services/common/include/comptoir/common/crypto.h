// Hashing and randomness helpers on libsodium, for checksums and identifiers.
// Thread-safe (libsodium is initialised once, on first use).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace comptoir::common {

// Lower-case hexadecimal SHA-256 of `data` (64 characters).
std::string Sha256Hex(std::string_view data);

// `bytes` bytes from the system's secure random source, as lower-case hexadecimal.
std::string RandomHex(std::size_t bytes);

}  // namespace comptoir::common
