// The background loop that settles what crashes leave behind: checkouts pending past their
// claim are undone, and stock/slot work still owed after a transition is done. Every replica
// runs one; claims in Postgres keep two replicas off the same checkout. Thread-safe.
#pragma once

#include <chrono>

#include "comptoir/common/background_loop.h"
#include "comptoir/common/log.h"
#include "orders_service.h"

namespace comptoir::orders {

class Reconciler {
 public:
  Reconciler(OrdersService& service, std::chrono::milliseconds interval)
      : service_(service), interval_(interval) {}
  ~Reconciler() { Stop(); }
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  void Start() {
    loop_.Start([this] {
      do {
        absl::StatusOr<int> handled =
            service_.ReconcileOnce(common::DeadlineIn(std::chrono::seconds(30)));
        if (!handled.ok()) {
          LOG_WARN("reconciler pass failed", {{"error", std::string(handled.status().message())}});
        }
      } while (loop_.Sleep(interval_));
    });
  }
  void Stop() { loop_.Stop(); }

 private:
  OrdersService& service_;
  const std::chrono::milliseconds interval_;
  common::BackgroundLoop loop_;  // last: joined before the members it uses go
};

}  // namespace comptoir::orders
