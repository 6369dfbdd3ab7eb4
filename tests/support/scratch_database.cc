#include "scratch_database.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <pqxx/pqxx>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "comptoir/common/migrations.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/status.h"
#include "test_env.h"

namespace comptoir::testing {
namespace {

constexpr std::chrono::milliseconds kConnectTimeout{5000};

// postgresql://[userinfo@]hostport[/database][?query], cut into the parts we replace.
struct PgUrl {
  std::string scheme;    // "postgresql://"
  std::string userinfo;  // "postgres" or "postgres:secret", without '@'
  std::string hostport;  // "127.0.0.1:55432"
  std::string database;
  std::string query;  // with its leading '?', or empty

  std::string With(const std::string& new_userinfo, const std::string& new_database) const {
    return absl::StrCat(scheme, new_userinfo, new_userinfo.empty() ? "" : "@", hostport, "/",
                        new_database, query);
  }
};

absl::StatusOr<PgUrl> ParsePgUrl(const std::string& url) {
  PgUrl parts;
  for (const char* scheme : {"postgresql://", "postgres://"}) {
    if (absl::StartsWith(url, scheme)) parts.scheme = scheme;
  }
  if (parts.scheme.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("COMPTOIR_TEST_PG_URL must be a postgresql:// URL, e.g. "
                     "postgresql://postgres@127.0.0.1:55432/postgres"));
  }
  std::string rest = url.substr(parts.scheme.size());
  if (std::size_t q = rest.find('?'); q != std::string::npos) {
    parts.query = rest.substr(q);
    rest.resize(q);
  }
  if (std::size_t slash = rest.find('/'); slash != std::string::npos) {
    parts.database = rest.substr(slash + 1);
    rest.resize(slash);
  }
  if (std::size_t at = rest.rfind('@'); at != std::string::npos) {
    parts.userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
  }
  parts.hostport = rest;
  return parts;
}

std::string UniqueName() {
  static std::atomic<int> counter{0};
  std::random_device random;
  return absl::StrCat("comptoir_test_", ::getpid(), "_", counter.fetch_add(1), "_",
                      absl::Hex(random() & 0xffffff));
}

// Roles are cluster-wide: bootstraps of scratch databases running in parallel test
// processes would keep colliding on them. They take turns instead (a few hundred ms each).
class ClusterBootstrapLock {
 public:
  explicit ClusterBootstrapLock(const std::string& cluster_url) {
    const std::string path = absl::StrCat(
        "/tmp/comptoir-test-bootstrap-", absl::Hex(std::hash<std::string>()(cluster_url)), ".lock");
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);  // without the lock, bootstrap's own retries remain
  }
  ~ClusterBootstrapLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  ClusterBootstrapLock(const ClusterBootstrapLock&) = delete;
  ClusterBootstrapLock& operator=(const ClusterBootstrapLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace

ScratchDatabase::ScratchDatabase(std::string cluster_url, std::string name,
                                 ScratchDatabaseOptions options)
    : cluster_url_(std::move(cluster_url)), name_(std::move(name)), options_(std::move(options)) {
  admin_url_ = ParsePgUrl(cluster_url_)->With(ParsePgUrl(cluster_url_)->userinfo, name_);
}

absl::StatusOr<std::unique_ptr<ScratchDatabase>> ScratchDatabase::Create(
    ScratchDatabaseOptions options) {
  absl::StatusOr<std::string> cluster_url = TestPgUrl();
  if (!cluster_url.ok()) return cluster_url.status();
  absl::StatusOr<PgUrl> parts = ParsePgUrl(*cluster_url);
  if (!parts.ok()) return parts.status();

  const std::string name = UniqueName();
  try {
    pqxx::connection conn(common::PgConnectionString(*cluster_url, kConnectTimeout));
    pqxx::nontransaction tx(conn);
    // UTF-8 whatever the cluster's default, as in production.
    tx.exec(absl::StrCat("CREATE DATABASE ", tx.quote_name(name),
                         " TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'"));
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot create scratch database ", name, ": ", e.what()));
  }
  std::unique_ptr<ScratchDatabase> db(new ScratchDatabase(*cluster_url, name, std::move(options)));
  if (db->options_.bootstrap) {
    ClusterBootstrapLock lock(*cluster_url);
    absl::Status status = common::BootstrapDatabase(db->bootstrap_options());
    if (!status.ok()) return status;  // the destructor drops the database
  }
  return db;
}

ScratchDatabase::~ScratchDatabase() {
  try {
    pqxx::connection conn(common::PgConnectionString(cluster_url_, kConnectTimeout));
    pqxx::nontransaction tx(conn);
    tx.exec(absl::StrCat("DROP DATABASE IF EXISTS ", tx.quote_name(name_), " WITH (FORCE)"));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "warning: could not drop scratch database %s: %s\n", name_.c_str(),
                 e.what());
  }
}

std::string ScratchDatabase::RoleUrl(const std::string& role) const {
  return ParsePgUrl(cluster_url_)->With(absl::StrCat(role, ":", kRolePassword), name_);
}

absl::StatusOr<std::unique_ptr<common::PgPool>> ScratchDatabase::MigratedPool(
    const std::string& role, const std::vector<common::EmbeddedFile>& migrations,
    std::vector<common::PreparedStatement> statements, std::size_t size) const {
  RETURN_IF_ERROR(common::ApplyMigrations(RoleUrl(role), role, migrations).status());
  common::PgPoolOptions options;
  options.url = RoleUrl(role);
  options.size = size;
  options.statements = std::move(statements);
  return std::make_unique<common::PgPool>(options);
}

common::BootstrapOptions ScratchDatabase::bootstrap_options() const {
  common::BootstrapOptions bootstrap;
  bootstrap.admin_url = admin_url_;
  bootstrap.roles = options_.roles;
  for (const std::string& role : options_.roles) bootstrap.passwords[role] = kRolePassword;
  bootstrap.communes_csv = options_.communes_csv;
  return bootstrap;
}

}  // namespace comptoir::testing
