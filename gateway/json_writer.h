// Renders a protobuf message as proto3 JSON straight from reflection, byte for byte what
// google::protobuf::util::MessageToJsonString prints with the gateway's options
// (lowerCamelCase names, default-valued fields left out, int64 as strings, enums by name)
// at a fraction of its cost: json_util serializes the message again and re-parses it through
// a TypeResolver, which the profile showed as most of an uncached answer's time.
// Covers every type the API's responses use (scalars, enums, nested and repeated messages,
// maps, Timestamp, FieldMask, Struct/Value/ListValue, Empty); anything else (Any, Duration,
// wrappers, values json_util refuses) returns false so the caller can fall back to json_util.
// tests/unit/gateway/json_writer_test.cc holds it to json_util's output.
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "google/protobuf/message.h"

namespace comptoir::gateway {

// Appends the JSON of `message` to `out`; false (with `out` in an unspecified state) when a
// type or value is outside what this writer covers.
bool AppendMessageJson(const google::protobuf::Message& message, std::string* out);

// The JSON of the message of type `type` serialized in `bytes`, read straight from the wire
// format, without parsing it into a message: byte for byte what AppendMessageJson prints for
// the parsed message, at a fraction of the cost (no allocation per field, no reflection).
// Returns false (with `out` in an unspecified state) for bytes it leaves to the parsing path:
// anything a canonical serializer would not write (fields out of number order, a singular
// field twice, two members of a oneof, a repeated field in two runs, an empty packed run),
// maps and Struct (a map prints in the parsed map's order, which the wire does not give),
// messages of proto2 files, invalid UTF-8 in a string, malformed bytes, nesting deeper than
// 64, and what AppendMessageJson itself declines. Unknown fields are skipped, as parsing
// would. What a type needs (member names, wire types, nested types) is worked out on its
// first answer and kept, keyed by the descriptor: `type` must live as long as the process
// (the generated pool's do; tests keep their dynamic pools alive).
// Thread-safe.
bool AppendWireJson(const google::protobuf::Descriptor* type, std::string_view bytes,
                    std::string* out);

}  // namespace comptoir::gateway
