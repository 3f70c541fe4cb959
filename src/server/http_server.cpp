#include "server/http_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "server/tls_context.h"

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

// Whatever a co_await'ed call takes is a named local, never a temporary built in the co_await
// expression: g++ 12 destroys such temporaries twice.
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// A TLS connection: the same HTTP code runs over it and over a bare beast::tcp_stream. The TCP
// layer underneath (beast::get_lowest_layer) carries the timeouts, closing and the gone-watch.
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
template <class Stream>
constexpr bool kEncrypted = std::is_same_v<Stream, TlsStream>;

// How long a closing TLS connection waits for the client's close_notify after sending its own.
constexpr std::chrono::seconds kTlsShutdownTimeout{2};

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
  std::shared_ptr<TlsContext> tls;  // null: plain HTTP
  std::vector<std::thread> threads;
  std::atomic<int> connections{0};
  std::atomic<bool> stopping{false};
  bool stopped = false;

  std::mutex mutex;  // guards `streams`
  uint64_t next_stream = 0;
  struct Open {
    std::weak_ptr<beast::tcp_stream> stream;  // the TCP layer, also under TLS
    std::shared_ptr<std::atomic<bool>> idle;  // waiting for a request, not in an exchange
  };
  std::unordered_map<uint64_t, Open> streams;
  void CloseStreams(bool idle_only);

  // Lists a connection's TCP layer for CloseStreams while it is alive.
  class Registration {
   public:
    Registration(State& state, std::shared_ptr<beast::tcp_stream> stream) : state_(state) {
      std::lock_guard lock(state_.mutex);
      key_ = state_.next_stream++;
      state_.streams[key_] = {std::move(stream), idle_};
    }
    ~Registration() {
      std::lock_guard lock(state_.mutex);
      state_.streams.erase(key_);
    }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    std::atomic<bool>& idle() { return *idle_; }

   private:
    State& state_;
    std::shared_ptr<std::atomic<bool>> idle_ = std::make_shared<std::atomic<bool>>(true);
    uint64_t key_ = 0;
  };

  asio::awaitable<void> Accept();
  asio::awaitable<void> Session(tcp::socket socket);
  template <class Stream>
  asio::awaitable<void> Connection(Stream& stream, std::atomic<bool>& idle);
  template <class Stream>
  asio::awaitable<void> Exchanges(Stream& stream, std::atomic<bool>& idle);
  asio::awaitable<void> Reject(tcp::socket socket);
};

namespace {

// Watches a connection for its client leaving while an exchange is in progress: waits until the
// socket is readable, then peeks. End of stream or an error there means the client is gone; bytes
// of a pipelined next request end the watch (they are read after the exchange). Shared with the
// pending wait, which may complete after the exchange ended (then `active` is false).
//
// Under TLS the bytes may instead be the client's close_notify, with its FIN right behind: those
// bytes stay unread, so the watch then asks the kernel whether the peer has shut down its side
// (POLLRDHUP), and asks again every kTlsRecheck while the exchange lasts.
struct GoneWatch {
  static constexpr std::chrono::milliseconds kTlsRecheck{100};

  GoneWatch(bool encrypted, std::function<void()> on_gone) : encrypted(encrypted), callback(std::move(on_gone)) {}
  bool active = true;
  const bool encrypted;
  std::function<void()> callback;
  std::optional<asio::steady_timer> recheck;  // TLS only, made on first use

  static void Arm(const std::shared_ptr<GoneWatch>& watch, tcp::socket& socket) {
    socket.async_wait(tcp::socket::wait_read, [watch, &socket](beast::error_code ec) {
      if (!watch->active || !watch->callback) return;
      if (ec == asio::error::operation_aborted) return;  // the connection is being closed by us
      Check(watch, socket, ec);
    });
  }

 private:
  static void Check(const std::shared_ptr<GoneWatch>& watch, tcp::socket& socket, beast::error_code ec) {
    char byte = 0;
    const ssize_t n = ec ? -1 : ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) {
      if (!watch->encrypted) return;  // a pipelined request: the client is still there
      if (!PeerShutDown(socket)) return Recheck(watch, socket);
    } else if (n < 0 && !ec && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      return Arm(watch, socket);
    }
    auto callback = std::move(watch->callback);
    watch->callback = nullptr;
    callback();
  }

