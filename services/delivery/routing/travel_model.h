#pragma once

// Travel distances and durations between the points of a routing problem.
// `TravelMatrix` is the dense matrix the solver reads; `TravelModel` is the interface that
// produces it (great-circle with a detour factor today, a road router such as OSRM's /table
// later). Matrices are immutable once built and safe to share between threads.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace comptoir::delivery::routing {

struct GeoPoint {
  double latitude = 0;   // degrees, WGS 84
  double longitude = 0;  // degrees, WGS 84
};

// Dense n x n matrices of distance (metres, or instance units) and travel time (seconds, or
// instance units). Asymmetric values are allowed; the solver never assumes symmetry for
// feasibility, only for the speed of some move evaluations.
class TravelMatrix {
 public:
  TravelMatrix() = default;
  // Builds an n x n matrix of zeros.
  explicit TravelMatrix(int size);

  int size() const { return size_; }
  double Distance(int from, int to) const { return distance_[Index(from, to)]; }
  double Duration(int from, int to) const { return duration_[Index(from, to)]; }
  void Set(int from, int to, double distance, double duration) {
    distance_[Index(from, to)] = distance;
    duration_[Index(from, to)] = duration;
  }

 private:
  size_t Index(int from, int to) const {
    return static_cast<size_t>(from) * static_cast<size_t>(size_) + static_cast<size_t>(to);
  }

  int size_ = 0;
  std::vector<double> distance_;
  std::vector<double> duration_;
};

// Source of travel matrices. Implementations may do I/O (a road router) and fail; the
// solver itself never does.
class TravelModel {
 public:
  virtual ~TravelModel() = default;
  virtual absl::StatusOr<TravelMatrix> Matrix(const std::vector<GeoPoint>& points) const = 0;
};

// Great-circle distance in metres (haversine, mean Earth radius 6,371,008.8 m).
double HaversineMetres(const GeoPoint& a, const GeoPoint& b);

// Road estimate without a road network: great-circle distance times a detour factor
// (about 1.3 for French rural roads), driven at a constant average speed.
class HaversineTravelModel final : public TravelModel {
 public:
  struct Options {
    double detour_factor = 1.3;
    double average_speed_kmh = 40;
  };
  explicit HaversineTravelModel(Options options) : options_(options) {}

  // Fails with InvalidArgument on coordinates out of range or a non-positive speed/factor.
  absl::StatusOr<TravelMatrix> Matrix(const std::vector<GeoPoint>& points) const override;

 private:
  Options options_;
};

// Plane coordinates with Euclidean distances, used by the benchmarks (TSPLIB, Solomon):
// duration equals distance. With `round_to_nearest`, each entry is nint(d) (TSPLIB EUC_2D).
struct PlanePoint {
  double x = 0;
  double y = 0;
};
TravelMatrix EuclideanMatrix(const std::vector<PlanePoint>& points, bool round_to_nearest);

}  // namespace comptoir::delivery::routing
