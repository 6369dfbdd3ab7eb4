#include "account_data.h"

#include "absl/time/time.h"
#include "comptoir/common/status.h"
#include "slot_calendar.h"

namespace comptoir::delivery {
namespace {

void Put(google::protobuf::Struct& object, const std::string& key, const std::string& value) {
  (*object.mutable_fields())[key].set_string_value(value);
}

void Put(google::protobuf::Struct& object, const std::string& key, double value) {
  (*object.mutable_fields())[key].set_number_value(value);
}

google::protobuf::Struct& AddObject(google::protobuf::Struct& data, const std::string& list) {
  return *(*data.mutable_fields())[list].mutable_list_value()->add_values()->mutable_struct_value();
}

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

}  // namespace

google::protobuf::Struct ToExport(const PersonalData& data) {
  google::protobuf::Struct out;
  // Present even when empty, so the export says "nothing" rather than nothing.
  (*out.mutable_fields())["deliveries"].mutable_list_value();
  (*out.mutable_fields())["rounds"].mutable_list_value();
  for (const Job& job : data.deliveries) {
    google::protobuf::Struct& d = AddObject(out, "deliveries");
    Put(d, "order_id", job.order_id);
    Put(d, "order_number", job.order_number);
    Put(d, "shop_id", job.shop_id);
    Put(d, "status", job.status);
    Put(d, "date", IsoDate(job.day));
    Put(d, "window_start", TimeText(job.window_start));
    Put(d, "window_end", TimeText(job.window_end));
    Put(d, "customer_name", job.customer_name);
    Put(d, "customer_phone", job.customer_phone);
    Put(d, "address", job.address);
    Put(d, "postal_code", job.postal_code);
    Put(d, "commune_insee", job.commune_insee);
    Put(d, "commune_name", job.commune_name);
    google::protobuf::ListValue* lines = (*d.mutable_fields())["lines"].mutable_list_value();
    for (const HandOverLine& line : job.lines) {
      google::protobuf::Struct& l = *lines->add_values()->mutable_struct_value();
      Put(l, "name", line.name);
      Put(l, "quantity", static_cast<double>(line.quantity));
      Put(l, "sale_unit", line.sale_unit);
    }
  }
  for (const RoundRecord& round : data.rounds) {
    google::protobuf::Struct& r = AddObject(out, "rounds");
    Put(r, "round_id", round.id);
    Put(r, "date", IsoDate(round.day));
    Put(r, "depot_shop", round.depot_shop_id);
    Put(r, "depot_name", round.depot_name);
    Put(r, "departure_time", TimeText(round.departure));
    Put(r, "return_time", TimeText(round.return_time));
    Put(r, "distance_metres", static_cast<double>(round.distance_metres));
  }
  return out;
}

absl::StatusOr<google::protobuf::Struct> DeliveryAccountData::ExportAccountData(
    const std::string& user_id, Deadline deadline) {
  ASSIGN_OR_RETURN(PersonalData data, rounds_.ExportAccountData(user_id, deadline));
  return ToExport(data);
}

absl::Status DeliveryAccountData::EraseAccountData(const std::string& user_id, Deadline deadline) {
  return rounds_.EraseAccountData(user_id, deadline);
}

}  // namespace comptoir::delivery
