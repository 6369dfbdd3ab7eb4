// If-Match and Last-Event-ID conventions: which header values name a version, and where they
// land in requests (catalogue's UpdateProduct and DeleteProduct; the SSE test covers resuming).
#include "preconditions.h"

#include <gtest/gtest.h>

#include "comptoir/catalogue/v1/catalogue.pb.h"
#include "comptoir/shops/v1/shops.pb.h"

namespace comptoir::gateway {
namespace {

TEST(PreconditionsTest, VersionEtagsRoundTripThroughIfMatch) {
  EXPECT_EQ(VersionEtag(12), "\"v12\"");
  EXPECT_EQ(VersionFromEntityTag("\"v12\""), 12);
  EXPECT_EQ(VersionFromEntityTag("W/\"v12\""), 12);
  EXPECT_EQ(VersionFromEntityTag("\"v12-gz\""), 12);  // the gzip representation's tag
  EXPECT_EQ(VersionFromEntityTag(" \"v7\", \"v8\""), 7);
  EXPECT_FALSE(VersionFromEntityTag("*"));
  EXPECT_FALSE(VersionFromEntityTag("\"0123456789abcdef\""));  // a body hash, not a version
  EXPECT_FALSE(VersionFromEntityTag("\"v0\""));
  EXPECT_FALSE(VersionFromEntityTag("\"v-3\""));
  EXPECT_FALSE(VersionFromEntityTag("\"v99999999999999999999\""));
  EXPECT_FALSE(VersionFromEntityTag("v12"));
}

TEST(PreconditionsTest, IfMatchBecomesTheExpectedVersionOfTheWrite) {
  catalogue::v1::UpdateProductRequest update;
  EXPECT_TRUE(SetExpectedVersion(&update, "product", 4));
  EXPECT_EQ(update.product().version(), 4);
  catalogue::v1::DeleteProductRequest remove;
  EXPECT_TRUE(SetExpectedVersion(&remove, "", 9));
  EXPECT_EQ(remove.version(), 9);
  shops::v1::GetShopRequest unversioned;
  EXPECT_FALSE(SetExpectedVersion(&unversioned, "", 9));
}

TEST(PreconditionsTest, ProductsCarryTheirVersion) {
  EXPECT_TRUE(HasVersionField(catalogue::v1::Product::descriptor()));
  EXPECT_FALSE(HasVersionField(shops::v1::GetShopRequest::descriptor()));
  catalogue::v1::Product product;
  product.set_version(3);
  EXPECT_EQ(VersionOf(product), 3);
}

TEST(PreconditionsTest, RequestsWithoutResumeOrEventIdsAreLeftAlone) {
  shops::v1::GetShopRequest other;
  EXPECT_FALSE(SetResumeId(&other, "1"));
  EXPECT_FALSE(EventIdOf(other).has_value());
}

}  // namespace
}  // namespace comptoir::gateway
