#pragma once

// gRPC transport of the delivery service: proto <-> domain, the hand-off to the worker pool,
// caller identification and status mapping. No business rule lives here. Thread-safe.

#include <string>

#include "comptoir/common/auth.h"
#include "comptoir/common/grpc_server.h"
#include "comptoir/delivery/v1/delivery.grpc.pb.h"
#include "slot_service.h"

namespace comptoir::delivery {

// Public API (routed by the gateway).
class DeliveryGrpc final : public v1::DeliveryService::CallbackService {
 public:
  DeliveryGrpc(SlotService& slots, const common::TokenVerifier& verifier,
               common::GrpcServer& server)
      : slots_(slots), verifier_(verifier), server_(server) {}

  grpc::ServerUnaryReactor* PutSlotTemplates(grpc::CallbackServerContext* context,
                                             const v1::PutSlotTemplatesRequest* request,
                                             v1::SlotTemplates* response) override;
  grpc::ServerUnaryReactor* GetSlotTemplates(grpc::CallbackServerContext* context,
                                             const v1::GetSlotTemplatesRequest* request,
                                             v1::SlotTemplates* response) override;
  grpc::ServerUnaryReactor* ListSlots(grpc::CallbackServerContext* context,
                                      const v1::ListSlotsRequest* request,
                                      v1::ListSlotsResponse* response) override;

 private:
  SlotService& slots_;
  const common::TokenVerifier& verifier_;
  common::GrpcServer& server_;
};

// Slot booking for orders; every call must carry the internal credential.
class DeliveryInternalGrpc final : public v1::DeliveryInternal::CallbackService {
 public:
  DeliveryInternalGrpc(SlotService& slots, std::string internal_credential,
                       common::GrpcServer& server)
      : slots_(slots), internal_credential_(std::move(internal_credential)), server_(server) {}

  grpc::ServerUnaryReactor* BookSlot(grpc::CallbackServerContext* context,
                                     const v1::BookSlotRequest* request,
                                     v1::BookSlotResponse* response) override;
  grpc::ServerUnaryReactor* ReleaseSlot(grpc::CallbackServerContext* context,
                                        const v1::ReleaseSlotRequest* request,
                                        v1::ReleaseSlotResponse* response) override;

 private:
  SlotService& slots_;
  const std::string internal_credential_;
  common::GrpcServer& server_;
};

}  // namespace comptoir::delivery
