// Starting real binaries for end-to-end tests: a one-shot subcommand (migrate, ensure-admin),
// a service on free gRPC and metrics ports, and the gateway in front of it, ready when its
// /readyz says so. Children stop when their ChildProcess is destroyed. Not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "process.h"

namespace comptoir::testing {

using Env = std::map<std::string, std::string>;

// The path of a binary of this build: BinaryPath("comptoir-shops").
std::string BinaryPath(const std::string& name);

// Runs `binary args...` to completion (at most a minute); Internal with its output unless it
// exits 0. Appends what it printed to `log` when given.
absl::Status RunToCompletion(const std::string& binary, std::vector<std::string> args,
                             const Env& env, std::string* log = nullptr);

struct StartedService {
  std::unique_ptr<ChildProcess> process;
  int grpc_port = 0;
  std::string address() const;  // "127.0.0.1:<grpc_port>"
};

// Starts `binary` with `env` plus GRPC_LISTEN and METRICS_LISTEN on free ports, and waits until
// its gRPC port accepts connections.
absl::StatusOr<StartedService> StartService(const std::string& binary, Env env);

struct StartedGateway {
  std::unique_ptr<ChildProcess> process;
  int http_port = 0;
};

// Starts comptoir-gateway routing `upstreams` ("full.Service=host:port,..."), with `env`
// added (REDIS_URL, AUTH_PUBLIC_KEYS, limits...), and waits until /readyz answers 200.
absl::StatusOr<StartedGateway> StartGateway(const std::string& upstreams, Env env);

}  // namespace comptoir::testing
