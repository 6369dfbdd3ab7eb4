// gRPC transport of the catalogue: proto <-> domain, caller identity, the hand-off to the
// worker pool and status mapping, for the public CatalogueService and the internal
// StockInternal (which requires the internal service credential). No business rule lives
// here. Thread-safe.
#pragma once

#include <string>

#include "catalogue_service.h"
#include "comptoir/catalogue/v1/catalogue.grpc.pb.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/grpc_server.h"
#include "product_import.h"

namespace comptoir::catalogue {

class CatalogueGrpc final : public v1::CatalogueService::CallbackService {
 public:
  CatalogueGrpc(CatalogueService& service, ProductImports& imports,
                const common::TokenVerifier& verifier, common::GrpcServer& server)
      : service_(service), imports_(imports), verifier_(verifier), server_(server) {}

  grpc::ServerUnaryReactor* CreateProduct(grpc::CallbackServerContext* context,
                                          const v1::CreateProductRequest* request,
                                          v1::Product* response) override;
  grpc::ServerUnaryReactor* GetProduct(grpc::CallbackServerContext* context,
                                       const v1::GetProductRequest* request,
                                       v1::Product* response) override;
  grpc::ServerUnaryReactor* ListProducts(grpc::CallbackServerContext* context,
                                         const v1::ListProductsRequest* request,
                                         v1::ListProductsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateProduct(grpc::CallbackServerContext* context,
                                          const v1::UpdateProductRequest* request,
                                          v1::Product* response) override;
  grpc::ServerUnaryReactor* DeleteProduct(grpc::CallbackServerContext* context,
                                          const v1::DeleteProductRequest* request,
                                          google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* SearchProducts(grpc::CallbackServerContext* context,
                                           const v1::SearchProductsRequest* request,
                                           v1::SearchProductsResponse* response) override;
  grpc::ServerUnaryReactor* ImportProducts(grpc::CallbackServerContext* context,
                                           const v1::ImportProductsRequest* request,
                                           v1::ImportJob* response) override;
  grpc::ServerUnaryReactor* GetImport(grpc::CallbackServerContext* context,
                                      const v1::GetImportRequest* request,
                                      v1::ImportJob* response) override;
  grpc::ServerUnaryReactor* ExportProducts(grpc::CallbackServerContext* context,
                                           const v1::ExportProductsRequest* request,
                                           v1::ExportProductsResponse* response) override;

 private:
  CatalogueService& service_;
  ProductImports& imports_;
  const common::TokenVerifier& verifier_;
  common::GrpcServer& server_;
};

class StockInternalGrpc final : public v1::StockInternal::CallbackService {
 public:
  StockInternalGrpc(CatalogueService& service, std::string internal_credential,
                    common::GrpcServer& server)
      : service_(service), internal_credential_(std::move(internal_credential)), server_(server) {}

  grpc::ServerUnaryReactor* ReserveStock(grpc::CallbackServerContext* context,
                                         const v1::ReserveStockRequest* request,
                                         v1::ReserveStockResponse* response) override;
  grpc::ServerUnaryReactor* ReleaseStock(grpc::CallbackServerContext* context,
                                         const v1::ReleaseStockRequest* request,
                                         v1::StockReservation* response) override;
  grpc::ServerUnaryReactor* CommitStock(grpc::CallbackServerContext* context,
                                        const v1::CommitStockRequest* request,
                                        v1::StockReservation* response) override;

 private:
  CatalogueService& service_;
  const std::string internal_credential_;
  common::GrpcServer& server_;
};

}  // namespace comptoir::catalogue
