#include "e2e_stack.h"

#include <chrono>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "comptoir/common/status.h"
#include "http_client.h"

namespace comptoir::testing {

std::string BinaryPath(const std::string& name) {
  return std::string(COMPTOIR_BINARY_DIR "/bin/") + name;
}

std::string StartedService::address() const { return absl::StrCat("127.0.0.1:", grpc_port); }

absl::Status RunToCompletion(const std::string& binary, std::vector<std::string> args,
                             const Env& env, std::string* log) {
  const std::string what = absl::StrCat(binary, " ", args.empty() ? "" : args.front());
  ASSIGN_OR_RETURN(auto run, ChildProcess::Start({binary, std::move(args), env, ""}));
  ASSIGN_OR_RETURN(int code, run->Wait(std::chrono::seconds(60)));
  if (log != nullptr) *log += run->Log();
  if (code != 0) return absl::InternalError(absl::StrCat(what, " exited ", code, ": ", run->Log()));
  return absl::OkStatus();
}

absl::StatusOr<StartedService> StartService(const std::string& binary, Env env) {
  StartedService service;
  ASSIGN_OR_RETURN(service.grpc_port, FreePort());
  ASSIGN_OR_RETURN(int metrics_port, FreePort());
  env["GRPC_LISTEN"] = service.address();
  env["METRICS_LISTEN"] = absl::StrCat("127.0.0.1:", metrics_port);
  ASSIGN_OR_RETURN(service.process, ChildProcess::Start({binary, {}, env, ""}));
  if (!WaitForTcp(service.grpc_port, Deadline(std::chrono::seconds(20))).ok()) {
    return absl::InternalError(absl::StrCat(binary, " did not start: ", service.process->Log()));
  }
  return service;
}

absl::StatusOr<StartedGateway> StartGateway(const std::string& upstreams, Env env) {
  StartedGateway gateway;
  ASSIGN_OR_RETURN(gateway.http_port, FreePort());
  env["HTTP_LISTEN"] = absl::StrCat("127.0.0.1:", gateway.http_port);
  env["UPSTREAMS"] = upstreams;
  env.emplace("WEB_ROOT", COMPTOIR_SOURCE_DIR "/web");
  ASSIGN_OR_RETURN(gateway.process,
                   ChildProcess::Start({BinaryPath("comptoir-gateway"), {}, env, ""}));
  if (!WaitForTcp(gateway.http_port, Deadline(std::chrono::seconds(20))).ok()) {
    return absl::InternalError("comptoir-gateway did not start: " + gateway.process->Log());
  }
  // Ready means the gateway sees every upstream SERVING.
  for (int i = 0; i < 200; ++i) {
    if (HttpRequest(gateway.http_port, "GET", "/readyz").status == 200) return gateway;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::InternalError("gateway never became ready: " + gateway.process->Log());
}

}  // namespace comptoir::testing
