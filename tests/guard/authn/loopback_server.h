#pragma once
// A one-connection-at-a-time HTTP server on 127.0.0.1 with an ephemeral port, plain or (given an
// SSL_CTX) TLS. Paths: /ok → 200 JSON, /eof → 200 ended by closing, /missing → 404, /redirect → 302, /big → 200 with 2 MiB,
// /slow → never answers (until the server stops).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace citadel::guard::testing {

class LoopbackServer {
 public:
  explicit LoopbackServer(SSL_CTX* tls = nullptr) : tls_(tls) {
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
  ~LoopbackServer() {
    stop_ = true;
    thread_.join();
    close(listener_);
  }
  std::string Url(const std::string& path, const std::string& host = "127.0.0.1") const {
    return std::string(tls_ ? "https://" : "http://") + host + ":" + std::to_string(port_) + path;
  }

 private:
  static bool WaitReadable(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, ms) == 1;
  }
  // Plain or TLS I/O on one accepted connection.
  struct Conn {
    int fd;
    SSL* ssl;
    long Recv(char* buf, int n) { return ssl ? SSL_read(ssl, buf, n) : recv(fd, buf, static_cast<size_t>(n), 0); }
    void Send(const std::string& data) {
      for (size_t off = 0; off < data.size();) {
        const int chunk = static_cast<int>(std::min<size_t>(data.size() - off, 1 << 16));
        const long n = ssl ? SSL_write(ssl, data.data() + off, chunk) : send(fd, data.data() + off, static_cast<size_t>(chunk), MSG_NOSIGNAL);
        if (n <= 0) return;
        off += static_cast<size_t>(n);
      }
    }
  };
  void Serve(Conn& c) {
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos && (c.ssl ? SSL_pending(c.ssl) > 0 || WaitReadable(c.fd, 1000) : WaitReadable(c.fd, 1000))) {
      const long n = c.Recv(buf, sizeof buf);
      if (n <= 0) return;
      request.append(buf, static_cast<size_t>(n));
    }
    if (request.size() < 5) return;
    const std::string path = request.substr(4, request.find(' ', 4) - 4);
    if (path == "/ok") {
      c.Send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}");
    } else if (path == "/eof") {  // body delimited by closing the connection (no TLS close_notify)
      c.Send("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"eof\":true}");
    } else if (path == "/redirect") {
      c.Send("HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 0\r\n\r\n");
    } else if (path == "/big") {
      const size_t n = 2u << 20;
      c.Send("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(n) + "\r\n\r\n" + std::string(n, 'x'));
    } else if (path == "/slow") {
      for (int i = 0; i < 150 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } else {
      c.Send("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    }
  }
  void Loop() {
    while (!stop_) {
      if (!WaitReadable(listener_, 20)) continue;
      const int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      Conn c{fd, nullptr};
      if (tls_) {
        c.ssl = SSL_new(tls_);
        SSL_set_fd(c.ssl, fd);
        if (SSL_accept(c.ssl) == 1) Serve(c);  // a client that rejects our certificate ends here
        SSL_free(c.ssl);
      } else {
        Serve(c);
      }
      close(fd);
    }
  }

  SSL_CTX* tls_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace citadel::guard::testing
