#include "server/http_wire.h"

#include <fmt/format.h>

namespace citadel::server {

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

std::string SerializeResponse(const HttpResponse& response, bool keep_alive) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nServer: citadel\r\nContent-Type: {}\r\nContent-Length: {}\r\n"
                                "Connection: {}\r\n",
                                response.status, ReasonPhrase(response.status), response.content_type,
                                response.body.size(), keep_alive ? "keep-alive" : "close");
  for (const auto& [name, value] : response.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "\r\n";
  out += response.body;
  return out;
}

std::string SerializeStreamHead(int status, std::string_view content_type) {
  return fmt::format("HTTP/1.1 {} {}\r\nServer: citadel\r\nContent-Type: {}\r\nCache-Control: no-cache\r\n"
                     "X-Accel-Buffering: no\r\nTransfer-Encoding: chunked\r\n\r\n",
                     status, ReasonPhrase(status), content_type);
}

std::string SerializeChunk(std::string_view data) {
  std::string out = fmt::format("{:x}\r\n", data.size());
  out += data;
  out += "\r\n";
  return out;
}

}  // namespace citadel::server
