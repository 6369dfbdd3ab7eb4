#pragma once

// The courier's road sheet for a round: stops in driving order with address, ETA, window,
// order number and what to hand over, as a printable HTML page (French, accessible: a real
// table with headers, printable on A4) or as CSV for spreadsheets (`;`-separated, UTF-8 with
// BOM, as French Excel expects). Local times in the given zone. Pure functions; thread-safe.

#include <string>

#include "absl/time/time.h"
#include "round_repository.h"

namespace comptoir::delivery {

std::string RoadSheetHtml(const RoundRecord& round, const absl::TimeZone& zone);
std::string RoadSheetCsv(const RoundRecord& round, const absl::TimeZone& zone);

}  // namespace comptoir::delivery
