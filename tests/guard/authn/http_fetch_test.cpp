#include "guard/authn/http_fetch.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace citadel::guard {
namespace {

using namespace std::chrono_literals;

// A one-connection-at-a-time HTTP server on 127.0.0.1 with an ephemeral port. Paths:
// /ok → 200 JSON, /missing → 404, /redirect → 302, /big → 200 with 2 MiB, /slow → never answers.
class TinyServer {
 public:
  TinyServer() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(listener_, 8), 0);
    socklen_t len = sizeof addr;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~TinyServer() {
    stop_ = true;
    thread_.join();
    close(listener_);
  }
  std::string Url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

 private:
  bool WaitReadable(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, ms) == 1;
  }
  void Send(int fd, const std::string& data) {
    for (size_t off = 0; off < data.size();) {
      const ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  void Loop() {
    while (!stop_) {
      if (!WaitReadable(listener_, 20)) continue;
      const int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos && WaitReadable(fd, 1000)) {
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
      }
      const std::string path = request.substr(4, request.find(' ', 4) - 4);
      if (path == "/ok") {
        Send(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}");
      } else if (path == "/redirect") {
        Send(fd, "HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 0\r\n\r\n");
      } else if (path == "/big") {
        const size_t n = 2u << 20;
        Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(n) + "\r\n\r\n" + std::string(n, 'x'));
      } else if (path == "/slow") {
        for (int i = 0; i < 150 && !stop_; ++i) std::this_thread::sleep_for(20ms);
      } else {
        Send(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
      }
      close(fd);
    }
  }

  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

HttpFetchOptions Fast() { return HttpFetchOptions{.timeout = 2000ms}; }

TEST(HttpFetch, ReturnsTheBodyOf200) {
  TinyServer server;
  const Result<std::string> body = HttpGet(server.Url("/ok"), Fast());
  ASSERT_TRUE(body.has_value()) << body.error().message;
  EXPECT_EQ(*body, "{\"ok\":true}");
  // The bound fetcher does the same.
  EXPECT_EQ(*MakeHttpFetcher(Fast())(server.Url("/ok")), "{\"ok\":true}");
}

TEST(HttpFetch, RefusesNon200IncludingRedirects) {
  TinyServer server;
  for (const char* path : {"/missing", "/redirect"}) {
    const Result<std::string> body = HttpGet(server.Url(path), Fast());
    ASSERT_FALSE(body.has_value()) << path;
    EXPECT_NE(body.error().message.find("HTTP status"), std::string::npos) << body.error().message;
  }
}

TEST(HttpFetch, RefusesAnOversizedBody) {
  TinyServer server;
  const Result<std::string> body = HttpGet(server.Url("/big"), Fast());
  ASSERT_FALSE(body.has_value());
  EXPECT_NE(body.error().message.find("larger than"), std::string::npos) << body.error().message;
}

TEST(HttpFetch, TimesOutOnASilentServer) {
  TinyServer server;
  const auto start = std::chrono::steady_clock::now();
  const Result<std::string> body = HttpGet(server.Url("/slow"), HttpFetchOptions{.timeout = 300ms});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(body.has_value());
  EXPECT_NE(body.error().message.find("timed out"), std::string::npos) << body.error().message;
  EXPECT_LT(elapsed, 1500ms);
}

TEST(HttpFetch, RefusesBadUrlsAndUnreachableHosts) {
  for (const char* url : {"ftp://127.0.0.1/x", "http://user:pw@127.0.0.1/", "http://[::1/x", "http://127.0.0.1:999999/",
                          "http:///x", "127.0.0.1/x"}) {
    EXPECT_FALSE(HttpGet(url, Fast()).has_value()) << url;
  }
  const Result<std::string> refused = HttpGet("http://127.0.0.1:1/x", Fast());
  EXPECT_FALSE(refused.has_value());
  const Result<std::string> no_ca =
      HttpGet("https://127.0.0.1:1/x", HttpFetchOptions{.timeout = 500ms, .ca_file = "/nonexistent/ca.pem"});
  ASSERT_FALSE(no_ca.has_value());
  EXPECT_NE(no_ca.error().message.find("trusted CAs"), std::string::npos) << no_ca.error().message;
}

}  // namespace
}  // namespace citadel::guard
