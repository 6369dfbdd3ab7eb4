// The gRPC clients behind Catalogue and Delivery: public reads go out anonymous, stock and slot
// calls carry the internal service credential. Each call gets the caller's deadline.
// Thread-safe (gRPC stubs are).
#pragma once

#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "comptoir/catalogue/v1/catalogue.grpc.pb.h"
#include "comptoir/delivery/v1/delivery.grpc.pb.h"
#include "peers.h"

namespace comptoir::orders {

class GrpcCatalogue final : public Catalogue {
 public:
  GrpcCatalogue(std::shared_ptr<grpc::Channel> channel, std::string internal_credential);
  absl::StatusOr<ProductFacts> GetProduct(const std::string& product_id,
                                          common::Deadline deadline) override;
  absl::Status ReserveStock(const std::string& order_id, const std::vector<StockRequestLine>& lines,
                            common::Deadline deadline) override;
  absl::Status ReleaseStock(const std::string& order_id, common::Deadline deadline) override;
  absl::Status CommitStock(const std::string& order_id, common::Deadline deadline) override;

 private:
  std::unique_ptr<catalogue::v1::CatalogueService::Stub> products_;
  std::unique_ptr<catalogue::v1::StockInternal::Stub> stock_;
  const std::string internal_credential_;
};

class GrpcDelivery final : public Delivery {
 public:
  GrpcDelivery(std::shared_ptr<grpc::Channel> channel, std::string internal_credential);
  absl::StatusOr<int64_t> QuoteFee(const std::string& shop_id, const std::string& commune_insee,
                                   int64_t basket_cents, common::Deadline deadline) override;
  absl::StatusOr<BookedSlot> BookSlot(const std::string& order_id, const std::string& shop_id,
                                      const std::string& slot_id,
                                      common::Deadline deadline) override;
  absl::Status ReleaseSlot(const std::string& order_id, common::Deadline deadline) override;

 private:
  std::unique_ptr<delivery::v1::DeliveryService::Stub> public_;
  std::unique_ptr<delivery::v1::DeliveryInternal::Stub> internal_;
  const std::string internal_credential_;
};

}  // namespace comptoir::orders
