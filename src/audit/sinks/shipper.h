#pragma once
// Ships the audit trail to external sinks, at least once, resuming after a restart. Each sink has
// its own thread, its own outbox connection and its own cursor, so a sink that is down delays
// only itself: it is retried with exponential back-off while the others keep up. A cursor moves
// only after the sink acknowledged the batch; the records themselves never leave the trail, so a
// sink that was down for a week catches up from where it stopped.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "audit/sinks/sink.h"
#include "core/result.h"

namespace citadel::audit::sinks {

struct ShipperOptions {
  size_t batch_size = 500;                     // records per Send
  std::chrono::milliseconds poll_interval{200};  // how often an idle sink looks for new records
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{30000};  // back-off doubles per failure up to this
};

// One sink's state, for metrics (the server renders these as Prometheus gauges and counters).
struct SinkStats {
  std::string sink;                   // Sink::name()
  uint64_t shipped_seq = 0;           // the cursor: last acknowledged seq
  uint64_t last_seq = 0;              // the trail's last seq when last looked at
  uint64_t lag_records = 0;           // last_seq - shipped_seq
  uint64_t consecutive_failures = 0;  // 0 while healthy
  uint64_t shipped_records_total = 0;  // acknowledged by this process (re-sends count again)
  uint64_t failures_total = 0;
  std::string last_error;             // one line, no secrets; empty until the first failure
};

struct ShipperStats {
  std::vector<SinkStats> sinks;  // in the order the sinks were given
};

class Shipper {
 public:
  // Opens one outbox connection per sink (the database must exist), reads each cursor and starts
  // one thread per sink. Sink names must be unique: they key the cursors.
  static Result<std::unique_ptr<Shipper>> Start(const std::string& audit_db_path,
                                                std::vector<std::unique_ptr<Sink>> sinks, ShipperOptions options = {});
  Shipper(const Shipper&) = delete;
  Shipper& operator=(const Shipper&) = delete;
  ~Shipper();  // Stop()

  // Asks every thread to finish its current Send and joins them. Idempotent.
  void Stop();
  // Looks for new records now instead of at the next poll (e.g. after an append).
  void Notify();
  ShipperStats Stats() const;

  // Ships everything pending to one sink on the calling thread, then returns the sink's cursor;
  // stops at the first error (the cursor keeps what was acknowledged before it). For
  // `citadel audit ship --once`.
  static Result<uint64_t> ShipPending(const std::string& audit_db_path, Sink& sink, size_t batch_size = 500);

 private:
  class Worker;
  explicit Shipper(std::vector<std::unique_ptr<Worker>> workers);
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace citadel::audit::sinks
