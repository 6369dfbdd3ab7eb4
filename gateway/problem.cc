#include "problem.h"

#include <utility>

#include "comptoir/common/log.h"
#include "text.h"

namespace comptoir::gateway {

using common::JsonQuote;

int HttpStatusFromCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kUnimplemented:
      return 501;
    default:
      return 500;
  }
}

std::string_view ReasonPhrase(int http_status) {
  switch (http_status) {
    case 200:
      return "OK";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 499:
      return "Client Closed Request";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Error";
  }
}

Problem ProblemFromStatus(const absl::Status& status, std::string_view instance,
                          std::string_view request_id) {
  Problem p;
  p.status = HttpStatusFromCode(status.code());
  p.code = std::string(common::CodeName(status.code()));
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      p.detail = "internal error; quote the request id when reporting it";
      break;
    default:
      p.detail = std::string(status.message());
  }
  p.instance = std::string(instance);
  p.request_id = std::string(request_id);
  p.errors = common::FieldViolationsOf(status);
  return p;
}

Problem MakeProblem(int http_status, absl::StatusCode code, std::string detail,
                    std::string_view instance, std::string_view request_id) {
  Problem p;
  p.status = http_status;
  p.code = std::string(common::CodeName(code));
  p.detail = std::move(detail);
  p.instance = std::string(instance);
  p.request_id = std::string(request_id);
  return p;
}

std::string RenderProblem(const Problem& p) {
  std::string out =
      text::Cat("{\"type\":\"about:blank\",\"title\":", JsonQuote(ReasonPhrase(p.status)),
                ",\"status\":", p.status, ",\"detail\":", JsonQuote(p.detail));
  if (!p.instance.empty()) text::Append(&out, ",\"instance\":", JsonQuote(p.instance));
  text::Append(&out, ",\"request_id\":", JsonQuote(p.request_id), ",\"code\":", JsonQuote(p.code),
               ",\"errors\":[");
  for (size_t i = 0; i < p.errors.size(); ++i) {
    text::Append(&out, i == 0 ? "" : ",", "{\"field\":", JsonQuote(p.errors[i].field),
                 ",\"description\":", JsonQuote(p.errors[i].description), "}");
  }
  out += "]}";
  return out;
}

}  // namespace comptoir::gateway
