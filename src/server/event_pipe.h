#pragma once
// Carries engine events (produced on the engine thread) to the connection coroutine that waits for
// them. Unbounded: an event is never dropped; the engine never blocks on a slow client.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <memory>
#include <mutex>

#include "engine/engine.h"

namespace citadel::server {

class EventPipe : public std::enable_shared_from_this<EventPipe> {
 public:
  // `executor` must be the waiting coroutine's (a connection's strand).
  static std::shared_ptr<EventPipe> Create(boost::asio::any_io_executor executor);

  // Pushes from any thread; holds the pipe alive until the event is queued.
  engine::EventSink Sink();

  // The next event, waiting as long as it takes.
  boost::asio::awaitable<engine::Event> Next();

 private:
  explicit EventPipe(boost::asio::any_io_executor executor) : timer_(std::move(executor)) {}

  std::mutex mutex_;
  std::deque<engine::Event> events_;
  boost::asio::steady_timer timer_;
};

}  // namespace citadel::server
