#include "shop_proto.h"

#include <google/protobuf/util/time_util.h>

namespace comptoir::shops {

using google::protobuf::util::TimeUtil;

void ToProto(const Shop& shop, v1::Shop* out) {
  out->set_id(shop.id);
  out->set_slug(shop.slug);
  out->set_name(shop.name);
  out->set_commune_insee(shop.commune_insee);
  out->set_commune_name(shop.commune_name);
  out->set_department_code(shop.department_code);
  out->set_category(shop.category);
  out->set_status(shop.status);
  *out->mutable_create_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(shop.create_time));
}

Shop FromProto(const v1::Shop& proto) {
  Shop shop;
  shop.id = proto.id();
  shop.slug = proto.slug();
  shop.name = proto.name();
  shop.commune_insee = proto.commune_insee();
  shop.commune_name = proto.commune_name();
  shop.department_code = proto.department_code();
  shop.category = proto.category();
  shop.status = proto.status();
  shop.create_time = absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(proto.create_time()));
  return shop;
}

}  // namespace comptoir::shops
