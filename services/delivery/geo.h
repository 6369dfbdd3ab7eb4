#pragma once

// Where things are: the region's communes (read-only reference data in `geo.communes`) and
// the geocoder that turns a delivery address into a point. Offline, the point is the
// commune's centre; a real geocoder (BAN, Nominatim) can implement Geocoder later.
// Implementations are thread-safe.

#include <chrono>
#include <string>

#include "absl/status/statusor.h"
#include "comptoir/common/pg_pool.h"
#include "routing/travel_model.h"
#include "zones.h"

namespace comptoir::delivery {

using Deadline = std::chrono::steady_clock::time_point;

class CommuneDirectory {
 public:
  virtual ~CommuneDirectory() = default;
  // NotFound (in French) when the INSEE code names no commune of the region.
  virtual absl::StatusOr<Commune> Find(const std::string& insee_code, Deadline deadline) = 0;
};

struct PostalAddress {
  std::string lines{};  // "12 rue des Tilleuls"
  std::string postal_code{};
  std::string commune_insee{};
};

struct Located {
  routing::GeoPoint point{};
  std::string commune_name{};
};

class Geocoder {
 public:
  virtual ~Geocoder() = default;
  // NotFound when the address cannot be placed.
  virtual absl::StatusOr<Located> Locate(const PostalAddress& address, Deadline deadline) = 0;
};

// geo.communes on PostgreSQL.
class PgCommuneDirectory final : public CommuneDirectory {
 public:
  explicit PgCommuneDirectory(common::PgPool& pool) : pool_(pool) {}
  static std::vector<common::PreparedStatement> Statements();
  absl::StatusOr<Commune> Find(const std::string& insee_code, Deadline deadline) override;

 private:
  common::PgPool& pool_;
};

// The commune's centre, whatever the street: good enough to order a rural round, where
// villages are kilometres apart and a house is found on the spot.
class CommuneCentreGeocoder final : public Geocoder {
 public:
  explicit CommuneCentreGeocoder(CommuneDirectory& communes) : communes_(communes) {}
  absl::StatusOr<Located> Locate(const PostalAddress& address, Deadline deadline) override;

 private:
  CommuneDirectory& communes_;
};

}  // namespace comptoir::delivery
