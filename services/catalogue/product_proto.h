// Conversions between the catalogue's domain values and its protobuf messages. Pure.
#pragma once

#include "catalogue_repository.h"
#include "comptoir/catalogue/v1/catalogue.pb.h"
#include "comptoir/shops/v1/events.pb.h"

namespace comptoir::catalogue {

void ToProto(const Product& product, v1::Product* out);
Product FromProto(const v1::Product& proto);
void ToProto(const Reservation& reservation, v1::StockReservation* out);
void ToProto(const ImportJob& job, v1::ImportJob* out);
// The projection row of a shop snapshot published by the shops service.
ShopInfo FromSnapshot(const shops::v1::ShopSnapshot& snapshot);

}  // namespace comptoir::catalogue
