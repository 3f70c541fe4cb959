#include "server/event_pipe.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace citadel::server {

namespace asio = boost::asio;

std::shared_ptr<EventPipe> EventPipe::Create(asio::any_io_executor executor) {
  return std::shared_ptr<EventPipe>(new EventPipe(std::move(executor)));
}

engine::EventSink EventPipe::Sink() {
  return [self = shared_from_this()](engine::Event&& event) {
    {
      std::lock_guard lock(self->mutex_);
      self->events_.push_back(std::move(event));
    }
    // The waiter runs on the timer's executor, so the wake-up cannot slip between its check of the
    // queue and the start of its wait.
    asio::post(self->timer_.get_executor(), [self] { self->timer_.cancel(); });
  };
}

asio::awaitable<engine::Event> EventPipe::Next() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (!events_.empty()) {
        engine::Event event = std::move(events_.front());
        events_.pop_front();
        co_return event;
      }
    }
    timer_.expires_at(asio::steady_timer::time_point::max());
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace citadel::server
