#include "server/serve.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <csignal>
#include <ctime>

#include "engine/engine.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/openai_routes.h"
#include "server/router.h"
#include "server/service_context.h"

namespace citadel::server {
namespace {

namespace net = boost::asio;
using std::chrono::steady_clock;

constexpr auto kDrainPoll = std::chrono::milliseconds(20);
constexpr auto kAfterCancel = std::chrono::seconds(2);  // for cancelled generations to report back

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

// The shutdown sequence, driven by a timer on the I/O thread.
class Drain {
 public:
  Drain(net::io_context& io, HttpServer& http, ServiceContext& context, std::chrono::milliseconds grace)
      : io_(io), http_(http), context_(context), timer_(io), grace_(grace) {}

  void Begin() {
    if (context_.draining) return Cancel();  // a second signal: do not wait
    context_.draining = true;
    context_.engine.StopAccepting();
    http_.StopAccepting();
    deadline_ = steady_clock::now() + grace_;
    Poll();
  }

 private:
  void Cancel() {
    if (cancelled_) return;
    cancelled_ = true;
    http_.CloseAll();  // each open generation's client-gone callback cancels it in the engine
    deadline_ = steady_clock::now() + kAfterCancel;
  }

  void Poll() {
    // Done when every generation has reported back and every connection has flushed and closed.
    if (context_.in_flight == 0 && http_.connections() == 0) return io_.stop();
    if (steady_clock::now() >= deadline_) {
      if (cancelled_) return io_.stop();
      Cancel();
    }
    timer_.expires_after(kDrainPoll);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) Poll();
    });
  }

  net::io_context& io_;
  HttpServer& http_;
  ServiceContext& context_;
  net::steady_timer timer_;
  std::chrono::milliseconds grace_;
  steady_clock::time_point deadline_;
  bool cancelled_ = false;
};

}  // namespace

Result<void> Serve(const ServerConfig& config, ServeModel model, const std::function<void(const std::string&)>& on_listening) {
  // Declared before the io_context: work still queued there at exit refers to them.
  Metrics metrics;
  ServiceContext context{.engine = *model.engine,
                         .tokenizer = *model.tokenizer,
                         .chat = model.chat,
                         .model_id = model.id,
                         .created = static_cast<int64_t>(std::time(nullptr)),
                         .metrics = metrics,
                         .render_options = model.render_options};
  Router router(metrics);
  AddRoutes(router, context);

  net::io_context io(1);
  const HttpLimits limits{.max_body_bytes = static_cast<size_t>(config.max_body_bytes),
                          .max_header_bytes = static_cast<size_t>(config.max_header_bytes),
                          .idle_timeout = Millis(config.idle_timeout_s),
                          .read_timeout = Millis(config.read_timeout_s),
                          .write_timeout = Millis(config.write_timeout_s),
                          .max_connections = config.max_connections};
  auto http = HttpServer::Create(io, config.host, static_cast<uint16_t>(config.port), limits,
                                 [&router](const std::shared_ptr<Exchange>& ex) { router.Handle(ex); });
  if (!http) return std::move(http).error();
  Drain drain(io, **http, context, Millis(config.shutdown_timeout_s));
  net::signal_set signals(io, SIGINT, SIGTERM);
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      drain.Begin();
      wait_signal();
    });
  };
  wait_signal();
  on_listening((*http)->address());
  io.run();
  // The engine goes first: its destructor cancels and drops every sink, which hold connections
  // whose sockets belong to `io`.
  model.engine.reset();
  return Ok();
}

}  // namespace citadel::server
