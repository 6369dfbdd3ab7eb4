#include "product_import.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "catalogue_service.h"
#include "comptoir/common/log.h"
#include "comptoir/common/status.h"

namespace comptoir::catalogue {
namespace {

// Imports run in the background; their storage calls get generous budgets.
Deadline StepDeadline() { return common::DeadlineIn(std::chrono::seconds(30)); }
Deadline ApplyDeadline() { return common::DeadlineIn(std::chrono::minutes(5)); }

constexpr auto kWorkerPoll = std::chrono::seconds(5);

}  // namespace

void ProductImports::SetWaker(std::function<void()> waker) {
  std::lock_guard<std::mutex> lock(mu_);
  waker_ = std::move(waker);
}

absl::StatusOr<ImportJob> ProductImports::Import(const common::Caller& caller,
                                                 const std::string& shop_id, const std::string& csv,
                                                 Deadline deadline) {
  if (!LooksLikeUuid(shop_id)) return common::InvalidField("shop", "must be a UUID");
  const std::string shop = absl::AsciiStrToLower(shop_id);
  RETURN_IF_ERROR(CheckShopWriter(caller, shop));
  if (csv.empty()) return common::InvalidField("csv", "must hold the file");
  if (csv.size() > kMaxImportBytes) {
    return common::InvalidField("csv", "must be at most 10 MiB: split the file");
  }
  ImportJob job;
  job.shop_id = shop;
  job.created_by = caller.user_id;
  const bool inline_run = std::count(csv.begin(), csv.end(), '\n') <= kInlineLines;
  ASSIGN_OR_RETURN(job, repository_.CreateImportJob(job, csv, inline_run, deadline));
  if (inline_run) return Run(std::move(job), csv);
  std::function<void()> waker;
  {
    std::lock_guard<std::mutex> lock(mu_);
    waker = waker_;
  }
  if (waker) waker();
  return job;
}

absl::StatusOr<ImportJob> ProductImports::Get(const common::Caller& caller, const std::string& id,
                                              Deadline deadline) {
  if (!LooksLikeUuid(id)) return common::InvalidField("import", "must be a UUID");
  const absl::Status not_found = absl::NotFoundError(absl::StrCat("no import \"", id, "\""));
  if (!caller.authenticated()) return absl::UnauthenticatedError("sign in to follow an import");
  absl::StatusOr<ImportJob> job = repository_.FindImportJob(absl::AsciiStrToLower(id), deadline);
  if (!job.ok()) return job.status();
  // Someone else's import is not acknowledged to exist.
  if (!CheckShopWriter(caller, job->shop_id).ok()) return not_found;
  return job;
}

absl::StatusOr<std::string> ProductImports::Export(const common::Caller& caller,
                                                   const std::string& shop_id, Deadline deadline) {
  if (!LooksLikeUuid(shop_id)) return common::InvalidField("shop", "must be a UUID");
  const std::string shop = absl::AsciiStrToLower(shop_id);
  RETURN_IF_ERROR(CheckShopWriter(caller, shop));
  ASSIGN_OR_RETURN(std::vector<Product> products,
                   repository_.AllOfShop(shop, kMaxExportedProducts + 1, deadline));
  if (static_cast<int>(products.size()) > kMaxExportedProducts) {
    return absl::FailedPreconditionError("the shop has more than 50000 products to export");
  }
  return WriteProductCsv(products);
}

ImportJob ProductImports::Run(ImportJob job, const std::string& csv) {
  const auto progress = [&](const char* state) {
    job.state = state;
    absl::Status s = repository_.UpdateImportProgress(job, kLease, StepDeadline());
    if (!s.ok())
      LOG_WARN("import progress not recorded", {{"import", job.id}, {"error", s.ToString()}});
  };
  ParsedProductCsv parsed = ParseProductCsv(csv, [&](int validated) {
    job.lines_validated = validated;
    progress("validating");
  });
  job.lines_read = parsed.records;
  job.lines_validated = parsed.records;
  job.encoding = parsed.encoding;
  job.error_count = parsed.error_count;
  job.errors = std::move(parsed.errors);
  if (job.error_count > 0) {
    job.state = "failed";
    job.message = absl::StrCat(job.error_count, job.error_count == 1 ? " line is" : " lines are",
                               " not valid: nothing was imported");
  } else {
    progress("applying");
    absl::StatusOr<ImportCounts> applied = repository_.ApplyImport(
        job.shop_id, parsed.products,
        [&](int n) {
          job.lines_applied = n;
          progress("applying");
        },
        ApplyDeadline());
    if (applied.ok()) {
      job.state = "succeeded";
      job.lines_applied = static_cast<int>(parsed.products.size());
      job.created = applied->created;
      job.updated = applied->updated;
    } else {
      job.state = "failed";
      job.lines_applied = 0;
      job.message = absl::StrCat("nothing was imported: ", applied.status().message());
    }
  }
  // A failure to record the end leaves the lease to run out: another worker redoes the job,
  // which is safe since applying is all or nothing and by SKU.
  absl::Status finished = repository_.FinishImportJob(job, StepDeadline());
  if (!finished.ok()) {
    LOG_ERROR("import outcome not recorded", {{"import", job.id}, {"error", finished.ToString()}});
  }
  LOG_INFO("import finished", {{"import", job.id},
                               {"shop_id", job.shop_id},
                               {"state", job.state},
                               {"lines", absl::StrCat(job.lines_read)},
                               {"errors", absl::StrCat(job.error_count)}});
  return job;
}

bool ProductImports::RunNextQueued() {
  absl::StatusOr<std::optional<std::pair<ImportJob, std::string>>> claimed =
      repository_.ClaimImportJob(kLease, StepDeadline());
  if (!claimed.ok()) {
    LOG_WARN("import queue unavailable", {{"error", claimed.status().ToString()}});
    return false;
  }
  if (!claimed->has_value()) return false;
  Run(std::move((*claimed)->first), (*claimed)->second);
  return true;
}

void ImportWorker::Start() {
  loop_.Start([this] {
    do {
      while (imports_.RunNextQueued()) {
      }
    } while (loop_.Sleep(std::chrono::duration_cast<std::chrono::milliseconds>(kWorkerPoll)));
  });
}

}  // namespace comptoir::catalogue
