#include "comptoir/common/status.h"

#include <gtest/gtest.h>

#include "status_testing.h"

namespace comptoir::common {
namespace {

using ::comptoir::testing::HasFieldViolation;
using ::comptoir::testing::StatusIs;

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) return absl::InvalidArgumentError("odd");
  return n / 2;
}

absl::StatusOr<int> Quarter(int n) {
  ASSIGN_OR_RETURN(int half, Half(n));
  ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status CheckEven(int n) {
  RETURN_IF_ERROR(Half(n).status());
  return absl::OkStatus();
}

TEST(StatusMacros, ReturnEarlyWithTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_THAT(Quarter(6), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_THAT(CheckEven(3), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Violations, CollectsEveryFieldAndSummarisesThem) {
  Violations v;
  EXPECT_TRUE(v.ToStatus().ok());
  v.Add("shop.name", "is required");
  v.Add("shop.category", "is not one of the shop categories");
  absl::Status status = v.ToStatus();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(status, HasFieldViolation("shop.name"));
  EXPECT_THAT(status, HasFieldViolation("shop.category"));
  EXPECT_EQ(status.message(),
            "shop.name: is required; shop.category: is not one of the shop categories");
}

TEST(GrpcStatus, RoundTripKeepsCodeMessageAndFieldViolations) {
  absl::Status original = InvalidField("shop.commune_insee", "unknown commune");
  grpc::Status wire = ToGrpcStatus(original);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(wire.error_details().empty());
  absl::Status back = FromGrpcStatus(wire);
  EXPECT_EQ(back.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(back.message(), original.message());
  std::vector<FieldViolation> fields = FieldViolationsOf(back);
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].field, "shop.commune_insee");
  EXPECT_EQ(fields[0].description, "unknown commune");
}

TEST(GrpcStatus, CodesMapOneToOne) {
  for (int code = 0; code <= 16; ++code) {
    absl::Status status(static_cast<absl::StatusCode>(code), code == 0 ? "" : "m");
    grpc::Status wire = ToGrpcStatus(status);
    EXPECT_EQ(static_cast<int>(wire.error_code()), code);
    EXPECT_EQ(static_cast<int>(FromGrpcStatus(wire).code()), code);
  }
  EXPECT_EQ(CodeName(absl::StatusCode::kFailedPrecondition), "FAILED_PRECONDITION");
  EXPECT_EQ(CodeName(absl::StatusCode::kUnauthenticated), "UNAUTHENTICATED");
}

TEST(GrpcStatus, IgnoresUnreadableDetails) {
  grpc::Status wire(grpc::StatusCode::NOT_FOUND, "gone", "\xff\xfe not a proto");
  absl::Status back = FromGrpcStatus(wire);
  EXPECT_EQ(back.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(FieldViolationsOf(back).empty());
}

}  // namespace
}  // namespace comptoir::common
