#include "server/http_server.h"

#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cerrno>
#include <deque>
#include <map>
#include <optional>

#include "server/error_response.h"
#include "server/http_wire.h"

namespace citadel::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

class Session;

}  // namespace

struct HttpServer::State {
  State(net::io_context& io_context, HttpLimits l, Handler h)
      : io(io_context), acceptor(io_context), limits(l), handler(std::move(h)) {}
  net::io_context& io;
  tcp::acceptor acceptor;
  HttpLimits limits;
  Handler handler;
  bool stopping = false;
  std::map<Session*, std::weak_ptr<Session>> sessions;  // every open connection
};

namespace {

// One connection: reads requests one after another and serves each through one Exchange.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::State> state)
      : stream_(std::move(socket)), state_(std::move(state)) {}
  ~Session() { state_->sessions.erase(this); }

  void Start() {
    state_->sessions[this] = weak_from_this();
    ReadHeader();
  }

  bool in_exchange() const { return in_exchange_; }
  bool Current(uint64_t seq) const { return in_exchange_ && seq == seq_ && !closed_; }

  // The client is gone (or the server gives up on it): the handler's callback runs once.
  void ClientGone() {
    if (in_exchange_ && !gone_) {
      gone_ = true;
      if (auto callback = std::move(on_gone_)) callback();
    }
    Close();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  // --- what ExchangeImpl forwards ---
  void Respond(uint64_t seq, const HttpResponse& response) {
    if (!Current(seq) || streaming_ || ending_) return;
    ending_ = true;
    keep_alive_ = keep_alive_ && !state_->stopping;
    Queue(SerializeResponse(response, keep_alive_));
  }
  void StartStream(uint64_t seq, int status, const std::string& content_type) {
    if (!Current(seq) || streaming_ || ending_) return;
    streaming_ = true;
    Queue(SerializeStreamHead(status, content_type));
  }
  void Write(uint64_t seq, std::string data) {
    if (!Current(seq) || !streaming_ || ending_ || data.empty()) return;
    Queue(SerializeChunk(data));
  }
  void EndStream(uint64_t seq) {
    if (!Current(seq) || !streaming_ || ending_) return;
    ending_ = true;
    keep_alive_ = keep_alive_ && !state_->stopping;
    Queue(std::string(kLastChunk));
  }
  void OnClientGone(uint64_t seq, std::function<void()> callback) {
    if (Current(seq)) on_gone_ = std::move(callback);
  }
  void Post(std::function<void()> task) { net::post(stream_.get_executor(), std::move(task)); }

 private:
  void ReadHeader() {
    if (state_->stopping || closed_) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(state_->limits.max_header_bytes));
    parser_->body_limit(state_->limits.max_body_bytes);
    stream_.expires_after(state_->limits.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    if (auto length = parser_->content_length(); length && *length > state_->limits.max_body_bytes) {
      return Reject(413, fmt::format("the request body ({} bytes) is larger than the limit of {} bytes", *length,
                                     state_->limits.max_body_bytes));
    }
    stream_.expires_after(state_->limits.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  void OnBody(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    Dispatch();
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::header_limit) return Reject(431, "the request's header fields are too large");
    if (ec == http::error::body_limit) return Reject(413, "the request body is larger than the server's limit");
    if (ec.category() == http::make_error_code(http::error::bad_method).category() && ec != http::error::end_of_stream &&
        ec != http::error::partial_message) {
      return Reject(400, fmt::format("malformed HTTP request: {}", ec.message()));
    }
    Close();  // end of stream, timeout, reset, or a request cut off: nobody to answer
  }

  // An answer to a request that could not be read whole; the connection cannot be reused.
  void Reject(int status, const std::string& message) {
    in_exchange_ = true;
    ++seq_;
    keep_alive_ = false;
    ending_ = true;
    streaming_ = false;
    Queue(SerializeResponse(ErrorResponse({.status = status, .message = message}), false));
  }

  void Dispatch();
  void WatchForClientGone(uint64_t seq);

  void Queue(std::string bytes) {
    out_.push_back(std::move(bytes));
    if (!writing_) DoWrite();
  }

  void DoWrite() {
    if (closed_) return;
    writing_ = true;
    stream_.expires_after(state_->limits.write_timeout);
    net::async_write(stream_, net::buffer(out_.front()),
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    writing_ = false;
    if (ec) return ClientGone();
    out_.pop_front();
    if (!out_.empty()) return DoWrite();
    stream_.expires_never();  // a stream may wait a long time for its next tokens
    if (!ending_) return;
    // The exchange is over.
    in_exchange_ = streaming_ = ending_ = false;
    on_gone_ = nullptr;
    if (!keep_alive_) return Close();
    ReadHeader();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpServer::State> state_;
  uint64_t seq_ = 0;  // numbers the exchanges, so a late call from an old one is ignored
  bool in_exchange_ = false, streaming_ = false, ending_ = false, keep_alive_ = false;
  bool gone_ = false, closed_ = false, writing_ = false;
  std::function<void()> on_gone_;
  std::deque<std::string> out_;  // serialized bytes waiting to be written, in order
};

class ExchangeImpl : public Exchange {
 public:
  ExchangeImpl(std::shared_ptr<Session> session, uint64_t seq, HttpRequest request)
      : session_(std::move(session)), seq_(seq), request_(std::move(request)) {}
  // A handler that dropped its exchange without answering still answers the client.
  ~ExchangeImpl() override {
    if (session_->Current(seq_) && !ended_) {
      session_->Respond(seq_, ErrorResponse({.status = 500, .message = "the request was dropped without a response",
                                             .type = "server_error"}));
    }
  }
  const HttpRequest& request() const override { return request_; }
  void Respond(HttpResponse response) override {
    if (ended_) return;
    ended_ = true;
    session_->Respond(seq_, response);
  }
  void StartStream(int status, std::string content_type) override { session_->StartStream(seq_, status, content_type); }
  void Write(std::string data) override { session_->Write(seq_, std::move(data)); }
  void EndStream() override {
    if (ended_) return;
    ended_ = true;
    session_->EndStream(seq_);
  }
  void OnClientGone(std::function<void()> callback) override { session_->OnClientGone(seq_, std::move(callback)); }
  bool ended() const override { return ended_ || !session_->Current(seq_); }
  void Post(std::function<void()> task) override { session_->Post(std::move(task)); }

 private:
  std::shared_ptr<Session> session_;
  uint64_t seq_;
  HttpRequest request_;
  bool ended_ = false;
};

void Session::Dispatch() {
  auto& req = parser_->get();
  HttpRequest request;
  request.method = std::string(req.method_string());
  request.target = std::string(req.target());
  request.path = request.target.substr(0, request.target.find('?'));
  for (const auto& field : req) request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  request.body = std::move(req.body());
  keep_alive_ = req.keep_alive();
  stream_.expires_never();  // generation time is not bounded by the transport
  in_exchange_ = true;
  gone_ = streaming_ = ending_ = false;
  const uint64_t seq = ++seq_;
  auto exchange = std::make_shared<ExchangeImpl>(shared_from_this(), seq, std::move(request));
  WatchForClientGone(seq);
  try {
    state_->handler(exchange);
  } catch (const std::exception& e) {
    exchange->Respond(ErrorResponse({.status = 500, .message = e.what(), .type = "server_error"}));
  }
}

// Waits for the socket to become readable while a request is served: end of stream or an error
// there means the client left, and its generation is cancelled at once rather than at the next
// write. Bytes of a pipelined next request end the watch (they are read after this exchange).
void Session::WatchForClientGone(uint64_t seq) {
  stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this(), seq](beast::error_code ec) {
    if (!self->Current(seq)) return;
    if (ec) return self->ClientGone();
    char byte = 0;
    const ssize_t n = ::recv(self->stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return self->ClientGone();
    if (n < 0) self->WatchForClientGone(seq);
  });
}

void Accept(const std::shared_ptr<HttpServer::State>& state) {
  state->acceptor.async_accept(state->io, [state](beast::error_code ec, tcp::socket socket) {
    if (!state->acceptor.is_open()) return;
    if (!ec) {
      if (static_cast<int>(state->sessions.size()) >= state->limits.max_connections) {
        // Over the cap: a best-effort 503 without waiting on the client, then close.
        const std::string reply =
            SerializeResponse(ErrorResponse({.status = 503, .message = "too many connections", .type = "server_error",
                                             .code = "service_unavailable", .retry_after_seconds = 1}),
                              false);
        socket.non_blocking(true, ec);
        socket.write_some(net::buffer(reply), ec);
        socket.shutdown(tcp::socket::shutdown_both, ec);
        socket.close(ec);
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(socket), state)->Start();
      }
    }
    Accept(state);
  });
}

}  // namespace

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return value;
  }
  return {};
}

