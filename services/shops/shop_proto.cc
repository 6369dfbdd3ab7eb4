#include "shop_proto.h"

#include <google/protobuf/util/time_util.h>

namespace comptoir::shops {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

}  // namespace

void ToProto(const Shop& shop, v1::Shop* out) {
  out->set_id(shop.id);
  out->set_slug(shop.slug);
  out->set_name(shop.name);
  out->set_commune_insee(shop.commune_insee);
  out->set_commune_name(shop.commune_name);
  out->set_department_code(shop.department_code);
  out->set_category(shop.category);
  out->set_status(shop.status);
  *out->mutable_create_time() = ToTimestamp(shop.create_time);
  out->set_siret(shop.siret);
  out->set_description(shop.description);
  out->set_street_address(shop.street_address);
  out->set_postal_code(shop.postal_code);
  out->set_latitude(shop.latitude);
  out->set_longitude(shop.longitude);
  out->set_phone(shop.phone);
  out->set_email(shop.email);
  out->set_website(shop.website);
  out->clear_photo_urls();
  for (const std::string& url : shop.photo_urls) out->add_photo_urls(url);
  out->set_click_and_collect(shop.click_and_collect);
  out->set_preparation_minutes(shop.preparation_minutes);
  ToProto(shop.opening_hours, out->mutable_opening_hours());
  out->set_status_reason(shop.status_reason);
  out->set_version(shop.version);
}

void AddLiveFields(const Shop& shop, absl::Time now, v1::Shop* out) {
  const absl::TimeZone& tz = ParisTimeZone();
  out->set_open_now(IsOpenAt(shop.opening_hours, now, tz));
  if (std::optional<absl::Time> t = NextOpening(shop.opening_hours, now, tz)) {
    *out->mutable_next_opening_time() = ToTimestamp(*t);
  }
  if (std::optional<absl::Time> t = NextClosing(shop.opening_hours, now, tz)) {
    *out->mutable_next_closing_time() = ToTimestamp(*t);
  }
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
  shop.siret = proto.siret();
  shop.description = proto.description();
  shop.street_address = proto.street_address();
  shop.postal_code = proto.postal_code();
  shop.latitude = proto.latitude();
  shop.longitude = proto.longitude();
  shop.phone = proto.phone();
  shop.email = proto.email();
  shop.website = proto.website();
  shop.photo_urls.assign(proto.photo_urls().begin(), proto.photo_urls().end());
  shop.click_and_collect = proto.click_and_collect();
  shop.preparation_minutes = proto.preparation_minutes();
  // Stored hours were validated when written; unreadable ones (never expected) read as none.
  absl::StatusOr<OpeningHours> hours = ParseOpeningHours(proto.opening_hours(), "opening_hours");
  if (hours.ok()) shop.opening_hours = *std::move(hours);
  shop.status_reason = proto.status_reason();
  shop.version = proto.version();
  return shop;
}

v1::ShopEvent ShopEventOf(const Shop& shop, v1::ShopEvent::Kind kind, const std::string& actor_id,
                          const std::string& reason, absl::Time occur_time) {
  v1::ShopEvent event;
  event.set_kind(kind);
  v1::ShopSnapshot* s = event.mutable_shop();
  s->set_id(shop.id);
  s->set_slug(shop.slug);
  s->set_name(shop.name);
  s->set_status(shop.status);
  s->set_commune_insee(shop.commune_insee);
  s->set_commune_name(shop.commune_name);
  s->set_department_code(shop.department_code);
  s->set_latitude(shop.latitude);
  s->set_longitude(shop.longitude);
  s->set_category(shop.category);
  ToProto(shop.opening_hours, s->mutable_opening_hours());
  s->set_click_and_collect(shop.click_and_collect);
  s->set_preparation_minutes(shop.preparation_minutes);
  s->set_version(shop.version);
  *event.mutable_occur_time() = ToTimestamp(occur_time);
  event.set_actor_user_id(actor_id);
  event.set_reason(reason);
  return event;
}

}  // namespace comptoir::shops
