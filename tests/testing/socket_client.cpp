#include "testing/socket_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "core/check.h"

namespace citadel::testing {

SocketClient::SocketClient(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CITADEL_CHECK(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  timeval tv{.tv_sec = 0, .tv_usec = 100000};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

SocketClient::~SocketClient() { Close(); }

void SocketClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void SocketClient::Send(std::string_view bytes) {
  CITADEL_CHECK(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) >= 0);
}

ssize_t SocketClient::Receive(char* buffer, size_t size) { return ::recv(fd_, buffer, size, 0); }

std::string SocketClient::ReadUntil(std::string_view needle) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (received_.find(needle) == std::string::npos && !closed_ && std::chrono::steady_clock::now() < deadline) {
    char buf[4096];
    const ssize_t n = Receive(buf, sizeof(buf));
    if (n == 0) closed_ = true;
    if (n > 0) received_.append(buf, static_cast<size_t>(n));
  }
  return received_;
}

std::string SocketClient::ReadToClose() { return ReadUntil("\x01(never)\x01"); }

}  // namespace citadel::testing