Result<std::unique_ptr<HttpServer>> HttpServer::Create(net::io_context& io, const std::string& host, uint16_t port,
                                                       const HttpLimits& limits, Handler handler) {
  auto state = std::make_shared<State>(io, limits, std::move(handler));
  beast::error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) return Err("cannot resolve '{}': {}", host, ec.message());
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  auto& acceptor = state->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Err("cannot listen on {}:{}: {}", host, port, ec.message());
  Accept(state);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(state)));
}

HttpServer::HttpServer(std::shared_ptr<State> state) : state_(std::move(state)) {}

HttpServer::~HttpServer() {
  beast::error_code ec;
  state_->acceptor.close(ec);
}

uint16_t HttpServer::port() const {
  beast::error_code ec;
  return state_->acceptor.local_endpoint(ec).port();
}

std::string HttpServer::address() const {
  beast::error_code ec;
  const tcp::endpoint e = state_->acceptor.local_endpoint(ec);
  const std::string ip = e.address().to_string();
  return e.address().is_v6() ? fmt::format("http://[{}]:{}", ip, e.port()) : fmt::format("http://{}:{}", ip, e.port());
}

void HttpServer::StopAccepting() {
  state_->stopping = true;
  beast::error_code ec;
  state_->acceptor.close(ec);
  for (auto& [raw, weak] : std::map(state_->sessions)) {
    if (auto session = weak.lock(); session && !session->in_exchange()) session->Close();
  }
}

void HttpServer::CloseAll() {
  for (auto& [raw, weak] : std::map(state_->sessions)) {
    if (auto session = weak.lock()) session->ClientGone();
  }
}

int HttpServer::connections() const { return static_cast<int>(state_->sessions.size()); }

}  // namespace citadel::server
