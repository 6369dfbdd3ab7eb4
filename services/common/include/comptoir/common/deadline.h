// The instant by which a piece of work must be done. Every call that may wait (a pool, a
// query, a remote call) takes one, so a request's deadline bounds all the work it causes.
#pragma once

#include <chrono>

namespace comptoir::common {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

inline Deadline DeadlineIn(std::chrono::milliseconds budget) { return Clock::now() + budget; }

}  // namespace comptoir::common
