#include "route_table.h"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "text.h"

namespace comptoir::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;

absl::Status RuleError(const MethodDescriptor* m, std::string_view why) {
  return absl::InvalidArgumentError(
      text::Cat("google.api.http rule of ", m->full_name(), ": ", why));
}

// Appends the route of `rule` (not its additional bindings) to `out`.
absl::Status AddRule(const MethodDescriptor* m, const google::api::HttpRule& rule,
                     const std::string& upstream, std::vector<Route>* out) {
  std::string verb;
  std::string path;
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      verb = "GET", path = rule.get();
      break;
    case google::api::HttpRule::kPut:
      verb = "PUT", path = rule.put();
      break;
    case google::api::HttpRule::kPost:
      verb = "POST", path = rule.post();
      break;
    case google::api::HttpRule::kDelete:
      verb = "DELETE", path = rule.delete_();
      break;
    case google::api::HttpRule::kPatch:
      verb = "PATCH", path = rule.patch();
      break;
    case google::api::HttpRule::kCustom:
      verb = text::ToUpper(rule.custom().kind()), path = rule.custom().path();
      break;
    default:
      return RuleError(m, "no HTTP method");
  }
  auto parsed = PathTemplate::Parse(path);
  if (!parsed.ok()) return RuleError(m, text::Std(parsed.status().message()));

  const Descriptor* input = m->input_type();
  for (const PathTemplate::Variable& var : parsed->variables()) {
    auto fields = ResolveFieldPath(input, var.field_path, /*accept_json_names=*/false);
    if (fields.empty()) return RuleError(m, text::Cat("no field \"", var.field_path, "\""));
    const FieldDescriptor* leaf = fields.back();
    if (leaf->is_repeated() || leaf->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      return RuleError(m, text::Cat("path field \"", var.field_path, "\" must be a scalar"));
    }
  }
  if (!rule.body().empty() && rule.body() != "*" &&
      input->FindFieldByName(rule.body()) == nullptr) {
    return RuleError(m, text::Cat("no body field \"", rule.body(), "\""));
  }
  if (!rule.response_body().empty()) {
    const FieldDescriptor* f = m->output_type()->FindFieldByName(rule.response_body());
    if (f == nullptr || f->is_repeated() || f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return RuleError(m, text::Cat("response_body \"", rule.response_body(),
                                    "\" must name a singular message field"));
    }
  }

  Route route{verb,
              std::move(*parsed),
              m,
              rule.body(),
              rule.response_body(),
              upstream,
              text::Cat("/", m->service()->full_name(), "/", m->name()),
              text::Cat(verb, " ", path)};
  out->push_back(std::move(route));
  return absl::OkStatus();
}

}  // namespace

std::vector<const FieldDescriptor*> ResolveFieldPath(const Descriptor* root,
                                                     std::string_view dotted,
                                                     bool accept_json_names) {
  std::vector<const FieldDescriptor*> out;
  const Descriptor* current = root;
  for (std::string_view part : text::Split(dotted, '.')) {
    if (current == nullptr) return {};
    const FieldDescriptor* f = current->FindFieldByName(std::string(part));
    if (f == nullptr && accept_json_names) {
      for (int i = 0; i < current->field_count() && f == nullptr; ++i) {
        if (current->field(i)->json_name() == part) f = current->field(i);
      }
    }
    if (f == nullptr) return {};
    out.push_back(f);
    // Only singular message fields can be walked through.
    current = (!f->is_repeated() && f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)
                  ? f->message_type()
                  : nullptr;
  }
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> ParseUpstreams(std::string_view spec) {
  std::map<std::string, std::string> out;
  for (std::string_view item : text::Split(spec, ',')) {
    item = text::Strip(item);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string_view service = text::Strip(item.substr(0, eq));
    std::string_view address =
        eq == std::string_view::npos ? std::string_view() : text::Strip(item.substr(eq + 1));
    if (service.empty() || address.empty() || address.find(':') == std::string_view::npos) {
      return absl::InvalidArgumentError(
          text::Cat("UPSTREAMS: \"", item, "\" is not service=host:port"));
    }
    if (!out.emplace(std::string(service), std::string(address)).second) {
      return absl::InvalidArgumentError(text::Cat("UPSTREAMS: ", service, " listed twice"));
    }
  }
  if (out.empty()) return absl::InvalidArgumentError("UPSTREAMS: no service configured");
  return out;
}

absl::StatusOr<RouteTable> RouteTable::Build(const std::map<std::string, std::string>& upstreams,
                                             const google::protobuf::DescriptorPool& pool) {
  RouteTable table;
  for (const auto& [service_name, address] : upstreams) {
    const auto* service = pool.FindServiceByName(service_name);
    if (service == nullptr) {
      return absl::NotFoundError(
          text::Cat("service ", service_name, " is not linked into the gateway (check UPSTREAMS)"));
    }
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* m = service->method(i);
      if (!m->options().HasExtension(google::api::http)) continue;  // not exposed over HTTP
      // Streaming RPCs need SSE (a later issue); they get no route rather than a wrong one.
      if (m->client_streaming()) continue;  // server streaming: Server-Sent Events
      const google::api::HttpRule& rule = m->options().GetExtension(google::api::http);
      absl::Status st = AddRule(m, rule, address, &table.routes_);
      if (!st.ok()) return st;
      for (const google::api::HttpRule& extra : rule.additional_bindings()) {
        if (!extra.additional_bindings().empty()) {
          return RuleError(m, "additional_bindings must not nest");
        }
        st = AddRule(m, extra, address, &table.routes_);
        if (!st.ok()) return st;
      }
    }
  }
  // Two rules one request could reach with equal precedence would be served by whichever
  // came first: refuse to start instead.
  for (size_t i = 0; i < table.routes_.size(); ++i) {
    for (size_t j = i + 1; j < table.routes_.size(); ++j) {
      const Route& a = table.routes_[i];
      const Route& b = table.routes_[j];
      if (a.http_method == b.http_method && a.path.CompareSpecificity(b.path) == 0) {
        return absl::AlreadyExistsError(text::Cat("routes conflict: ", a.name, " (",
                                                  a.method->full_name(), ") and ", b.name, " (",
                                                  b.method->full_name(), ")"));
      }
    }
  }
  table.Index();
  return table;
}

