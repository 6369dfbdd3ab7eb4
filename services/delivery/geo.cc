#include "geo.h"

#include "absl/strings/str_cat.h"

namespace comptoir::delivery {

std::vector<common::PreparedStatement> PgCommuneDirectory::Statements() {
  return {{"dlv_commune",
           "SELECT insee_code, name, latitude, longitude, department_code FROM geo.communes "
           "WHERE insee_code = $1"}};
}

absl::StatusOr<Commune> PgCommuneDirectory::Find(const std::string& insee_code, Deadline deadline) {
  if (!IsInseeCode(insee_code)) {
    return absl::InvalidArgumentError("commune_insee must be an INSEE code such as 58145");
  }
  return pool_.Run<Commune>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Commune> {
    const pqxx::result r = tx.exec_prepared("dlv_commune", insee_code);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("Commune inconnue : ", insee_code));
    return Commune{.insee_code = r[0][0].as<std::string>(),
                   .name = r[0][1].as<std::string>(),
                   .point = {r[0][2].as<double>(), r[0][3].as<double>()},
                   .department_code = r[0][4].as<std::string>()};
  });
}

absl::StatusOr<Located> CommuneCentreGeocoder::Locate(const PostalAddress& address,
                                                      Deadline deadline) {
  absl::StatusOr<Commune> commune = communes_.Find(address.commune_insee, deadline);
  if (!commune.ok()) return commune.status();
  return Located{.point = commune->point, .commune_name = commune->name};
}

}  // namespace comptoir::delivery
