#pragma once
// A blocking loopback client for server tests: sends bytes, reads until a needle appears, the
// server closes, or 5 s pass. Subclasses carry other transports (TLS) over the same socket.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace citadel::testing {

class SocketClient {
 public:
  explicit SocketClient(uint16_t port);  // connects to 127.0.0.1:port; aborts when it cannot
  virtual ~SocketClient();
  SocketClient(const SocketClient&) = delete;
  SocketClient& operator=(const SocketClient&) = delete;

  void Close();
  virtual void Send(std::string_view bytes);
  std::string ReadUntil(std::string_view needle);  // everything received so far
  std::string ReadToClose();
  bool closed() const { return closed_; }

 protected:
  // Reads what is there: a count, 0 when the server closed, < 0 when nothing came for 100 ms.
  virtual ssize_t Receive(char* buffer, size_t size);
  int fd() const { return fd_; }

 private:
  int fd_;
  std::string received_;
  bool closed_ = false;
};

}  // namespace citadel::testing
