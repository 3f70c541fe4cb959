#include "server/retention_job.h"

#include <chrono>
#include <cstdio>

namespace citadel::server {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

RetentionJob::RetentionJob(AuditWriter& writer, const AuditSettings& settings) {
  if (!writer.enabled()) return;
  thread_ = std::thread([this, &writer, settings] { Run(writer, settings); });
}

RetentionJob::~RetentionJob() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RetentionJob::Run(AuditWriter& writer, AuditSettings settings) {
  constexpr int64_t kDayMs = 86'400'000;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const int64_t now = NowMs();
    auto report = writer.store()->Purge(now - settings.content_retention_days * kDayMs, now - settings.retention_days * kDayMs);
    if (!report) {
      std::fprintf(stderr, "citadel: audit retention: %s\n", report.error().message.c_str());
    } else if (report->content_purged > 0 || report->records_deleted > 0) {
      std::fprintf(stderr, "citadel: audit retention: content of %lld records and %lld old records purged\n",
                   static_cast<long long>(report->content_purged), static_cast<long long>(report->records_deleted));
    }
    lock.lock();
    wake_.wait_for(lock, std::chrono::hours(6), [this] { return stopping_; });
  }
}

}  // namespace citadel::server
