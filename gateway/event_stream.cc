// Server-streaming RPCs as Server-Sent Events (text/event-stream), for any streaming method
// with an HTTP annotation: each response message is one event, "id: <event_id>" (when the
// message has one) and "data: <JSON>"; a comment line keeps idle connections alive through
// proxies; Last-Event-ID resumes (mapped to `after_event_id` in Forward). The client hanging
// up cancels the gRPC call.
//
// Ordering: gRPC callbacks, the client's hang-up and the heartbeat timer all hop onto one
// strand per stream, so events are rendered and sent in the order they came.
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <memory>
#include <utility>

#include "comptoir/common/log.h"
#include "comptoir/common/status.h"
#include "gateway.h"
#include "gateway_internal.h"
#include "preconditions.h"
#include "problem.h"
#include "text.h"
#include "transcoder.h"

namespace comptoir::gateway {
namespace http = boost::beast::http;
namespace net = boost::asio;

struct Gateway::StreamBridge : std::enable_shared_from_this<Gateway::StreamBridge> {
  StreamBridge(Gateway& gateway, std::shared_ptr<Exchange> exchange)
      : gw(gateway),
        ex(std::move(exchange)),
        strand(net::make_strand(gw.executor_)),
        timer(strand) {}

  ~StreamBridge() { --gw.open_streams_; }

  void Start(std::string bytes, UpstreamClient::Metadata metadata) {
    auto self = shared_from_this();
    const Route& route = *ex->match.route;
    UpstreamClient::StreamHandlers handlers{
        .on_headers = [self] { net::post(self->strand, [self] { self->OpenHead(); }); },
        .on_message =
            [self](std::string message) {
              net::post(self->strand, [self, message = std::move(message)] {
                self->OpenHead();
                self->Deliver(message);
              });
            },
        .on_done =
            [self](const grpc::Status& status) {
              net::post(self->strand, [self, status] { self->Done(status); });
            },
    };
    // The call starts on the strand, so `call` is set before any callback runs there.
    net::post(strand, [self, route = &route, bytes = std::move(bytes),
                       metadata = std::move(metadata), handlers = std::move(handlers)]() mutable {
      self->call =
          self->gw.upstreams_.StartStream(route->upstream, route->grpc_path, std::move(bytes),
                                          self->ex->request_id, metadata, std::move(handlers));
      if (self->finished || self->head_sent) return;
      self->timer.expires_after(self->gw.stream_options_.head_wait);
      self->timer.async_wait([self](boost::system::error_code ec) {
        if (!ec) self->OpenHead();
      });
    });
  }

  // The service accepted (or is slow to say so): 200 and the event stream from here on.
  void OpenHead() {
    if (head_sent || finished || client_gone) return;
    head_sent = true;
    timer.cancel();
    HttpResponse head{http::status::ok, ex->request.version()};
    head.set(http::field::content_type, "text/event-stream; charset=utf-8");
    head.set(http::field::cache_control, "no-store");
    head.set("X-Accel-Buffering", "no");  // proxies must pass events on at once
    gw.Decorate(*ex, &head);
    // The connection's callbacks hold it: dropped once used, so that the connection (which
    // holds on_gone) and this bridge do not keep each other alive.
    StreamOpener open_stream = std::move(ex->open_stream);
    ex->done = nullptr;
    std::weak_ptr<StreamBridge> weak = weak_from_this();
    out = open_stream(std::move(head), [weak] {
      if (auto self = weak.lock()) net::post(self->strand, [self] { self->ClientGone(); });
    });
    ArmHeartbeat();
  }

  void ArmHeartbeat() {
    timer.expires_after(gw.stream_options_.heartbeat);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->finished || self->client_gone) return;
      self->Send(": heartbeat\n\n");
    });
  }

  void Send(std::string bytes) {
    if (!out || client_gone) return;
    sent_bytes += bytes.size();
    out->Send(std::move(bytes));
    if (!finished) ArmHeartbeat();  // a heartbeat only after this much silence
  }

  void Deliver(const std::string& bytes) {
    if (client_gone || finished) return;
    const Route& route = *ex->match.route;
    std::optional<std::string> id;
    if (auto message = NewMessage(route.method->output_type());
        message != nullptr && message->ParseFromString(bytes)) {
      id = EventIdOf(*message);
    }
    // A message with an empty id is the service's keep-alive: a comment, not an event.
    if (id && id->empty()) return Send(": keep-alive\n\n");
    auto json = RenderResponse(route, bytes);
    if (!json.ok()) {
      gw.metrics_.ObserveUpstreamError(route.grpc_path, "INTERNAL");
      return;
    }
    std::string event;
    // An id with a line break would end the field early: such ids are not sent.
    if (id && id->find_first_of("\r\n") == std::string::npos)
      text::Append(&event, "id: ", *id, "\n");
    text::Append(&event, "data: ", *json, "\n\n");
    ++events;
    Send(std::move(event));
  }

  void Done(const grpc::Status& status) {
    if (finished) return;
    call.reset();
    absl::Status st = common::FromGrpcStatus(status);
    if (!status.ok() && !client_gone) {
      gw.metrics_.ObserveUpstreamError(ex->match.route->grpc_path, common::CodeName(st.code()));
    }
    if (st.code() == absl::StatusCode::kUnavailable) {
      st = absl::UnavailableError("the service is unavailable; retry shortly");
    }
    if (!head_sent && !client_gone) {
      if (!status.ok()) {
        // Refused before the stream began: an ordinary problem answer with its own status.
        finished = true;
        timer.cancel();
        return gw.FinishProblem(ex, st, HttpStatusFromCode(st.code()));
      }
      OpenHead();  // an empty stream that ends at once
    }
    if (!status.ok() && !client_gone) {
      Problem problem = ProblemFromStatus(st, ex->path, ex->request_id);
      problem.status = HttpStatusFromCode(st.code());
      Send(text::Cat("event: error\ndata: ", RenderProblem(problem), "\n\n"));
    }
    finished = true;
    timer.cancel();  // releases the bridge held by the heartbeat wait
    if (out) out->End();
    out.reset();
    gw.Record(*ex, 200, sent_bytes);
  }

  void ClientGone() {
    client_gone = true;
    timer.cancel();
    out.reset();
    if (call) call->Cancel();  // Done follows and records the request
  }

  Gateway& gw;
  std::shared_ptr<Exchange> ex;
  net::strand<net::any_io_executor> strand;
  net::steady_timer timer;  // head wait, then heartbeats
  std::shared_ptr<UpstreamClient::Stream> call;
  std::shared_ptr<ResponseStream> out;
  bool head_sent = false;
  bool finished = false;
  bool client_gone = false;
  size_t events = 0;
  size_t sent_bytes = 0;
};

void Gateway::ForwardStream(std::shared_ptr<Exchange> ex, std::string request_bytes,
                            UpstreamClient::Metadata metadata) {
  if (++open_streams_ > stream_options_.max_streams) {
    --open_streams_;
    ex->retry_after_seconds = 10;
    return FinishProblem(ex, absl::UnavailableError("too many open event streams; retry shortly"),
                         503);
  }
  // From here the bridge owns the count (its destructor gives it back).
  auto bridge = std::make_shared<StreamBridge>(*this, std::move(ex));
  bridge->Start(std::move(request_bytes), std::move(metadata));
}

}  // namespace comptoir::gateway
