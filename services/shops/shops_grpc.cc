#include "shops_grpc.h"

#include <google/protobuf/util/time_util.h>

#include "absl/time/clock.h"
#include "shop_proto.h"

namespace comptoir::shops {
namespace {

using common::Caller;
using common::Deadline;

NewShop FromRequest(const v1::Shop& in) {
  NewShop shop;
  shop.name = in.name();
  shop.commune_insee = in.commune_insee();
  shop.category = in.category();
  shop.siret = in.siret();
  shop.description = in.description();
  shop.street_address = in.street_address();
  shop.postal_code = in.postal_code();
  if (in.has_latitude()) shop.latitude = in.latitude();
  if (in.has_longitude()) shop.longitude = in.longitude();
  shop.phone = in.phone();
  shop.email = in.email();
  shop.website = in.website();
  shop.photo_urls.assign(in.photo_urls().begin(), in.photo_urls().end());
  shop.click_and_collect = in.click_and_collect();
  shop.preparation_minutes = in.preparation_minutes();
  shop.opening_hours = in.opening_hours();
  return shop;
}

// The fields of an update: the mask's paths, or every field set in `profile` without one
// (AIP-134). Proto3 scalars have no presence: a field at its default counts as not set.
std::vector<std::string> PatchPaths(const v1::UpdateShopRequest& request) {
  if (request.has_update_mask()) {
    return {request.update_mask().paths().begin(), request.update_mask().paths().end()};
  }
  const v1::Shop& p = request.profile();
  std::vector<std::string> paths;
  auto add_if = [&paths](bool set, const char* field) {
    if (set) paths.emplace_back(field);
  };
  add_if(!p.name().empty(), "name");
  add_if(!p.commune_insee().empty(), "commune_insee");
  add_if(!p.category().empty(), "category");
  add_if(!p.siret().empty(), "siret");
  add_if(!p.description().empty(), "description");
  add_if(!p.street_address().empty(), "street_address");
  add_if(!p.postal_code().empty(), "postal_code");
  add_if(p.has_latitude(), "latitude");
  add_if(p.has_longitude(), "longitude");
  add_if(!p.phone().empty(), "phone");
  add_if(!p.email().empty(), "email");
  add_if(!p.website().empty(), "website");
  add_if(p.photo_urls_size() > 0, "photo_urls");
  add_if(p.click_and_collect(), "click_and_collect");
  add_if(p.preparation_minutes() != 0, "preparation_minutes");
  add_if(p.has_opening_hours(), "opening_hours");
  return paths;
}

void ToProto(const Commune& commune, v1::Commune* out) {
  out->set_insee_code(commune.insee_code);
  out->set_name(commune.name);
  out->set_postal_code(!commune.matched_postal_code.empty() ? commune.matched_postal_code
                       : commune.postal_codes.empty()       ? ""
                                                            : commune.postal_codes.front());
  out->set_department_code(commune.department_code);
  out->set_latitude(commune.latitude);
  out->set_longitude(commune.longitude);
  out->set_population(commune.population);
  for (const std::string& code : commune.postal_codes) out->add_postal_codes(code);
}

void ToProto(const Member& member, v1::ShopMember* out) {
  out->set_user_id(member.user_id);
  out->set_role(member.role);
  *out->mutable_create_time() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(member.create_time));
}

void Respond(const Shop& shop, v1::Shop* response) {
  ToProto(shop, response);
  AddLiveFields(shop, absl::Now(), response);
}

}  // namespace

