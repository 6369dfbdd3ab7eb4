#include "catalogue_grpc.h"

#include "absl/strings/str_cat.h"
#include "product_proto.h"

namespace comptoir::catalogue {

using common::Deadline;

grpc::ServerUnaryReactor* CatalogueGrpc::CreateProduct(grpc::CallbackServerContext* context,
                                                       const v1::CreateProductRequest* request,
                                                       v1::Product* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(
        Product created,
        service_.CreateProduct(caller, request->shop(), FromProto(request->product()), deadline));
    ToProto(created, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogueGrpc::GetProduct(grpc::CallbackServerContext* context,
                                                    const v1::GetProductRequest* request,
                                                    v1::Product* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(Product product, service_.GetProduct(caller, request->product(), deadline));
    ToProto(product, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogueGrpc::ListProducts(grpc::CallbackServerContext* context,
                                                      const v1::ListProductsRequest* request,
                                                      v1::ListProductsResponse* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    ListProductsParams params{request->shop(), request->page_size(), request->page_token()};
    ASSIGN_OR_RETURN(ListProductsResult result, service_.ListProducts(caller, params, deadline));
    for (const Product& product : result.products) ToProto(product, response->add_products());
    response->set_next_page_token(result.next_page_token);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogueGrpc::UpdateProduct(grpc::CallbackServerContext* context,
                                                       const v1::UpdateProductRequest* request,
                                                       v1::Product* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    std::vector<std::string> paths(request->update_mask().paths().begin(),
                                   request->update_mask().paths().end());
    ASSIGN_OR_RETURN(Product updated, service_.UpdateProduct(caller, FromProto(request->product()),
                                                             paths, deadline));
    ToProto(updated, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogueGrpc::DeleteProduct(grpc::CallbackServerContext* context,
                                                       const v1::DeleteProductRequest* request,
                                                       google::protobuf::Empty* /*response*/) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    return service_.DeleteProduct(caller, request->product(), request->version(), deadline);
  });
}

grpc::ServerUnaryReactor* CatalogueGrpc::SearchProducts(grpc::CallbackServerContext* context,
                                                        const v1::SearchProductsRequest* request,
                                                        v1::SearchProductsResponse* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    SearchParams params;
    params.q = request->q();
    params.category = request->category();
    params.label = request->label();
    params.shop_id = request->shop();
    params.commune_insee = request->commune();
    params.department_code = request->department();
    params.near = request->near();
    params.radius_km = request->radius_km();
    params.min_price = request->min_price();
    params.max_price = request->max_price();
    params.in_stock = request->in_stock();
    params.sort = request->sort();
    params.page_size = request->page_size();
    params.page_token = request->page_token();
    params.facets = request->facets();
    params.open_now = request->open_now();
    ASSIGN_OR_RETURN(SearchResult result, service_.SearchProducts(params, deadline));
    for (const Product& product : result.products) ToProto(product, response->add_products());
    response->set_next_page_token(result.next_page_token);
    const auto facets = [](const std::vector<FacetCount>& from, auto* to) {
      for (const FacetCount& facet : from) {
        v1::FacetCount* out = to->Add();
        out->set_value(facet.value);
        out->set_count(facet.count);
      }
    };
    facets(result.categories, response->mutable_category_facets());
    facets(result.labels, response->mutable_label_facets());
    facets(result.departments, response->mutable_department_facets());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogueGrpc::ImportProducts(grpc::CallbackServerContext* context,
                                                        const v1::ImportProductsRequest* request,
                                                        v1::ImportJob* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(ImportJob job,
                     imports_.Import(caller, request->shop(), request->csv(), deadline));
    ToProto(job, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogueGrpc::GetImport(grpc::CallbackServerContext* context,
                                                   const v1::GetImportRequest* request,
                                                   v1::ImportJob* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(ImportJob job, imports_.Get(caller, request->import(), deadline));
    ToProto(job, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CatalogueGrpc::ExportProducts(grpc::CallbackServerContext* context,
                                                        const v1::ExportProductsRequest* request,
                                                        v1::ExportProductsResponse* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(std::string csv, imports_.Export(caller, request->shop(), deadline));
    response->set_csv(std::move(csv));
    response->set_filename(absl::StrCat("produits-", request->shop(), ".csv"));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StockInternalGrpc::ReserveStock(grpc::CallbackServerContext* context,
                                                          const v1::ReserveStockRequest* request,
                                                          v1::ReserveStockResponse* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    RETURN_IF_ERROR(common::RequireInternal(*context, internal_credential_));
    std::vector<StockLine> lines;
    for (const v1::StockLine& line : request->lines()) {
      lines.push_back({line.product_id(), line.quantity()});
    }
    ASSIGN_OR_RETURN(Reservation reservation,
                     service_.ReserveStock(request->order_id(), lines, deadline));
    ToProto(reservation, response->mutable_reservation());
    response->set_replayed(reservation.replayed);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StockInternalGrpc::ReleaseStock(grpc::CallbackServerContext* context,
                                                          const v1::ReleaseStockRequest* request,
                                                          v1::StockReservation* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    RETURN_IF_ERROR(common::RequireInternal(*context, internal_credential_));
    ASSIGN_OR_RETURN(Reservation reservation, service_.ReleaseStock(request->order_id(), deadline));
    ToProto(reservation, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StockInternalGrpc::CommitStock(grpc::CallbackServerContext* context,
                                                         const v1::CommitStockRequest* request,
                                                         v1::StockReservation* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    RETURN_IF_ERROR(common::RequireInternal(*context, internal_credential_));
    ASSIGN_OR_RETURN(Reservation reservation, service_.CommitStock(request->order_id(), deadline));
    ToProto(reservation, response);
    return absl::OkStatus();
  });
}

}  // namespace comptoir::catalogue
