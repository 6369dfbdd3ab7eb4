// Identifier checks shared by every service. Pure functions.
#pragma once

#include <string_view>

namespace comptoir::common {

// Whether `text` has the shape of a UUID: 8-4-4-4-12 hexadecimal digits (either case).
bool LooksLikeUuid(std::string_view text);

}  // namespace comptoir::common
