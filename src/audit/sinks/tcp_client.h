#pragma once
// A blocking TCP client in which every operation has a deadline, for the sinks that talk to their
// destination over plain TCP (syslog) or HTTP/1.1 on top of it. One connection per object; the
// socket closes on destruction. Errors name the peer and the operation, never a payload.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace citadel::audit::sinks {

class TcpClient {
 public:
  // The timeout covers resolving and connecting; a resolver that hangs past it is still waited
  // for (getaddrinfo cannot be interrupted), bounded by the system resolver's own timeouts.
  static Result<TcpClient> Connect(const std::string& host, uint16_t port, std::chrono::milliseconds timeout);
  TcpClient(TcpClient&&) noexcept;
  TcpClient& operator=(TcpClient&&) noexcept;
  ~TcpClient();

  Result<void> WriteAll(std::string_view data, std::chrono::milliseconds timeout);
  // Some bytes, or an empty string when the peer closed its side.
  Result<std::string> ReadSome(std::chrono::milliseconds timeout);
  // Half-closes our side and waits until the peer closes its own (discarding what it sends): the
  // peer has then read everything we wrote, which is the only acknowledgement a plain TCP syslog
  // receiver gives.
  Result<void> FinishAndAwaitClose(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  explicit TcpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Time until `deadline`, at least 1 ms, so an expired deadline still gives an operation a chance
// to complete from what is already buffered.
std::chrono::milliseconds TimeLeft(std::chrono::steady_clock::time_point deadline);

}  // namespace citadel::audit::sinks
