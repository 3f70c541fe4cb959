#include "server/http_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace citadel::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string_view HttpRequest::Header(std::string_view name) const {
  const auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string_view() : std::string_view(it->second);
}

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

std::string ErrorBody(std::string_view message, std::string_view type, std::string_view code) {
  // Kept here (not in api/) because the server answers malformed HTTP before any route runs; the
  // shape is OpenAI's error object. Messages are fixed strings without quotes or backslashes.
  return fmt::format(R"({{"error":{{"message":"{}","type":"{}","param":null,"code":"{}"}}}})", message, type, code);
}

}  // namespace

struct HttpServer::State : std::enable_shared_from_this<HttpServer::State> {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  ServerLimits limits;
  Handler handler;
  std::vector<std::thread> threads;
  std::atomic<int> connections{0};
  std::atomic<bool> stopping{false};
  bool stopped = false;

  std::mutex mutex;  // guards `streams`
  uint64_t next_stream = 0;
  struct Open {
    std::weak_ptr<beast::tcp_stream> stream;
    std::shared_ptr<std::atomic<bool>> idle;  // waiting for a request, not in an exchange
  };
  std::unordered_map<uint64_t, Open> streams;
  void CloseStreams(bool idle_only);

  asio::awaitable<void> Accept();
  asio::awaitable<void> Session(tcp::socket socket);
  asio::awaitable<void> Reject(tcp::socket socket);
};

namespace {

// Watches a connection for its client leaving while an exchange is in progress: waits until the
// socket is readable, then peeks. End of stream or an error there means the client is gone; bytes
// of a pipelined next request end the watch (they are read after the exchange). Shared with the
// pending wait, which may complete after the exchange ended (then `active` is false).
struct GoneWatch {
  bool active = true;
  std::function<void()> callback;

  static void Arm(const std::shared_ptr<GoneWatch>& watch, tcp::socket& socket) {
    socket.async_wait(tcp::socket::wait_read, [watch, &socket](beast::error_code ec) {
      if (!watch->active || !watch->callback) return;
      char byte = 0;
      const ssize_t n = ec ? -1 : ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n > 0) return;  // a pipelined request: the client is still there
      if (n < 0 && !ec && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return Arm(watch, socket);
      if (ec == asio::error::operation_aborted) return;  // the connection is being closed by us
      auto callback = std::move(watch->callback);
      watch->callback = nullptr;
      callback();
    });
  }
};

// The exchange of one request on a connection's stream.
class ConnectionExchange final : public Exchange {
 public:
  ConnectionExchange(beast::tcp_stream& stream, HttpRequest request, bool keep_alive, const ServerLimits& limits)
      : stream_(stream), request_(std::move(request)), keep_alive_(keep_alive), limits_(limits) {}
  ~ConnectionExchange() override {
    if (watch_) watch_->active = false;
  }

  void OnClientGone(std::function<void()> callback) override {
    if (!watch_) {
      if (!callback) return;
      watch_ = std::make_shared<GoneWatch>();
      watch_->callback = std::move(callback);
      GoneWatch::Arm(watch_, stream_.socket());
      return;
    }
    watch_->callback = std::move(callback);
  }

  const HttpRequest& request() const override { return request_; }
  asio::any_io_executor executor() const override { return stream_.get_executor(); }

  asio::awaitable<void> Respond(const HttpResponse& r) override {
    if (answered_) co_return;
    answered_ = true;
    http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
    res.set(http::field::server, "citadel");
    res.set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) res.set(name, value);
    res.keep_alive(keep_alive_);
    res.body() = r.body;
    res.prepare_payload();
    stream_.expires_after(limits_.write_timeout);
    const auto [ec, n] = co_await http::async_write(stream_, res, kAwait);
    if (ec) broken_ = true;
  }

  asio::awaitable<bool> StartEvents() override {
    if (answered_) co_return false;
    answered_ = true;
    streaming_ = true;
    http::response<http::empty_body> res{http::status::ok, 11};
    res.set(http::field::server, "citadel");
    res.set(http::field::content_type, "text/event-stream");
    res.set(http::field::cache_control, "no-cache");
    res.keep_alive(keep_alive_);
    res.chunked(true);
    http::response_serializer<http::empty_body> serializer{res};
    stream_.expires_after(limits_.write_timeout);
    const auto [ec, n] = co_await http::async_write_header(stream_, serializer, kAwait);
    broken_ = broken_ || ec;
    co_return !broken_;
  }

