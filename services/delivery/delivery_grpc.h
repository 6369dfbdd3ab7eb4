#pragma once

// gRPC transport of the delivery service: proto <-> domain, the hand-off to the worker pool,
// caller identification and status mapping. No business rule lives here. Thread-safe.

#include <string>

#include "comptoir/common/auth.h"
#include "comptoir/common/grpc_server.h"
#include "comptoir/delivery/v1/delivery.grpc.pb.h"
#include "round_service.h"
#include "slot_service.h"
#include "zone_service.h"

namespace comptoir::delivery {

// Public API (routed by the gateway).
class DeliveryGrpc final : public v1::DeliveryService::CallbackService {
 public:
  DeliveryGrpc(SlotService& slots, ZoneService& zones, RoundService& rounds,
               const common::TokenVerifier& verifier, common::GrpcServer& server)
      : slots_(slots), zones_(zones), rounds_(rounds), verifier_(verifier), server_(server) {}

  grpc::ServerUnaryReactor* PutSlotTemplates(grpc::CallbackServerContext* context,
                                             const v1::PutSlotTemplatesRequest* request,
                                             v1::SlotTemplates* response) override;
  grpc::ServerUnaryReactor* GetSlotTemplates(grpc::CallbackServerContext* context,
                                             const v1::GetSlotTemplatesRequest* request,
                                             v1::SlotTemplates* response) override;
  grpc::ServerUnaryReactor* ListSlots(grpc::CallbackServerContext* context,
                                      const v1::ListSlotsRequest* request,
                                      v1::ListSlotsResponse* response) override;
  grpc::ServerUnaryReactor* ListSlotClosures(grpc::CallbackServerContext* context,
                                             const v1::ListSlotClosuresRequest* request,
                                             v1::ListSlotClosuresResponse* response) override;
  grpc::ServerUnaryReactor* CreateSlotClosure(grpc::CallbackServerContext* context,
                                              const v1::CreateSlotClosureRequest* request,
                                              v1::CreateSlotClosureResponse* response) override;
  grpc::ServerUnaryReactor* DeleteSlotClosure(grpc::CallbackServerContext* context,
                                              const v1::DeleteSlotClosureRequest* request,
                                              google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* QuoteDelivery(grpc::CallbackServerContext* context,
                                          const v1::QuoteDeliveryRequest* request,
                                          v1::DeliveryQuote* response) override;
  grpc::ServerUnaryReactor* PutDeliveryZones(grpc::CallbackServerContext* context,
                                             const v1::PutDeliveryZonesRequest* request,
                                             v1::DeliveryZones* response) override;
  grpc::ServerUnaryReactor* GetDeliveryZones(grpc::CallbackServerContext* context,
                                             const v1::GetDeliveryZonesRequest* request,
                                             v1::DeliveryZones* response) override;
  grpc::ServerUnaryReactor* PlanRounds(grpc::CallbackServerContext* context,
                                       const v1::PlanRoundsRequest* request,
                                       v1::PlanRoundsResponse* response) override;
  grpc::ServerUnaryReactor* GetRound(grpc::CallbackServerContext* context,
                                     const v1::GetRoundRequest* request,
                                     v1::Round* response) override;
  grpc::ServerUnaryReactor* ListMyRounds(grpc::CallbackServerContext* context,
                                         const v1::ListMyRoundsRequest* request,
                                         v1::ListRoundsResponse* response) override;
  grpc::ServerUnaryReactor* GetRoadSheet(grpc::CallbackServerContext* context,
                                         const v1::GetRoadSheetRequest* request,
                                         v1::RoadSheet* response) override;
  grpc::ServerUnaryReactor* PickUpStop(grpc::CallbackServerContext* context,
                                       const v1::PickUpStopRequest* request,
                                       v1::Stop* response) override;
  grpc::ServerUnaryReactor* CompleteStop(grpc::CallbackServerContext* context,
                                         const v1::CompleteStopRequest* request,
                                         v1::Stop* response) override;
  grpc::ServerUnaryReactor* FailStop(grpc::CallbackServerContext* context,
                                     const v1::FailStopRequest* request,
                                     v1::Stop* response) override;

 private:
  grpc::ServerUnaryReactor* UpdateStop(grpc::CallbackServerContext* context,
                                       const std::string& stop, StopAction action,
                                       const std::string& reason, v1::Stop* response);

  SlotService& slots_;
  ZoneService& zones_;
  RoundService& rounds_;
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
