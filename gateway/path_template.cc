#include "path_template.h"

#include <algorithm>
#include <set>

#include "absl/status/status.h"
#include "text.h"

namespace comptoir::gateway {
namespace {

absl::Status Bad(std::string_view spec, std::string_view why) {
  return absl::InvalidArgumentError(text::Cat("path template \"", spec, "\": ", why));
}

bool IsFieldPath(std::string_view path) {
  if (path.empty()) return false;
  for (std::string_view part : text::Split(path, '.')) {
    if (part.empty() || (part[0] >= '0' && part[0] <= '9')) return false;
    for (char c : part) {
      if (!text::IsAlnum(c) && c != '_') return false;
    }
  }
  return true;
}

// A literal is an unreserved path segment: no template syntax, no escapes to decode twice.
bool IsLiteral(std::string_view s) {
  if (s.empty()) return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    return c == '{' || c == '}' || c == '*' || c == '=' || c == ':' || c == '/' || c == '%' ||
           c == '?' || c == '#' || static_cast<unsigned char>(c) <= 0x20;
  });
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view in, bool keep_slash) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    int hi = HexValue(in[i + 1]);
    int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    char decoded = static_cast<char>(hi * 16 + lo);
    if (keep_slash && decoded == '/') {
      out.append(in.substr(i, 3));
    } else {
      out.push_back(decoded);
    }
    i += 2;
  }
  return out;
}

absl::StatusOr<PathTemplate> PathTemplate::Parse(std::string_view spec) {
  if (spec.empty() || spec[0] != '/') return Bad(spec, "must start with '/'");
  PathTemplate t;
  t.text_ = std::string(spec);

  // The verb is a ':' outside braces with no '/' after it; a ':' inside `{...}` or in an
  // earlier segment is not a verb.
  std::string_view body = spec.substr(1);
  int depth = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '{') ++depth;
    if (body[i] == '}') --depth;
    if (body[i] == ':' && depth == 0) {
      std::string_view verb = body.substr(i + 1);
      if (!IsLiteral(verb)) return Bad(spec, "bad verb");
      t.verb_ = std::string(verb);
      body = body.substr(0, i);
      break;
    }
  }
  if (body.empty()) {
    if (!t.verb_.empty()) return Bad(spec, "verb without a path");
    return t;  // "/" matches only the root.
  }

  std::set<std::string> seen_fields;
  auto add_segment = [&](std::string_view s) -> absl::Status {
    if (!t.segments_.empty() && t.segments_.back().kind == SegmentKind::kMulti) {
      return Bad(spec, "'**' must be the last segment");
    }
    if (s == "*") {
      t.segments_.push_back({SegmentKind::kSingle, ""});
    } else if (s == "**") {
      t.segments_.push_back({SegmentKind::kMulti, ""});
    } else if (IsLiteral(s)) {
      t.segments_.push_back({SegmentKind::kLiteral, std::string(s)});
    } else {
      return Bad(spec, text::Cat("bad segment \"", s, "\""));
    }
    return absl::OkStatus();
  };

  size_t pos = 0;
  while (true) {
    if (pos < body.size() && body[pos] == '{') {
      size_t close = body.find('}', pos);
      if (close == std::string_view::npos) return Bad(spec, "unclosed '{'");
      std::string_view inner = body.substr(pos + 1, close - pos - 1);
      if (inner.find('{') != std::string_view::npos) return Bad(spec, "nested variable");
      size_t eq = inner.find('=');
      std::string_view field = inner.substr(0, eq);
      std::string_view pattern = eq == std::string_view::npos ? "*" : inner.substr(eq + 1);
      if (!IsFieldPath(field)) return Bad(spec, text::Cat("bad field path \"", field, "\""));
      if (!seen_fields.insert(std::string(field)).second) {
        return Bad(spec, text::Cat("field \"", field, "\" captured twice"));
      }
      Variable var{std::string(field), t.segments_.size(), 0};
      for (std::string_view s : text::Split(pattern, '/')) {
        absl::Status st = add_segment(s);
        if (!st.ok()) return st;
      }
      var.end = t.segments_.size();
      t.variables_.push_back(std::move(var));
      pos = close + 1;
    } else {
      size_t end = body.find('/', pos);
      if (end == std::string_view::npos) end = body.size();
      absl::Status st = add_segment(body.substr(pos, end - pos));
      if (!st.ok()) return st;
      pos = end;
    }
    if (pos == body.size()) break;
    if (body[pos] != '/') return Bad(spec, "expected '/' after a variable");
    ++pos;
    if (pos == body.size()) return Bad(spec, "trailing '/'");
  }
  return t;
}

