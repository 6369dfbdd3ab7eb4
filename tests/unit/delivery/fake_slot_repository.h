// In-memory SlotRepository for unit tests: enough to exercise the service's rules and the
// transport, not real concurrency (see tests/integration/delivery). Thread-safe: one mutex.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "slot_repository.h"

namespace comptoir::delivery {

class FakeSlotRepository final : public SlotRepository {
 public:
  absl::StatusOr<std::vector<SlotTemplate>> ReplaceTemplates(
      const std::string&, const std::vector<SlotTemplate>& templates, Deadline) override {
    std::lock_guard lock(mu_);
    templates_ = templates;
    for (size_t i = 0; i < templates_.size(); ++i) {
      templates_[i].id = "7e000000-0000-4000-8000-00000000000" + std::to_string(i);
    }
    return templates_;
  }
  absl::StatusOr<std::vector<SlotTemplate>> ListTemplates(const std::string&, Deadline) override {
    std::lock_guard lock(mu_);
    return templates_;
  }
  absl::StatusOr<SlotTemplate> GetTemplate(const std::string&, const std::string& id,
                                           Deadline) override {
    std::lock_guard lock(mu_);
    for (const SlotTemplate& t : templates_) {
      if (t.id == id) return t;
    }
    return absl::NotFoundError("no such template");
  }
  absl::StatusOr<BookingOutcome> Book(const BookingRequest& request, Deadline) override {
    std::lock_guard lock(mu_);
    const std::string slot = Slot{.template_id = request.template_id, .day = request.day}.Id();
    if (held_.count(request.order_id) > 0) return BookingOutcome::kAlreadyBooked;
    held_[request.order_id] = slot;
    ++booked_[slot];
    return BookingOutcome::kBooked;
  }
  absl::StatusOr<std::optional<std::string>> HeldSlot(const std::string& order_id,
                                                      Deadline) override {
    std::lock_guard lock(mu_);
    const auto it = held_.find(order_id);
    if (it == held_.end()) return std::nullopt;
    return it->second;
  }
  absl::StatusOr<bool> Release(const std::string&, Deadline) override { return false; }
  absl::StatusOr<std::vector<Closure>> ListClosures(const std::string&, absl::CivilDay from,
                                                    Deadline) override {
    std::lock_guard lock(mu_);
    std::vector<Closure> out;
    for (const Closure& c : closures_) {
      if (c.last >= from) out.push_back(c);
    }
    return out;
  }
  absl::StatusOr<std::pair<Closure, std::vector<HeldBooking>>> AddClosure(
      const std::string&, const Closure& closure, absl::CivilDay today, int max_open,
      int max_affected, Deadline) override {
    std::lock_guard lock(mu_);
    int open = 0;
    for (const Closure& c : closures_) open += c.last >= today ? 1 : 0;
    if (open >= max_open) return absl::ResourceExhaustedError("too many closures");
    std::pair<Closure, std::vector<HeldBooking>> out{closure, {}};
    out.first.id = "c1000000-0000-4000-8000-" + std::to_string(100000000000 + closures_.size());
    closures_.push_back(out.first);
    for (const auto& [order, slot_id] : held_) {
      std::string template_id;
      absl::CivilDay day;
      if (!ParseSlotId(slot_id, &template_id, &day).ok()) continue;
      if (day < closure.first || day > closure.last) continue;
      SlotKind kind = SlotKind::kDelivery;
      for (const SlotTemplate& t : templates_) {
        if (t.id == template_id) kind = t.kind;
      }
      if ((kind == SlotKind::kPickup ? closure.pickup : closure.delivery) &&
          static_cast<int>(out.second.size()) < max_affected) {
        out.second.push_back(
            {.order_id = order, .template_id = template_id, .kind = kind, .day = day});
      }
    }
    return out;
  }
  absl::Status DeleteClosure(const std::string&, const std::string& closure_id, Deadline) override {
    std::lock_guard lock(mu_);
    if (std::erase_if(closures_, [&](const Closure& c) { return c.id == closure_id; }) == 0) {
      return absl::NotFoundError("no such closure");
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::map<std::string, int>> Booked(const std::vector<std::string>&, absl::CivilDay,
                                                    absl::CivilDay, Deadline) override {
    std::lock_guard lock(mu_);
    return booked_;
  }

 private:
  std::mutex mu_;
  std::vector<SlotTemplate> templates_;
  std::map<std::string, int> booked_;
  std::map<std::string, std::string> held_;  // order id -> slot id
  std::vector<Closure> closures_;
};

}  // namespace comptoir::delivery