grpc::ServerUnaryReactor* ShopsGrpc::CreateShop(grpc::CallbackServerContext* context,
                                                const v1::CreateShopRequest* request,
                                                v1::Shop* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(Shop created,
                     service_.CreateShop(FromRequest(request->shop()), caller, deadline));
    Respond(created, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ShopsGrpc::GetShop(grpc::CallbackServerContext* context,
                                             const v1::GetShopRequest* request,
                                             v1::Shop* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(Shop shop, service_.GetShop(request->shop(), caller, deadline));
    Respond(shop, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ShopsGrpc::ListShops(grpc::CallbackServerContext* context,
                                               const v1::ListShopsRequest* request,
                                               v1::ListShopsResponse* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ListShopsParams params{request->commune(),      request->category(),   request->page_size(),
                           request->page_token(),   request->department(), request->near(),
                           request->radius_km(),    request->q(),          request->open_now(),
                           request->near_commune(), request->status()};
    // Shops not yet (or no longer) public are listed for the Region's moderators only.
    if (!request->status().empty() && request->status() != kStatusActive) {
      ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
      RETURN_IF_ERROR(common::RequireRole(caller, common::kRoleAdmin));
    }
    ASSIGN_OR_RETURN(ListShopsResult result, service_.ListShops(params, deadline));
    const absl::Time now = absl::Now();
    for (const Shop& shop : result.shops) {
      v1::Shop* out = response->add_shops();
      ToProto(shop, out);
      AddLiveFields(shop, now, out);
      if (shop.distance_km.has_value()) out->set_distance_km(*shop.distance_km);
    }
    response->set_next_page_token(result.next_page_token);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ShopsGrpc::UpdateShop(grpc::CallbackServerContext* context,
                                                const v1::UpdateShopRequest* request,
                                                v1::Shop* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    ShopPatch patch{FromRequest(request->profile()), PatchPaths(*request)};
    ASSIGN_OR_RETURN(Shop shop, service_.UpdateShop(request->shop(), patch, caller, deadline));
    Respond(shop, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ShopsGrpc::ExportShops(grpc::CallbackServerContext* context,
                                                 const v1::ExportShopsRequest* request,
                                                 v1::ExportShopsResponse* response) {
  return common::Offload(server_, context, [this, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(ShopsExport exported,
                     service_.ExportShops(request->format(), request->department(), deadline));
    response->set_content_type(std::move(exported.content_type));
    response->set_content(std::move(exported.content));
    response->set_shop_count(exported.shop_count);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ShopsGrpc::ListCommunes(grpc::CallbackServerContext* context,
                                                  const v1::ListCommunesRequest* request,
                                                  v1::ListCommunesResponse* response) {
  return common::Offload(server_, context, [this, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(std::vector<Commune> communes,
                     service_.ListCommunes(request->q(), request->page_size(), deadline));
    for (const Commune& commune : communes) ToProto(commune, response->add_communes());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ShopsGrpc::SetOpeningHours(grpc::CallbackServerContext* context,
                                                     const v1::SetOpeningHoursRequest* request,
                                                     v1::Shop* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(Shop shop, service_.SetOpeningHours(request->shop(), request->opening_hours(),
                                                         caller, deadline));
    Respond(shop, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ShopsGrpc::ApproveShop(grpc::CallbackServerContext* context,
                                                 const v1::ApproveShopRequest* request,
                                                 v1::Shop* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(Shop shop, service_.ApproveShop(request->shop(), caller, deadline));
    Respond(shop, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ShopsGrpc::SuspendShop(grpc::CallbackServerContext* context,
                                                 const v1::SuspendShopRequest* request,
                                                 v1::Shop* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(Shop shop,
                     service_.SuspendShop(request->shop(), request->reason(), caller, deadline));
    Respond(shop, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ShopsGrpc::AddShopMember(grpc::CallbackServerContext* context,
                                                   const v1::AddShopMemberRequest* request,
                                                   v1::ShopMember* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    const v1::ShopMember& member_in = request->member();
    // By account id, or by the e-mail address of the account.
    const std::string& who = member_in.user_id().empty() ? member_in.email() : member_in.user_id();
    ASSIGN_OR_RETURN(Member member,
                     service_.AddMember(request->shop(), who, member_in.role(), caller, deadline));
    ToProto(member, response);
    if (member_in.user_id().empty()) response->set_email(member_in.email());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ShopsGrpc::RemoveShopMember(grpc::CallbackServerContext* context,
                                                      const v1::RemoveShopMemberRequest* request,
                                                      google::protobuf::Empty* /*response*/) {
  return common::Offload(server_, context, [this, context, request](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    return service_.RemoveMember(request->shop(), request->user_id(), caller, deadline);
  });
}

grpc::ServerUnaryReactor* ShopsGrpc::ListShopMembers(grpc::CallbackServerContext* context,
                                                     const v1::ListShopMembersRequest* request,
                                                     v1::ListShopMembersResponse* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(std::vector<Member> members,
                     service_.ListMembers(request->shop(), caller, deadline));
    for (const Member& member : members) ToProto(member, response->add_members());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ShopsGrpc::CloseShop(grpc::CallbackServerContext* context,
                                               const v1::CloseShopRequest* request,
                                               v1::Shop* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(Shop shop,
                     service_.CloseShop(request->shop(), request->reason(), caller, deadline));
    Respond(shop, response);
    return absl::OkStatus();
  });
}

}  // namespace comptoir::shops
