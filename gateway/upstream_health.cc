#include "upstream_health.h"

#include <boost/asio/post.hpp>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "text.h"

namespace comptoir::gateway {
namespace {

constexpr char kHealthCheck[] = "/grpc.health.v1.Health/Check";
constexpr int kServing = 1;  // grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING

}  // namespace

UpstreamHealth::UpstreamHealth(UpstreamClient& client, boost::asio::any_io_executor executor,
                               std::chrono::milliseconds interval)
    : client_(client),
      strand_(boost::asio::make_strand(executor)),
      timer_(strand_),
      interval_(interval) {
  absl::MutexLock lock(&mu_);
  for (const std::string& address : client_.addresses()) not_ready_[address] = "not checked yet";
}

void UpstreamHealth::Start() {
  boost::asio::post(strand_, [this] { Tick(); });
}

void UpstreamHealth::Stop() {
  boost::asio::post(strand_, [this] {
    stopped_ = true;
    timer_.cancel();
  });
}

std::vector<std::pair<std::string, std::string>> UpstreamHealth::NotReady() const {
  absl::MutexLock lock(&mu_);
  return {not_ready_.begin(), not_ready_.end()};
}

// The response has one enum field (1, varint); the message is decoded by hand so the
// gateway needs no generated health stubs.
bool UpstreamHealth::IsServing(const std::string& response) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(response.data()),
                                            static_cast<int>(response.size()));
  int status = 0;
  while (uint32_t tag = in.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == 1 &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_VARINT) {
      uint32_t value = 0;
      if (!in.ReadVarint32(&value)) return false;
      status = static_cast<int>(value);
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return false;
    }
  }
  return status == kServing;
}

void UpstreamHealth::Tick() {
  if (stopped_) return;
  const auto deadline = std::min(interval_, std::chrono::milliseconds(1500));
  for (const std::string& address : client_.addresses()) {
    client_.Call(address, kHealthCheck, /*request=*/"", /*request_id=*/"", deadline,
                 [this, address](const grpc::Status& status, std::string response, int64_t) {
                   std::string why;
                   if (!status.ok()) {
                     why = text::Cat("health check failed: ", status.error_message());
                   } else if (!IsServing(response)) {
                     why = "not serving";
                   }
                   absl::MutexLock lock(&mu_);
                   if (why.empty()) {
                     not_ready_.erase(address);
                   } else {
                     not_ready_[address] = std::move(why);
                   }
                 });
  }
  timer_.expires_after(interval_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) Tick();
  });
}

}  // namespace comptoir::gateway
