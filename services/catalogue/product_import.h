// CSV imports and exports of a shop's products: who may run them, the job that reads,
// validates then applies a file (all or nothing) while recording its progress, and the
// background worker that runs large files. Storage is a CatalogueRepository. Thread-safe.
//
//   ProductImports imports(repository);
//   ImportWorker worker(imports);  // runs queued jobs; imports.SetWaker wakes it
//   ASSIGN_OR_RETURN(ImportJob job, imports.Import(caller, shop_id, csv_bytes, deadline));
#pragma once

#include <functional>
#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "catalogue_repository.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/background_loop.h"

namespace comptoir::catalogue {

class ProductImports {
 public:
  // Files with at most this many lines are imported within the request.
  static constexpr int kInlineLines = 2000;
  // A running job renews its lease as it progresses; one not renewed for this long is
  // taken over by another worker (its runner died).
  static constexpr absl::Duration kLease = absl::Minutes(2);
  static constexpr int kMaxExportedProducts = 50000;

  explicit ProductImports(CatalogueRepository& repository) : repository_(repository) {}

  // Called after a large file was queued (wakes the worker).
  void SetWaker(std::function<void()> waker);

  // Members of the shop (and admins) only. InvalidArgument when the file is empty or over
  // 10 MiB. A small file is imported before returning (state succeeded or failed); a large
  // one is queued.
  absl::StatusOr<ImportJob> Import(const common::Caller& caller, const std::string& shop_id,
                                   const std::string& csv, Deadline deadline);
  // Members of the job's shop (and admins) only; NotFound for anyone else.
  absl::StatusOr<ImportJob> Get(const common::Caller& caller, const std::string& id,
                                Deadline deadline);
  // Every product of the shop as CSV (product_csv.h). Members only.
  absl::StatusOr<std::string> Export(const common::Caller& caller, const std::string& shop_id,
                                     Deadline deadline);

  // Runs a claimed job to its end and records the outcome; returns the final job.
  ImportJob Run(ImportJob job, const std::string& csv);
  // Claims and runs one waiting job; false when none waits (or storage failed).
  bool RunNextQueued();

 private:
  CatalogueRepository& repository_;
  std::mutex mu_;
  std::function<void()> waker_;  // guarded by mu_
};

// The thread that runs queued imports, one at a time per replica.
class ImportWorker {
 public:
  explicit ImportWorker(ProductImports& imports) : imports_(imports) {}
  ~ImportWorker() { Stop(); }
  void Start();
  void Stop() { loop_.Stop(); }
  void Wake() { loop_.Wake(); }

 private:
  ProductImports& imports_;
  common::BackgroundLoop loop_;
};

}  // namespace comptoir::catalogue
