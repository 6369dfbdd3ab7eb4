// JSON <-> protobuf for one route, following the protobuf JSON mapping and the rules of
// google/api/http.proto: the body goes to the whole request (`body: "*"`) or to one field,
// path captures and query parameters set (possibly nested) fields. Errors are
// InvalidArgument statuses carrying field violations, so they render like upstream ones.
// Stateless functions over immutable descriptors: thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "path_template.h"
#include "route_table.h"

namespace comptoir::gateway {

// Requests whose JSON nests deeper are refused (400) before parsing: the protobuf JSON
// parser recurses per level.
inline constexpr int kMaxJsonDepth = 32;

// Whether `body` has more than `limit` nested objects/arrays (strings are skipped).
bool JsonDeeperThan(std::string_view body, int limit);

// Decoded query parameters, in request order; a name may repeat (repeated fields).
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Splits and decodes "a=1&b=x+y&b=%C3%A9" ('+' is a space). InvalidArgument on a bad escape.
absl::StatusOr<QueryParams> ParseQuery(std::string_view raw_query);

// Builds the request message of `route` (from the generated factory, so it serializes like
// the upstream's own type). Malformed JSON gives a detail naming line and column; a value of
// the wrong type or an unknown field gives a field violation naming it.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> BuildRequest(const Route& route,
                                                                        const Captures& captures,
                                                                        const QueryParams& query,
                                                                        std::string_view body);

// The same for any request type and body rule ("", "*" or a top-level field name).
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> BuildMessage(
    const google::protobuf::Descriptor* input, const std::string& body_field,
    const Captures& captures, const QueryParams& query, std::string_view body);

// Parses the upstream's serialized response and renders it as JSON (honouring
// response_body). Internal status when the bytes are not a valid response.
absl::StatusOr<std::string> RenderResponse(const Route& route, std::string_view serialized);

// A fresh message of `type`: generated when linked in, dynamic for types of other pools.
std::unique_ptr<google::protobuf::Message> NewMessage(const google::protobuf::Descriptor* type);

}  // namespace comptoir::gateway
