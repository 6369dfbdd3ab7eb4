// Prints the time of one Argon2id hash with the production parameters (t=2, 19 MiB, p=1)
// next to a SHA-256 of the same input (the baseline), then the password-verification
// throughput and latency of concurrent logins for several bounds on hashes in flight.
//
//   argon2_bench [hashes=20] [clients=8] [seconds=5]
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "password_hasher.h"

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  const int hashes = argc > 1 ? std::atoi(argv[1]) : 20;
  const int clients = argc > 2 ? std::atoi(argv[2]) : 8;
  const int seconds = argc > 3 ? std::atoi(argv[3]) : 5;
  if (sodium_init() < 0) return 1;
  const std::string password = "Correct-Horse-Battery-42";
  comptoir::accounts::Argon2idOptions production;

  // 1. One hash, sequential, median of `hashes`.
  comptoir::accounts::Argon2idHasher hasher(production);
  std::vector<double> times;
  std::string hash;
  for (int i = 0; i < hashes; ++i) {
    auto start = Clock::now();
    hash = hasher.Hash(password, Clock::now() + std::chrono::seconds(60)).value();
    times.push_back(Ms(Clock::now() - start));
  }
  std::sort(times.begin(), times.end());
  unsigned char digest[crypto_hash_sha256_BYTES];
  const int sha_rounds = 100000;
  auto sha_start = Clock::now();
  for (int i = 0; i < sha_rounds; ++i) {
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(password.data()),
                       password.size());
  }
  const double sha_ms = Ms(Clock::now() - sha_start) / sha_rounds;
  std::printf(
      "argon2id t=%llu m=%zu MiB p=1: median %.1f ms, min %.1f ms, max %.1f ms (%d hashes)\n",
      production.opslimit, production.memlimit >> 20, times[times.size() / 2], times.front(),
      times.back(), hashes);
  std::printf("sha-256 baseline: %.4f ms (%.0fx cheaper)\n", sha_ms,
              times[times.size() / 2] / sha_ms);

  // 2. Logins: `clients` threads verify passwords as fast as they can for `seconds`, each
  // call with a 2 s budget (a login's deadline); refused calls are what a flood gets.
  std::printf("\nlogin verification, %d concurrent clients, %d s each:\n", clients, seconds);
  std::printf("%-8s %10s %10s %10s %10s\n", "bound", "ok/s", "refused", "p50 ms", "p99 ms");
  for (std::size_t bound : {std::size_t{1}, std::size_t{2}, std::size_t{4}}) {
    comptoir::accounts::Argon2idOptions options = production;
    options.max_concurrent = bound;
    comptoir::accounts::Argon2idHasher bounded(options);
    std::atomic<int> ok{0}, refused{0};
    std::vector<std::vector<double>> latencies(clients);
    const auto end = Clock::now() + std::chrono::seconds(seconds);
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        while (Clock::now() < end) {
          auto start = Clock::now();
          auto r = bounded.Verify(hash, password, start + std::chrono::seconds(2));
          if (r.ok()) {
            ++ok;
            latencies[c].push_back(Ms(Clock::now() - start));
          } else {
            ++refused;
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    std::vector<double> all;
    for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    const double p50 = all.empty() ? 0 : all[all.size() / 2];
    const double p99 = all.empty() ? 0 : all[std::min(all.size() - 1, all.size() * 99 / 100)];
    std::printf("%-8zu %10.1f %10d %10.1f %10.1f\n", bound, ok.load() / double(seconds),
                refused.load(), p50, p99);
  }
  return 0;
}
