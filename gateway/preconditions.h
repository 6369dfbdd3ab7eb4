// HTTP headers that become request fields by convention, so services need no HTTP code:
// `If-Match` on a write → the expected `version` (optimistic concurrency), versioned
// resources' ETags from their `version`, and SSE's `Last-Event-ID` → `after_event_id`.
// Conventions by field name over descriptors: any service that names its fields so gets
// the behaviour. Stateless functions: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "google/protobuf/message.h"

namespace comptoir::gateway {

// The strong entity tag of a resource version: "\"v12\"".
std::string VersionEtag(int64_t version);

// The version an If-Match value names: "\"v12\"", W/"v12" or the gzip variant "\"v12-gz\""
// (the first tag of a list). nullopt for "*" or a tag that is not a version.
std::optional<int64_t> VersionFromEntityTag(std::string_view if_match);

// Sets the expected version of a write: a top-level int64 `version` field, or the `version`
// of the message in `body_field` (PATCH /v1/products/{product.id} with body "product").
// False when the request has no such field.
bool SetExpectedVersion(google::protobuf::Message* request, const std::string& body_field,
                        int64_t version);

// Whether `type` has a top-level int64 `version` field (its answers get version ETags).
bool HasVersionField(const google::protobuf::Descriptor* type);

// The top-level int64 `version` of a message; nullopt when its type has none.
std::optional<int64_t> VersionOf(const google::protobuf::Message& message);

// Sets `after_event_id` (string or integer field) from a Last-Event-ID value. False when
// the request has no such field or the value does not fit it.
bool SetResumeId(google::protobuf::Message* request, std::string_view last_event_id);

// The resume id of a streamed message: its top-level `event_id` (string or integer) as
// text; nullopt when the type has no such field.
std::optional<std::string> EventIdOf(const google::protobuf::Message& message);

}  // namespace comptoir::gateway