namespace {

// "METHOD first/second", or "METHOD" alone when `first` is empty; fits `buffer` or is cut
// (a cut key finds nothing, and Find then scans).
std::string_view PrefixKey(std::string_view method, std::string_view first, std::string_view second,
                           std::array<char, 96>& buffer) {
  const size_t size = method.size() + (first.empty() ? 0 : 2 + first.size() + second.size());
  if (size > buffer.size()) return {};
  char* out = std::copy(method.begin(), method.end(), buffer.data());
  if (!first.empty()) {
    *out++ = ' ';
    out = std::copy(first.begin(), first.end(), out);
    *out++ = '/';
    out = std::copy(second.begin(), second.end(), out);
  }
  return std::string_view(buffer.data(), size);
}

}  // namespace

void RouteTable::Index() {
  std::array<char, 96> buffer;
  for (size_t i = 0; i < routes_.size(); ++i) {
    const auto& segments = routes_[i].path.segments();
    const bool literal = segments.size() >= 2 &&
                         segments[0].kind == PathTemplate::SegmentKind::kLiteral &&
                         segments[1].kind == PathTemplate::SegmentKind::kLiteral;
    std::string_view key = literal ? PrefixKey(routes_[i].http_method, segments[0].literal,
                                               segments[1].literal, buffer)
                                   : PrefixKey(routes_[i].http_method, "", "", buffer);
    // A key too long for Find's buffer could never be looked up: such routes go with their
    // method's, tried on every request of that method.
    if (key.empty()) key = PrefixKey(routes_[i].http_method, "", "", buffer);
    by_prefix_[std::string(key)].push_back(i);
  }
}

RouteMatch RouteTable::Find(std::string_view http_method, std::string_view path) const {
  RouteMatch best;
  auto consider = [&](const Route& route) {
    std::optional<Captures> captures = route.path.Match(path);
    if (!captures) return;
    if (best.route == nullptr || route.path.CompareSpecificity(best.route->path) < 0) {
      best.kind = RouteMatch::Kind::kFound;
      best.route = &route;
      best.captures = std::move(*captures);
    }
  };
  // The request's first two segments, as Index keyed them: the verb (":approve") is not part
  // of a segment; an escaped segment is compared decoded by Match, so it is not looked up.
  std::string_view rest = path.empty() ? path : path.substr(1);
  const size_t first_end = rest.find('/');
  std::string_view first = rest.substr(0, first_end);
  std::string_view second;
  if (first_end != std::string_view::npos) {
    second = rest.substr(first_end + 1);
    const size_t second_end = second.find('/');
    if (second_end != std::string_view::npos) {
      second = second.substr(0, second_end);
    } else {
      second = second.substr(0, second.find(':'));
    }
  }
  std::array<char, 96> buffer;
  const bool indexed = !first.empty() && !second.empty() &&
                       first.find('%') == std::string_view::npos &&
                       second.find('%') == std::string_view::npos;
  if (indexed) {
    const std::string_view key = PrefixKey(http_method, first, second, buffer);
    if (auto it = by_prefix_.find(absl::string_view(key.data(), key.size()));
        !key.empty() && it != by_prefix_.end()) {
      for (size_t i : it->second) consider(routes_[i]);
    }
    const std::string_view method_key = PrefixKey(http_method, "", "", buffer);
    if (auto it = by_prefix_.find(absl::string_view(method_key.data(), method_key.size()));
        it != by_prefix_.end()) {
      for (size_t i : it->second) consider(routes_[i]);
    }
  } else {
    for (const Route& route : routes_) {
      if (route.http_method == http_method) consider(route);
    }
  }
  if (best.route != nullptr) return best;
  // Then the other methods, only to say which methods the path accepts.
  std::set<std::string> allow;
  for (const Route& route : routes_) {
    if (route.http_method != http_method && route.path.Match(path)) {
      allow.insert(route.http_method);
    }
  }
  if (!allow.empty()) {
    best.kind = RouteMatch::Kind::kMethodNotAllowed;
    best.allow.assign(allow.begin(), allow.end());
  }
  return best;
}

}  // namespace comptoir::gateway