std::optional<Captures> PathTemplate::Match(std::string_view path) const {
  if (path.empty() || path[0] != '/') return std::nullopt;
  std::string_view rest = path.substr(1);
  if (!verb_.empty()) {
    // Only the last segment can carry the verb; a colon earlier stays part of a value.
    size_t last_slash = rest.rfind('/');
    std::string_view last =
        last_slash == std::string_view::npos ? rest : rest.substr(last_slash + 1);
    const size_t suffix = verb_.size() + 1;  // ":verb"
    if (last.size() < suffix || last[last.size() - suffix] != ':' ||
        last.substr(last.size() - verb_.size()) != verb_) {
      return std::nullopt;
    }
    rest.remove_suffix(suffix);
  }
  if (segments_.empty()) {
    if (!rest.empty()) return std::nullopt;
    return Captures{};
  }

  // Segment i of the template covers parts [start[i], start[i + 1]); only a final `**`
  // covers more than one part. The request is checked against the segment count and the
  // literal segments before anything is allocated: a table matches every template in turn,
  // and almost all of them fail here.
  const bool multi_last = segments_.back().kind == SegmentKind::kMulti;
  const size_t part_count = 1 + static_cast<size_t>(std::count(rest.begin(), rest.end(), '/'));
  if (multi_last ? part_count < segments_.size() - 1 : part_count != segments_.size()) {
    return std::nullopt;
  }
  size_t cursor = 0;
  for (size_t i = 0; i < segments_.size(); ++i) {
    const Segment& seg = segments_[i];
    if (seg.kind == SegmentKind::kMulti) break;
    const size_t slash = rest.find('/', cursor);
    const std::string_view part = rest.substr(
        cursor, slash == std::string_view::npos ? std::string_view::npos : slash - cursor);
    cursor = slash == std::string_view::npos ? rest.size() : slash + 1;
    if (part.empty()) return std::nullopt;
    if (seg.kind != SegmentKind::kLiteral) continue;
    if (part.find('%') == std::string_view::npos) {
      if (part != seg.literal) return std::nullopt;
    } else {
      std::optional<std::string> decoded = PercentDecode(part);
      if (!decoded || *decoded != seg.literal) return std::nullopt;
    }
  }
  std::vector<std::string_view> parts = text::Split(rest, '/');

  Captures captures;
  captures.reserve(variables_.size());
  for (const Variable& var : variables_) {
    size_t first = var.begin;
    size_t last = (var.end == segments_.size() && multi_last) ? parts.size() : var.end;
    if (first >= last) {
      captures.emplace_back(var.field_path, "");
      continue;
    }
    std::optional<std::string> value;
    if (last - first == 1 && segments_[var.begin].kind == SegmentKind::kSingle) {
      value = PercentDecode(parts[first]);
    } else {
      std::string joined;
      for (size_t i = first; i < last; ++i) {
        if (i > first) joined.push_back('/');
        joined.append(parts[i]);
      }
      value = PercentDecode(joined, /*keep_slash=*/true);
    }
    if (!value) return std::nullopt;
    captures.emplace_back(var.field_path, std::move(*value));
  }
  return captures;
}

int PathTemplate::CompareSpecificity(const PathTemplate& other) const {
  // A matched verb is a literal too, and the most telling one: it names a custom method.
  if (verb_.empty() != other.verb_.empty()) return verb_.empty() ? 1 : -1;
  size_t n = std::min(segments_.size(), other.segments_.size());
  for (size_t i = 0; i < n; ++i) {
    const Segment& a = segments_[i];
    const Segment& b = other.segments_[i];
    if (a.kind != b.kind) return static_cast<int>(a.kind) < static_cast<int>(b.kind) ? -1 : 1;
    if (a.kind == SegmentKind::kLiteral && a.literal != b.literal) {
      return a.literal < b.literal ? -1 : 1;  // never both match one path; any order
    }
  }
  if (segments_.size() != other.segments_.size()) {
    return segments_.size() > other.segments_.size() ? -1 : 1;
  }
  if (verb_ != other.verb_) return verb_ < other.verb_ ? -1 : 1;
  return 0;
}

}  // namespace comptoir::gateway
