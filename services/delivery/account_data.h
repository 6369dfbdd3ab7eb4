// Delivery's part of "export my data" and "erase my account" (AccountDataInternal, called by
// accounts): the deliveries made to a customer, with the name, phone and address they carry,
// and the rounds a courier drove. Thread-safe when RoundService is.
#pragma once

#include <string>

#include "comptoir/common/account_data_grpc.h"
#include "round_service.h"

namespace comptoir::delivery {

class DeliveryAccountData final : public common::AccountDataSource {
 public:
  explicit DeliveryAccountData(RoundService& rounds) : rounds_(rounds) {}

  // {"deliveries": [{order_number, date, window, customer_name, address, lines...}],
  //  "rounds": [{round_id, date, depot_name, departure_time...}]}
  absl::StatusOr<google::protobuf::Struct> ExportAccountData(const std::string& user_id,
                                                             Deadline deadline) override;
  absl::Status EraseAccountData(const std::string& user_id, Deadline deadline) override;

 private:
  RoundService& rounds_;
};

// The export form of what delivery holds on a person (as the JSON export reads it).
google::protobuf::Struct ToExport(const PersonalData& data);

}  // namespace comptoir::delivery
