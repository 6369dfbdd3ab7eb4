// Path templates of google.api.http rules (google/api/http.proto): literal segments, `*`,
// `**`, `{field}`, `{field=pattern}` and a trailing `:verb`, parsed once at start-up and
// matched against request paths. Immutable after Parse: safe to share between threads.
//
//   ASSIGN_OR_RETURN(PathTemplate t, PathTemplate::Parse("/v1/{name=shops/*}:approve"));
//   auto captures = t.Match("/v1/shops/abc:approve");  // {{"name", "shops/abc"}}
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace comptoir::gateway {

// Field path (proto names, dotted) and its percent-decoded value, in template order.
using Captures = std::vector<std::pair<std::string, std::string>>;

class PathTemplate {
 public:
  enum class SegmentKind { kLiteral = 0, kSingle = 1, kMulti = 2 };
  struct Segment {
    SegmentKind kind;
    std::string literal;  // only for kLiteral
  };
  // A `{field=...}` capture spanning segments [begin, end).
  struct Variable {
    std::string field_path;
    size_t begin;
    size_t end;
  };

  static absl::StatusOr<PathTemplate> Parse(std::string_view text);

  // Matches a raw (still percent-encoded) request path without its query string. Literal
  // segments compare after decoding; `{x}` values are fully decoded; values spanning several
  // segments keep `%2F` encoded so a capture can be split back into its segments.
  std::optional<Captures> Match(std::string_view path) const;

  // < 0 when this template is more specific than `other` (wins when both match a path),
  // 0 when they are equivalent (a conflict if both serve the same HTTP method).
  int CompareSpecificity(const PathTemplate& other) const;

  const std::string& text() const { return text_; }
  const std::vector<Segment>& segments() const { return segments_; }
  const std::vector<Variable>& variables() const { return variables_; }
  const std::string& verb() const { return verb_; }

 private:
  PathTemplate() = default;

  std::string text_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
  std::string verb_;
};

// Percent-decodes `in`; with `keep_slash`, "%2F" stays encoded. nullopt on a bad escape.
std::optional<std::string> PercentDecode(std::string_view in, bool keep_slash = false);

}  // namespace comptoir::gateway
