// Bytes on the wire: responses, chunked framing, SSE events.

#include <gtest/gtest.h>

#include "server/http_wire.h"
#include "server/sse.h"

namespace citadel::server {
namespace {

TEST(Wire, WholeResponse) {
  const std::string bytes =
      SerializeResponse({.status = 429, .headers = {{"Retry-After", "1"}}, .body = "{}"}, /*keep_alive=*/true);
  EXPECT_EQ(bytes.rfind("HTTP/1.1 429 Too Many Requests\r\n", 0), 0u);
  EXPECT_NE(bytes.find("\r\nContent-Length: 2\r\n"), std::string::npos);
  EXPECT_NE(bytes.find("\r\nContent-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(bytes.find("\r\nConnection: keep-alive\r\n"), std::string::npos);
  EXPECT_NE(bytes.find("\r\nRetry-After: 1\r\n"), std::string::npos);
  EXPECT_TRUE(bytes.ends_with("\r\n\r\n{}"));
  EXPECT_NE(SerializeResponse({}, false).find("Connection: close"), std::string::npos);
}

TEST(Wire, StreamHeadAndChunks) {
  const std::string head = SerializeStreamHead(200, "text/event-stream");
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(head.find("Cache-Control: no-cache\r\n"), std::string::npos);
  EXPECT_TRUE(head.ends_with("\r\n\r\n"));
  EXPECT_EQ(SerializeChunk("hello"), "5\r\nhello\r\n");
  EXPECT_EQ(SerializeChunk(std::string(26, 'x')).substr(0, 4), "1a\r\n");
  EXPECT_EQ(kLastChunk, "0\r\n\r\n");
}

TEST(Sse, Events) {
  EXPECT_EQ(SseEvent("{\"a\":1}"), "data: {\"a\":1}\n\n");
  EXPECT_EQ(kSseDone, "data: [DONE]\n\n");
}

}  // namespace
}  // namespace citadel::server