  asio::awaitable<bool> WriteEvent(std::string_view chunk) override {
    if (broken_ || !streaming_) co_return false;
    stream_.expires_after(limits_.write_timeout);
    const auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk(asio::buffer(chunk)), kAwait);
    broken_ = broken_ || ec;
    co_return !broken_;
  }

  asio::awaitable<void> EndEvents() override {
    if (broken_ || !streaming_) co_return;
    streaming_ = false;
    stream_.expires_after(limits_.write_timeout);
    const auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk_last(), kAwait);
    broken_ = broken_ || ec;
  }

  bool answered() const { return answered_; }
  bool reusable() const { return keep_alive_ && !broken_ && !streaming_; }

 private:
  beast::tcp_stream& stream_;
  HttpRequest request_;
  bool keep_alive_;
  const ServerLimits& limits_;
  bool answered_ = false, streaming_ = false, broken_ = false;
  std::shared_ptr<GoneWatch> watch_;  // armed by the first OnClientGone
};

HttpRequest ToRequest(const http::request<http::string_body>& req) {
  HttpRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  out.path = out.target.substr(0, out.target.find('?'));
  for (const auto& field : req) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    out.headers[name] = std::string(field.value());
  }
  out.body = req.body();
  return out;
}

}  // namespace

asio::awaitable<void> HttpServer::State::Accept() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io), kAwait);
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping) co_return;
      continue;  // e.g. too many open files: keep serving the connections we have
    }
    auto self = shared_from_this();
    if (connections.load() >= limits.max_connections) {
      asio::co_spawn(socket.get_executor(), Reject(std::move(socket)), asio::detached);
      continue;
    }
    ++connections;
    asio::co_spawn(socket.get_executor(), Session(std::move(socket)),
                   [self](std::exception_ptr) { --self->connections; });
  }
}

