#include "guard/authn/http_fetch.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "guard/authn/loopback_server.h"

namespace citadel::guard {
namespace {

using namespace std::chrono_literals;

HttpFetchOptions Fast() { return HttpFetchOptions{.timeout = 2000ms}; }

TEST(HttpFetch, ReturnsTheBodyOf200) {
  testing::LoopbackServer server;
  const Result<std::string> body = HttpGet(server.Url("/ok"), Fast());
  ASSERT_TRUE(body.has_value()) << body.error().message;
  EXPECT_EQ(*body, "{\"ok\":true}");
  EXPECT_EQ(HttpGet(server.Url("/eof"), Fast()).value_or("failed"), "{\"eof\":true}");
  // The bound fetcher does the same.
  EXPECT_EQ(*MakeHttpFetcher(Fast())(server.Url("/ok")), "{\"ok\":true}");
}

TEST(HttpFetch, RefusesNon200IncludingRedirects) {
  testing::LoopbackServer server;
  for (const char* path : {"/missing", "/redirect"}) {
    const Result<std::string> body = HttpGet(server.Url(path), Fast());
    ASSERT_FALSE(body.has_value()) << path;
    EXPECT_NE(body.error().message.find("HTTP status"), std::string::npos) << body.error().message;
  }
}

TEST(HttpFetch, RefusesAnOversizedBody) {
  testing::LoopbackServer server;
  const Result<std::string> body = HttpGet(server.Url("/big"), Fast());
  ASSERT_FALSE(body.has_value());
  EXPECT_NE(body.error().message.find("larger than"), std::string::npos) << body.error().message;
}

TEST(HttpFetch, TimesOutOnASilentServer) {
  testing::LoopbackServer server;
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
