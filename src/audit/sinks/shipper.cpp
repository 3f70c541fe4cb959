#include "audit/sinks/shipper.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stop_token>
#include <thread>

#include "audit/sinks/outbox.h"

namespace citadel::audit::sinks {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One step of shipping: the next batch after `shipped`, sent and acknowledged, cursor advanced.
// Returns how many records went out (0: caught up).
Result<size_t> ShipBatch(Outbox& outbox, Sink& sink, size_t batch_size, uint64_t& shipped) {
  CITADEL_ASSIGN_OR_RETURN(const std::vector<StoredRecord> batch, outbox.ReadAfter(shipped, batch_size));
  if (batch.empty()) return size_t{0};
  CITADEL_RETURN_IF_ERROR(sink.Send(batch));
  // The sink has the batch; if this write fails the batch is simply sent again later.
  CITADEL_RETURN_IF_ERROR(outbox.Advance(sink.name(), batch.back().seq, NowMs()));
  shipped = batch.back().seq;
  return batch.size();
}

}  // namespace

class Shipper::Worker {
 public:
  Worker(Outbox outbox, std::unique_ptr<Sink> sink, ShipperOptions options, uint64_t shipped)
      : outbox_(std::move(outbox)), sink_(std::move(sink)), options_(options) {
    stats_.sink = sink_->name();
    stats_.shipped_seq = shipped;
  }

  void Launch() {
    thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
  }
  void RequestStop() { thread_.request_stop(); }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  void Notify() {
    {
      std::lock_guard lock(mu_);
      notified_ = true;
    }
    wake_.notify_all();
  }
  SinkStats Stats() const {
    std::lock_guard lock(mu_);
    return stats_;
  }

 private:
  void Run(std::stop_token stop) {
    uint64_t shipped = Stats().shipped_seq;
    std::chrono::milliseconds backoff = options_.initial_backoff;
    while (!stop.stop_requested()) {
      const auto last = outbox_.LastSeq();
      auto sent = last ? ShipBatch(outbox_, *sink_, options_.batch_size, shipped) : Result<size_t>(last.error());
      {
        std::lock_guard lock(mu_);
        stats_.shipped_seq = shipped;
        if (last) stats_.last_seq = std::max(*last, shipped);
        stats_.lag_records = stats_.last_seq - stats_.shipped_seq;
        if (sent) {
          stats_.consecutive_failures = 0;
          stats_.shipped_records_total += *sent;
        } else {
          ++stats_.consecutive_failures;
          ++stats_.failures_total;
          stats_.last_error = OneLine(sent.error().message);
        }
      }
      if (sent && *sent == options_.batch_size) {
        backoff = options_.initial_backoff;
        continue;  // a full batch: more may be waiting
      }
      std::chrono::milliseconds wait = options_.poll_interval;
      if (sent) {
        backoff = options_.initial_backoff;
      } else {
        wait = backoff;
        backoff = std::min(backoff * 2, options_.max_backoff);
      }
      std::unique_lock lock(mu_);
      // A notification cuts an idle wait short, never a back-off: a down sink is not retried
      // faster because the server is busy.
      wake_.wait_for(lock, stop, wait, [this, &sent] { return sent && notified_; });
      notified_ = false;
    }
  }

  Outbox outbox_;                 // used by the thread only
  std::unique_ptr<Sink> sink_;    // used by the thread only
  const ShipperOptions options_;
  mutable std::mutex mu_;
  std::condition_variable_any wake_;
  bool notified_ = false;  // guarded by mu_
  SinkStats stats_;        // guarded by mu_
  std::jthread thread_;    // last: joined before the members it uses are destroyed
};

Shipper::Shipper(std::vector<std::unique_ptr<Worker>> workers) : workers_(std::move(workers)) {}

Shipper::~Shipper() { Stop(); }

Result<std::unique_ptr<Shipper>> Shipper::Start(const std::string& audit_db_path,
                                                std::vector<std::unique_ptr<Sink>> sinks, ShipperOptions options) {
  if (options.batch_size == 0) return Err("shipper: batch_size must be at least 1");
  if (options.initial_backoff.count() <= 0 || options.max_backoff < options.initial_backoff) {
    return Err("shipper: back-off must be positive and max_backoff >= initial_backoff");
  }
  std::set<std::string> names;
  std::vector<std::unique_ptr<Worker>> workers;
  for (auto& sink : sinks) {
    if (!sink) return Err("shipper: null sink");
    if (!names.insert(sink->name()).second) return Err("shipper: two sinks named '{}'", sink->name());
    CITADEL_ASSIGN_OR_RETURN(Outbox outbox, Outbox::Open(audit_db_path));
    CITADEL_ASSIGN_OR_RETURN(const uint64_t shipped, outbox.ShippedSeq(sink->name()));
    workers.push_back(std::make_unique<Worker>(std::move(outbox), std::move(sink), options, shipped));
  }
  // Threads start only once every sink is ready, so a failed Start leaves nothing running.
  for (auto& w : workers) w->Launch();
  return std::unique_ptr<Shipper>(new Shipper(std::move(workers)));
}

void Shipper::Stop() {
  for (auto& w : workers_) w->RequestStop();  // all at once: stopping takes the slowest Send, not the sum
  for (auto& w : workers_) w->Join();
}

void Shipper::Notify() {
  for (auto& w : workers_) w->Notify();
}

ShipperStats Shipper::Stats() const {
  ShipperStats out;
  for (const auto& w : workers_) out.sinks.push_back(w->Stats());
  return out;
}

Result<uint64_t> Shipper::ShipPending(const std::string& audit_db_path, Sink& sink, size_t batch_size) {
  if (batch_size == 0) return Err("shipper: batch_size must be at least 1");
  CITADEL_ASSIGN_OR_RETURN(Outbox outbox, Outbox::Open(audit_db_path));
  CITADEL_ASSIGN_OR_RETURN(uint64_t shipped, outbox.ShippedSeq(sink.name()));
  for (;;) {
    CITADEL_ASSIGN_OR_RETURN(const size_t sent, ShipBatch(outbox, sink, batch_size, shipped));
    if (sent < batch_size) return shipped;
  }
}

}  // namespace citadel::audit::sinks
