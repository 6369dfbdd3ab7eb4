#include "accounts_grpc.h"

#include <algorithm>

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace comptoir::accounts {
namespace {

using common::Caller;
using common::Deadline;

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

// The HTTP client's address as the gateway saw it, else the gRPC peer.
std::string ClientAddress(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kClientAddressHeader);
  if (it != metadata.end() && !it->second.empty() && it->second.size() <= 64) {
    return std::string(it->second.data(), it->second.size());
  }
  std::string peer = context.peer();  // "ipv4:127.0.0.1:53422": drop the port
  const std::size_t colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
}

void ToProto(const Session& session, v1::Session* out) {
  out->set_access_token(session.access_token);
  out->set_token_type("Bearer");
  out->set_expires_in_seconds(absl::ToInt64Seconds(session.access_ttl));
  out->set_refresh_token(session.refresh_token);
  ToProto(session.account, out->mutable_account());
}

void ToProto(const Partner& partner, v1::Partner* out) {
  out->set_id(partner.id);
  out->set_name(partner.name);
  *out->mutable_create_time() = ToTimestamp(partner.create_time);
}

void ToProto(const PartnerKey& key, v1::PartnerKey* out) {
  out->set_id(key.id);
  out->set_partner(key.partner_id);
  for (const std::string& origin : key.allowed_origins) out->add_allowed_origins(origin);
  out->set_rate_tier(key.rate_tier);
  out->set_prefix(key.prefix);
  *out->mutable_create_time() = ToTimestamp(key.create_time);
  if (key.revoked()) *out->mutable_revoke_time() = ToTimestamp(key.revoke_time);
}

}  // namespace

void ToProto(const Account& account, v1::Account* out) {
  out->set_id(account.id);
  out->set_email(account.email);
  out->set_display_name(account.display_name);
  for (const std::string& role : account.roles) out->add_roles(role);
  for (const std::string& shop : account.shop_ids) out->add_shop_ids(shop);
  *out->mutable_create_time() = ToTimestamp(account.create_time);
}

// --- AccountService ------------------------------------------------------------------------