asio::awaitable<void> HttpServer::State::Reject(tcp::socket socket) {
  auto self = shared_from_this();
  beast::tcp_stream stream(std::move(socket));
  http::response<http::string_body> res{http::status::service_unavailable, 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::retry_after, "1");
  res.keep_alive(false);
  res.body() = ErrorBody("too many connections", "server_error", "too_many_connections");
  res.prepare_payload();
  stream.expires_after(std::chrono::seconds(5));
  co_await http::async_write(stream, res, kAwait);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> HttpServer::State::Session(tcp::socket socket) {
  auto self = shared_from_this();
  beast::error_code peer_ec;
  const tcp::endpoint remote = socket.remote_endpoint(peer_ec);
  const std::string peer = peer_ec ? std::string() : remote.address().to_string();
  auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
  auto idle = std::make_shared<std::atomic<bool>>(true);
  uint64_t key;
  {
    std::lock_guard lock(mutex);
    key = next_stream++;
    streams[key] = {stream, idle};
  }
  beast::flat_buffer buffer;
  for (bool first = true; !stopping; first = false) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    // Waiting for a request's first bytes may take the idle timeout (keep-alive); once they come,
    // the whole request must arrive within the read timeout.
    stream->expires_after(first ? limits.read_timeout : limits.idle_timeout);
    idle->store(true);
    if (stopping) break;
    auto [ec, n] = co_await http::async_read_header(*stream, buffer, parser, kAwait);
    idle->store(false);
    if (!ec) {
      stream->expires_after(limits.read_timeout);
      std::tie(ec, n) = co_await http::async_read(*stream, buffer, parser, kAwait);
    }
    if (ec) {
      HttpResponse error;
      if (ec == http::error::body_limit) {
        error = {413, "application/json", ErrorBody("request body too large", "invalid_request_error", "body_too_large")};
      } else if (ec == http::error::header_limit) {
        error = {431, "application/json", ErrorBody("request headers too large", "invalid_request_error", "headers_too_large")};
      } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
                 ec != http::error::end_of_stream && ec != http::error::partial_message) {
        error = {400, "application/json", ErrorBody("malformed HTTP request", "invalid_request_error", "bad_request")};
      } else {
        break;  // closed, timed out, or cut off mid-request: nothing to answer
      }
      ConnectionExchange ex(*stream, HttpRequest{}, false, limits);
      co_await ex.Respond(error);
      // The client may still be sending the body we refused: read and drop it for a while, so that
      // closing does not reset the connection before the client has read our answer.
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream->expires_after(std::chrono::seconds(2));
      std::array<char, 16384> sink;
      for (size_t drained = 0; drained < 64 * 1024 * 1024;) {
        const auto [read_ec, got] = co_await stream->async_read_some(asio::buffer(sink), kAwait);
        if (read_ec) break;
        drained += got;
      }
      break;
    }
    const http::request<http::string_body>& req = parser.get();
    HttpRequest request = ToRequest(req);
    request.client_address = peer;
    ConnectionExchange ex(*stream, std::move(request), req.keep_alive() && !stopping, limits);
    try {
      co_await handler(ex);
    } catch (...) {
      // Handlers answer their own errors; anything that escapes still gets a 500 below.
    }
    if (!ex.answered()) {
      const HttpResponse internal{500, "application/json", ErrorBody("internal error", "server_error", "internal_error"), {}};
      co_await ex.Respond(internal);
    }
    if (!ex.reusable()) break;
  }
  beast::error_code ignored;
  stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream->close();
  std::lock_guard lock(mutex);
  streams.erase(key);
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& host, uint16_t port, const ServerLimits& limits,
                                                      Handler handler) {
  auto state = std::make_shared<State>();
  state->limits = limits;
  state->handler = std::move(handler);
  beast::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return Err("listen address '{}' is not an IP address", host);
  const tcp::endpoint endpoint(address, port);
  state->acceptor.open(endpoint.protocol(), ec);
  if (!ec) state->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) state->acceptor.bind(endpoint, ec);
  if (!ec) state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Err("cannot listen on {}:{}: {}", host, port, ec.message());
  asio::co_spawn(state->io, state->Accept(), asio::detached);
  for (int i = 0; i < std::max(1, limits.io_threads); ++i) {
    state->threads.emplace_back([s = state.get()] { s->io.run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(state)));
}

HttpServer::HttpServer(std::shared_ptr<State> state) : state_(std::move(state)) {}

HttpServer::~HttpServer() { Stop(std::chrono::milliseconds(0)); }

uint16_t HttpServer::port() const { return state_->acceptor.local_endpoint().port(); }
int HttpServer::open_connections() const { return state_->connections.load(); }

void HttpServer::State::CloseStreams(bool idle_only) {
  std::lock_guard lock(mutex);
  for (auto& [key, open] : streams) {
    if (idle_only && !open.idle->load()) continue;
    if (auto stream = open.stream.lock()) asio::post(stream->get_executor(), [stream] { stream->close(); });
  }
}

void HttpServer::StopAccepting() {
  if (state_->stopping.exchange(true)) return;
  // A weak reference: when Stop stops the io_context before this runs, the queued handler is
  // destroyed with the io_context, which the State owns; a strong one would keep the State (and
  // with it the io_context and the handler) alive forever.
  asio::post(state_->io, [weak = std::weak_ptr<State>(state_)] {
    if (auto s = weak.lock()) {
      beast::error_code ignored;
      s->acceptor.close(ignored);
    }
  });
  // Keep-alive connections between requests close now; busy ones after their exchange.
  state_->CloseStreams(/*idle_only=*/true);
}

bool HttpServer::WaitIdle(std::chrono::milliseconds drain) {
  const auto deadline = std::chrono::steady_clock::now() + drain;
  while (state_->connections.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return state_->connections.load() == 0;
}

bool HttpServer::Stop(std::chrono::milliseconds drain) {
  if (state_->stopped) return true;
  StopAccepting();
  const bool drained = WaitIdle(drain);
  state_->CloseStreams(/*idle_only=*/false);
  WaitIdle(std::chrono::milliseconds(1000));
  state_->io.stop();
  for (std::thread& t : state_->threads) t.join();
  state_->stopped = true;
  return drained;
}

}  // namespace citadel::server
