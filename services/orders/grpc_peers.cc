#include "grpc_peers.h"

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/internal_call.h"
#include "comptoir/common/status.h"
#include "order_proto.h"

namespace comptoir::orders {
namespace {

// Peers' answers that mean "try later" become Unavailable; their refusals keep their code
// and words (they speak about the order: "not enough stock for product ...").
absl::Status Converted(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status s = common::FromGrpcStatus(status);
  switch (s.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kInternal:
      return absl::UnavailableError(absl::StrCat("a peer service failed: ", s.message()));
    default:
      return s;
  }
}

bool IsNothingToRelease(const absl::Status& s) { return s.code() == absl::StatusCode::kNotFound; }

}  // namespace

GrpcCatalogue::GrpcCatalogue(std::shared_ptr<grpc::Channel> channel,
                             std::string internal_credential)
    : products_(catalogue::v1::CatalogueService::NewStub(channel)),
      stock_(catalogue::v1::StockInternal::NewStub(channel)),
      internal_credential_(std::move(internal_credential)) {}

absl::StatusOr<ProductFacts> GrpcCatalogue::GetProduct(const std::string& product_id,
                                                       common::Deadline deadline) {
  grpc::ClientContext context;
  common::SetCallDeadline(context, deadline);
  catalogue::v1::GetProductRequest request;
  request.set_product(product_id);
  catalogue::v1::Product p;
  RETURN_IF_ERROR(Converted(products_->GetProduct(&context, request, &p)));
  if (p.has_visible() && !p.visible()) return absl::NotFoundError("product not shown");
  return ProductFacts{.id = p.id(),
                      .shop_id = p.shop_id(),
                      .shop_name = p.shop_name(),
                      .department_code = p.department_code(),
                      .sku = p.sku(),
                      .name = p.name(),
                      .sale_unit = p.sale_unit(),
                      .price_cents = p.price_cents(),
                      .vat_rate_bp = p.vat_rate_bp(),
                      .stock_tracked = p.stock_tracked(),
                      .stock = p.stock()};
}

absl::Status GrpcCatalogue::ReserveStock(const std::string& order_id,
                                         const std::vector<StockRequestLine>& lines,
                                         common::Deadline deadline) {
  grpc::ClientContext context;
  common::PrepareInternalCall(context, deadline, internal_credential_);
  catalogue::v1::ReserveStockRequest request;
  request.set_order_id(order_id);
  for (const StockRequestLine& l : lines) {
    catalogue::v1::StockLine* line = request.add_lines();
    line->set_product_id(l.product_id);
    line->set_quantity(l.quantity);
  }
  catalogue::v1::ReserveStockResponse response;
  return Converted(stock_->ReserveStock(&context, request, &response));
}

absl::Status GrpcCatalogue::ReleaseStock(const std::string& order_id, common::Deadline deadline) {
  grpc::ClientContext context;
  common::PrepareInternalCall(context, deadline, internal_credential_);
  catalogue::v1::ReleaseStockRequest request;
  request.set_order_id(order_id);
  catalogue::v1::StockReservation response;
  absl::Status s = Converted(stock_->ReleaseStock(&context, request, &response));
  // Never reserved (the reservation failed or never ran): nothing to give back.
  return IsNothingToRelease(s) ? absl::OkStatus() : s;
}

absl::Status GrpcCatalogue::CommitStock(const std::string& order_id, common::Deadline deadline) {
  grpc::ClientContext context;
  common::PrepareInternalCall(context, deadline, internal_credential_);
  catalogue::v1::CommitStockRequest request;
  request.set_order_id(order_id);
  catalogue::v1::StockReservation response;
  return Converted(stock_->CommitStock(&context, request, &response));
}

GrpcDelivery::GrpcDelivery(std::shared_ptr<grpc::Channel> channel, std::string internal_credential)
    : public_(delivery::v1::DeliveryService::NewStub(channel)),
      internal_(delivery::v1::DeliveryInternal::NewStub(channel)),
      internal_credential_(std::move(internal_credential)) {}

absl::StatusOr<int64_t> GrpcDelivery::QuoteFee(const std::string& shop_id,
                                               const std::string& commune_insee,
                                               int64_t basket_cents, common::Deadline deadline) {
  grpc::ClientContext context;
  common::SetCallDeadline(context, deadline);
  delivery::v1::QuoteDeliveryRequest request;
  request.set_shop(shop_id);
  request.set_commune_insee(commune_insee);
  request.set_basket_cents(basket_cents);
  delivery::v1::DeliveryQuote quote;
  absl::Status s = Converted(public_->QuoteDelivery(&context, request, &quote));
  if (s.code() == absl::StatusCode::kNotFound) {
    return absl::FailedPreconditionError(absl::StrCat("livraison impossible : ", s.message()));
  }
  RETURN_IF_ERROR(s);
  if (!quote.deliverable()) return absl::FailedPreconditionError(quote.refusal());
  return quote.fee_cents();
}

absl::StatusOr<BookedSlot> GrpcDelivery::BookSlot(const std::string& order_id,
                                                  const std::string& shop_id,
                                                  const std::string& slot_id,
                                                  common::Deadline deadline) {
  grpc::ClientContext context;
  common::PrepareInternalCall(context, deadline, internal_credential_);
  delivery::v1::BookSlotRequest request;
  request.set_order_id(order_id);
  request.set_shop_id(shop_id);
  request.set_slot_id(slot_id);
  delivery::v1::BookSlotResponse response;
  RETURN_IF_ERROR(Converted(internal_->BookSlot(&context, request, &response)));
  return BookedSlot{.start = FromTimestamp(response.slot().start_time()),
                    .end = FromTimestamp(response.slot().end_time())};
}

absl::Status GrpcDelivery::ReleaseSlot(const std::string& order_id, common::Deadline deadline) {
  grpc::ClientContext context;
  common::PrepareInternalCall(context, deadline, internal_credential_);
  delivery::v1::ReleaseSlotRequest request;
  request.set_order_id(order_id);
  delivery::v1::ReleaseSlotResponse response;
  absl::Status s = Converted(internal_->ReleaseSlot(&context, request, &response));
  return IsNothingToRelease(s) ? absl::OkStatus() : s;
}

}  // namespace comptoir::orders
