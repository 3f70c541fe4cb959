#pragma once
// Applies the audit retention settings while the server runs: at start and then every six hours,
// content older than content_retention_days and records older than retention_days are purged
// (AuditStore::Purge, which keeps the chain verifiable and audits itself).

#include <condition_variable>
#include <mutex>
#include <thread>

#include "server/audit_writer.h"

namespace citadel::server {

int64_t NowMs();

class RetentionJob {
 public:
  // Does nothing when the writer keeps no trail.
  RetentionJob(AuditWriter& writer, const AuditSettings& settings);
  ~RetentionJob();  // stops and joins
  RetentionJob(const RetentionJob&) = delete;
  RetentionJob& operator=(const RetentionJob&) = delete;

 private:
  void Run(AuditWriter& writer, AuditSettings settings);

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace citadel::server