  static bool PeerShutDown(tcp::socket& socket) {
    pollfd p{.fd = socket.native_handle(), .events = POLLRDHUP, .revents = 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

  static void Recheck(const std::shared_ptr<GoneWatch>& watch, tcp::socket& socket) {
    if (!watch->recheck) watch->recheck.emplace(socket.get_executor());
    watch->recheck->expires_after(kTlsRecheck);
    watch->recheck->async_wait([watch, &socket](beast::error_code ec) {
      if (ec || !watch->active || !watch->callback) return;
      Check(watch, socket, {});
    });
  }
};

// The exchange of one request on a connection's stream.
template <class Stream>
class ConnectionExchange final : public Exchange {
 public:
  ConnectionExchange(Stream& stream, HttpRequest request, bool keep_alive, const ServerLimits& limits)
      : stream_(stream), request_(std::move(request)), keep_alive_(keep_alive), limits_(limits) {}
  ~ConnectionExchange() override {
    if (watch_) watch_->active = false;
  }

  void OnClientGone(std::function<void()> callback) override {
    if (!watch_) {
      if (!callback) return;
      watch_ = std::make_shared<GoneWatch>(kEncrypted<Stream>, std::move(callback));
      GoneWatch::Arm(watch_, tcp().socket());
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
    tcp().expires_after(limits_.write_timeout);
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
    tcp().expires_after(limits_.write_timeout);
    const auto [ec, n] = co_await http::async_write_header(stream_, serializer, kAwait);
    broken_ = broken_ || ec;
    co_return !broken_;
  }

  asio::awaitable<bool> WriteEvent(std::string_view chunk) override {
    if (broken_ || !streaming_) co_return false;
    tcp().expires_after(limits_.write_timeout);
    const auto framed = http::make_chunk(asio::buffer(chunk));  // named: see kAwait
    const auto [ec, n] = co_await asio::async_write(stream_, framed, kAwait);
    broken_ = broken_ || ec;
    co_return !broken_;
  }

  asio::awaitable<void> EndEvents() override {
    if (broken_ || !streaming_) co_return;
    streaming_ = false;
    tcp().expires_after(limits_.write_timeout);
    const auto last = http::make_chunk_last();
    const auto [ec, n] = co_await asio::async_write(stream_, last, kAwait);
    broken_ = broken_ || ec;
  }

  bool answered() const { return answered_; }
  bool reusable() const { return keep_alive_ && !broken_ && !streaming_; }

 private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  Stream& stream_;
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
  // A TLS client could read a 503 only after a handshake, which is work an overloaded server
  // should not take on: it is closed, and sees a failed handshake.
  if (tls) co_return;
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
  if (tls) {
    // The context current at accept; the stream refers to it, so it lives as long as this frame.
    const std::shared_ptr<asio::ssl::context> context = tls->Current();
    auto stream = std::make_shared<TlsStream>(std::move(socket), *context);
    Registration registration(*this, std::shared_ptr<beast::tcp_stream>(stream, &stream->next_layer()));
    co_await Connection(*stream, registration.idle());
  } else {
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    Registration registration(*this, stream);
    co_await Connection(*stream, registration.idle());
  }
}

template <class Stream>
asio::awaitable<void> HttpServer::State::Connection(Stream& stream, std::atomic<bool>& idle) {
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
  bool open = true;
  if constexpr (kEncrypted<Stream>) {
    // Under the read timeout, so that a client that never completes the handshake is dropped;
    // a plain-HTTP client fails it at its first bytes.
    tcp.expires_after(limits.read_timeout);
    const auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kAwait);
    open = !ec;
  }
  if (open) co_await Exchanges(stream, idle);
  if constexpr (kEncrypted<Stream>) {
    if (open && tcp.socket().is_open()) {
      tcp.expires_after(kTlsShutdownTimeout);  // a client that never answers our close_notify
      co_await stream.async_shutdown(kAwait);
    }
  }
  beast::error_code ignored;
  tcp.socket().shutdown(tcp::socket::shutdown_send, ignored);
  tcp.close();
}

template <class Stream>
asio::awaitable<void> HttpServer::State::Exchanges(Stream& stream, std::atomic<bool>& idle) {
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
  beast::error_code peer_ec;
  const tcp::endpoint remote = tcp.socket().remote_endpoint(peer_ec);
  const std::string peer = peer_ec ? std::string() : remote.address().to_string();
  beast::flat_buffer buffer;
  for (bool first = true; !stopping; first = false) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    // Waiting for a request's first bytes may take the idle timeout (keep-alive); once they come,
    // the whole request must arrive within the read timeout.
    tcp.expires_after(first ? limits.read_timeout : limits.idle_timeout);
    idle.store(true);
    if (stopping) break;
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kAwait);
    idle.store(false);
    if (!ec) {
      tcp.expires_after(limits.read_timeout);
      std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, kAwait);
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
      ConnectionExchange ex(stream, HttpRequest{}, false, limits);
      co_await ex.Respond(error);
      // The client may still be sending the body we refused: read and drop it for a while, so that
      // closing does not reset the connection before the client has read our answer. Under TLS
      // the dropped bytes are records nobody decrypts, and the close_notify is skipped.
      beast::error_code ignored;
      tcp.socket().shutdown(tcp::socket::shutdown_send, ignored);
      tcp.expires_after(std::chrono::seconds(2));
      std::array<char, 16384> sink;
      for (size_t drained = 0; drained < 64 * 1024 * 1024;) {
        const auto sink_buffer = asio::buffer(sink);
        const auto [read_ec, got] = co_await tcp.async_read_some(sink_buffer, kAwait);
        if (read_ec) break;
        drained += got;
      }
      tcp.close();
      break;
    }
    const http::request<http::string_body>& req = parser.get();
    HttpRequest request = ToRequest(req);
    request.client_address = peer;
    ConnectionExchange ex(stream, std::move(request), req.keep_alive() && !stopping, limits);
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
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& host, uint16_t port, const ServerLimits& limits,
                                                      Handler handler, const TlsSettings& tls) {
  auto state = std::make_shared<State>();
  state->limits = limits;
  state->handler = std::move(handler);
  if (tls.enabled()) {
    auto context = TlsContext::Create(tls);
    if (!context) return context.error().Wrap("tls");
    state->tls = std::move(*context);
  }
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
bool HttpServer::tls() const { return state_->tls != nullptr; }

Result<void> HttpServer::ReloadTls() {
  if (!state_->tls) return Err("TLS is not configured");
  return state_->tls->Reload();
}

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
