// ShopsRepository on PostgreSQL: the `shops` schema, plus read-only `geo` reference data.
// Every write records its ShopEvent in shops.outbox in the same transaction; the
// OutboxRelay (comptoir/common/outbox.h) publishes them to `events:shops`.
// Thread-safe (the pool is).
#pragma once

#include <vector>

#include "comptoir/common/embedded_file.h"
#include "comptoir/common/pg_pool.h"
#include "shops_repository.h"

namespace comptoir::shops {

// The schema migrations of the `shops` schema, compiled into the binary.
std::vector<common::EmbeddedFile> Migrations();

class PgShopsRepository : public ShopsRepository {
 public:
  // `read_pool`, when given, serves the read-mostly discovery queries (List) from a replica.
  explicit PgShopsRepository(common::PgPool& pool, common::PgPool* read_pool = nullptr)
      : pool_(pool), read_pool_(read_pool != nullptr ? *read_pool : pool) {}

  // The named statements this repository runs; give them to the pool's options.
  static std::vector<common::PreparedStatement> Statements();

  absl::StatusOr<std::optional<Commune>> FindCommune(const std::string& insee_code,
                                                     Deadline deadline) override;
  absl::StatusOr<Shop> Insert(const Shop& shop, const std::string& owner_id,
                              Deadline deadline) override;
  absl::StatusOr<Shop> FindById(const std::string& id, Deadline deadline) override;
  absl::StatusOr<Shop> FindBySlug(const std::string& slug, Deadline deadline) override;
  absl::StatusOr<ShopPage> List(const ShopQuery& query, Deadline deadline) override;
  absl::StatusOr<std::optional<std::string>> MemberRole(const std::string& shop_id,
                                                        const std::string& user_id,
                                                        Deadline deadline) override;
  absl::StatusOr<Member> PutMember(const std::string& shop_id, const std::string& user_id,
                                   const std::string& role, Deadline deadline) override;
  absl::Status RemoveMember(const std::string& shop_id, const std::string& user_id,
                            Deadline deadline) override;
  absl::StatusOr<std::vector<Member>> ListMembers(const std::string& shop_id,
                                                  Deadline deadline) override;
  absl::StatusOr<Shop> SetOpeningHours(const std::string& id, const OpeningHours& hours,
                                       const std::string& actor_id, Deadline deadline) override;
  absl::StatusOr<Shop> Update(const Shop& shop, int64_t expected_version,
                              const std::string& actor_id, Deadline deadline) override;
  absl::StatusOr<std::vector<Commune>> SearchCommunes(const std::string& query, int limit,
                                                      Deadline deadline) override;
  absl::StatusOr<Shop> ChangeStatus(const std::string& id, const std::vector<std::string>& from,
                                    const std::string& to_status, const Decision& decision,
                                    Deadline deadline) override;

 private:
  absl::StatusOr<Shop> FindOne(const char* statement, const std::string& key, Deadline deadline);

  common::PgPool& pool_;
  common::PgPool& read_pool_;
};

}  // namespace comptoir::shops