grpc::ServerUnaryReactor* AccountsGrpc::CreateAccount(grpc::CallbackServerContext* context,
                                                      const v1::CreateAccountRequest* request,
                                                      v1::Account* response) {
  return common::Offload(server_, context, [this, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Account account, service_.SignUp({request->email(), request->display_name(),
                                                       request->password()},
                                                      deadline));
    ToProto(account, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountsGrpc::CreateSession(grpc::CallbackServerContext* context,
                                                      const v1::CreateSessionRequest* request,
                                                      v1::Session* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    absl::StatusOr<Session> session =
        service_.Login(request->email(), request->password(), ClientAddress(*context), deadline);
    if (!session.ok()) {
      if (std::optional<int64_t> retry = RetryAfterSeconds(session.status())) {
        context->AddTrailingMetadata("retry-after", std::to_string(*retry));
      }
      return session.status();
    }
    ToProto(*session, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountsGrpc::RefreshSession(grpc::CallbackServerContext* context,
                                                       const v1::RefreshSessionRequest* request,
                                                       v1::Session* response) {
  return common::Offload(server_, context, [this, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Session session, service_.Refresh(request->refresh_token(), deadline));
    ToProto(session, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountsGrpc::DeleteSession(grpc::CallbackServerContext* context,
                                                      const v1::DeleteSessionRequest* request,
                                                      google::protobuf::Empty*) {
  return common::Offload(server_, context, [this, context, request](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    return service_.Logout(caller, request->refresh_token(), deadline);
  });
}

grpc::ServerUnaryReactor* AccountsGrpc::GetMe(grpc::CallbackServerContext* context,
                                              const v1::GetMeRequest*, v1::Account* response) {
  return common::Offload(server_, context, [this, context, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(Account account, service_.GetMe(caller, deadline));
    ToProto(account, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountsGrpc::ChangePassword(grpc::CallbackServerContext* context,
                                                       const v1::ChangePasswordRequest* request,
                                                       google::protobuf::Empty*) {
  return common::Offload(server_, context, [this, context, request](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    return service_.ChangePassword(caller, request->current_password(), request->new_password(),
                                   deadline);
  });
}

grpc::ServerUnaryReactor* AccountsGrpc::ExportMyData(grpc::CallbackServerContext* context,
                                                     const v1::ExportMyDataRequest*,
                                                     v1::ExportMyDataResponse* response) {
  return common::Offload(server_, context, [this, context, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(std::vector<DataPart> parts, service_.ExportMyData(caller, deadline));
    *response->mutable_export_time() = ToTimestamp(absl::Now());
    for (const DataPart& part : parts) {
      v1::DataPart* out = response->add_parts();
      out->set_service(part.service);
      if (!google::protobuf::util::JsonStringToMessage(part.json, out->mutable_data()).ok()) {
        return absl::InternalError("a service returned malformed export data");
      }
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountsGrpc::DeleteMe(grpc::CallbackServerContext* context,
                                                 const v1::DeleteMeRequest*,
                                                 google::protobuf::Empty*) {
  return common::Offload(server_, context, [this, context](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    return service_.EraseMe(caller, deadline);
  });
}

grpc::ServerUnaryReactor* AccountsGrpc::GrantCourier(grpc::CallbackServerContext* context,
                                                     const v1::GrantCourierRequest* request,
                                                     v1::Account* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(Account account, service_.GrantCourier(caller, request->account(), deadline));
    ToProto(account, response);
    return absl::OkStatus();
  });
}

// --- PartnerService ------------------------------------------------------------------------

grpc::ServerUnaryReactor* PartnersGrpc::CreatePartner(grpc::CallbackServerContext* context,
                                                      const v1::CreatePartnerRequest* request,
                                                      v1::Partner* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(Partner partner,
                     service_.CreatePartner(caller, request->partner().name(), deadline));
    ToProto(partner, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* PartnersGrpc::ListPartners(grpc::CallbackServerContext* context,
                                                     const v1::ListPartnersRequest*,
                                                     v1::ListPartnersResponse* response) {
  return common::Offload(server_, context, [this, context, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(std::vector<Partner> partners, service_.ListPartners(caller, deadline));
    for (const Partner& partner : partners) ToProto(partner, response->add_partners());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* PartnersGrpc::CreatePartnerKey(grpc::CallbackServerContext* context,
                                                         const v1::CreatePartnerKeyRequest* request,
                                                         v1::PartnerKey* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    std::vector<std::string> origins(request->key().allowed_origins().begin(),
                                     request->key().allowed_origins().end());
    ASSIGN_OR_RETURN(auto created, service_.CreatePartnerKey(caller, request->partner(), origins,
                                                             request->key().rate_tier(), deadline));
    ToProto(created.first, response);
    response->set_secret(created.second);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* PartnersGrpc::ListPartnerKeys(grpc::CallbackServerContext* context,
                                                        const v1::ListPartnerKeysRequest* request,
                                                        v1::ListPartnerKeysResponse* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(std::vector<PartnerKey> keys,
                     service_.ListPartnerKeys(caller, request->partner(), deadline));
    for (const PartnerKey& key : keys) ToProto(key, response->add_keys());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* PartnersGrpc::DeletePartnerKey(grpc::CallbackServerContext* context,
                                                         const v1::DeletePartnerKeyRequest* request,
                                                         google::protobuf::Empty*) {
  return common::Offload(server_, context, [this, context, request](Deadline deadline) {
    ASSIGN_OR_RETURN(Caller caller, common::CallerOf(*context, verifier_));
    return service_.RevokePartnerKey(caller, request->partner(), request->key(), deadline);
  });
}

// --- AccountsInternal ----------------------------------------------------------------------

grpc::ServerUnaryReactor* AccountsInternalGrpc::AddShopMembership(
    grpc::CallbackServerContext* context, const v1::AddShopMembershipRequest* request,
    google::protobuf::Empty*) {
  return common::Offload(server_, context, [this, context, request](Deadline deadline) {
    RETURN_IF_ERROR(common::RequireInternal(*context, internal_credential_));
    return service_.AddShopMembership(request->user_id(), request->shop_id(), request->role(),
                                      deadline);
  });
}

grpc::ServerUnaryReactor* AccountsInternalGrpc::RemoveShopMembership(
    grpc::CallbackServerContext* context, const v1::RemoveShopMembershipRequest* request,
    google::protobuf::Empty*) {
  return common::Offload(server_, context, [this, context, request](Deadline deadline) {
    RETURN_IF_ERROR(common::RequireInternal(*context, internal_credential_));
    return service_.RemoveShopMembership(request->user_id(), request->shop_id(), deadline);
  });
}

grpc::ServerUnaryReactor* AccountsInternalGrpc::CheckPartnerKey(
    grpc::CallbackServerContext* context, const v1::CheckPartnerKeyRequest* request,
    v1::CheckPartnerKeyResponse* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    RETURN_IF_ERROR(common::RequireInternal(*context, internal_credential_));
    ASSIGN_OR_RETURN(std::optional<PartnerKey> key,
                     service_.FindLivePartnerKey(request->secret(), deadline));
    if (!key.has_value()) return absl::OkStatus();
    response->set_key_valid(true);
    response->set_key_id(key->id);
    response->set_partner(key->partner_id);
    response->set_rate_tier(key->rate_tier);
    for (const std::string& origin : key->allowed_origins) response->add_allowed_origins(origin);
    response->set_allowed(PartnerKeyAllowsOrigin(*key, request->origin()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountsInternalGrpc::LookupAccountByEmail(
    grpc::CallbackServerContext* context, const v1::LookupAccountByEmailRequest* request,
    v1::LookupAccountByEmailResponse* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    RETURN_IF_ERROR(common::RequireInternal(*context, internal_credential_));
    ASSIGN_OR_RETURN(std::string user_id, service_.AccountIdByEmail(request->email(), deadline));
    response->set_user_id(std::move(user_id));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountsInternalGrpc::CheckRoles(grpc::CallbackServerContext* context,
                                                           const v1::CheckRolesRequest* request,
                                                           v1::CheckRolesResponse* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    RETURN_IF_ERROR(common::RequireInternal(*context, internal_credential_));
    // Bounded before copying: HoldersOfRole reports the excess.
    std::vector<std::string> ids(
        request->user_ids().begin(),
        request->user_ids().begin() + std::min(request->user_ids_size(), 101));
    ASSIGN_OR_RETURN(std::vector<std::string> holders,
                     service_.HoldersOfRole(ids, request->role(), deadline));
    for (std::string& id : holders) response->add_holders(std::move(id));
    return absl::OkStatus();
  });
}

}  // namespace comptoir::accounts
