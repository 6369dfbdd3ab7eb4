#include "routing/travel_model.h"

#include <cmath>
#include <numbers>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace comptoir::delivery::routing {

TravelMatrix::TravelMatrix(int size)
    : size_(size),
      distance_(static_cast<size_t>(size) * static_cast<size_t>(size), 0.0),
      duration_(static_cast<size_t>(size) * static_cast<size_t>(size), 0.0) {}

double HaversineMetres(const GeoPoint& a, const GeoPoint& b) {
  constexpr double kEarthRadiusMetres = 6371008.8;
  constexpr double kRadians = std::numbers::pi / 180.0;
  const double dlat = (b.latitude - a.latitude) * kRadians;
  const double dlon = (b.longitude - a.longitude) * kRadians;
  const double s = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(a.latitude * kRadians) * std::cos(b.latitude * kRadians) *
                       std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusMetres * std::asin(std::min(1.0, std::sqrt(s)));
}

absl::StatusOr<TravelMatrix> HaversineTravelModel::Matrix(
    const std::vector<GeoPoint>& points) const {
  if (!(options_.detour_factor >= 1.0) || !(options_.average_speed_kmh > 0)) {
    return absl::InvalidArgumentError("detour_factor must be >= 1 and average speed > 0");
  }
  for (size_t i = 0; i < points.size(); ++i) {
    const GeoPoint& p = points[i];
    if (!(std::abs(p.latitude) <= 90) || !(std::abs(p.longitude) <= 180)) {
      return absl::InvalidArgumentError(absl::StrCat("point ", i, " is out of range"));
    }
  }
  const int n = static_cast<int>(points.size());
  const double metres_per_second = options_.average_speed_kmh * 1000.0 / 3600.0;
  TravelMatrix matrix(n);
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      const double road = HaversineMetres(points[i], points[j]) * options_.detour_factor;
      const double seconds = road / metres_per_second;
      matrix.Set(i, j, road, seconds);
      matrix.Set(j, i, road, seconds);
    }
  }
  return matrix;
}

TravelMatrix EuclideanMatrix(const std::vector<PlanePoint>& points, bool round_to_nearest) {
  const int n = static_cast<int>(points.size());
  TravelMatrix matrix(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      double d = std::hypot(points[i].x - points[j].x, points[i].y - points[j].y);
      if (round_to_nearest) d = std::floor(d + 0.5);
      matrix.Set(i, j, d, d);
    }
  }
  return matrix;
}

}  // namespace comptoir::delivery::routing
