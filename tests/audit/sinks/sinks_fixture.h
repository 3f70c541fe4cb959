#pragma once
// Shared pieces of the sink tests: a store with records in it, a scriptable in-memory sink, child
// processes for real servers (rsyslogd, postgres) and loopback ports. Header-only for the same
// reason as audit_fixture.h.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "audit/audit_fixture.h"
#include "audit/sinks/shipper.h"
#include "audit/sinks/sink.h"
#include "testing/subprocess.h"

namespace citadel::audit::sinks::testing {

using namespace std::chrono_literals;

// Records every batch it is sent; fails while `fail` is set (before anything is "delivered").
class FakeSink final : public Sink {
 public:
  explicit FakeSink(std::string name = "fake") : name_(std::move(name)) {}
  Result<void> Send(std::span<const StoredRecord> records) override {
    std::lock_guard lock(mu_);
    ++calls_;
    if (fail_) return Err("fake sink is down");
    for (const StoredRecord& r : records) seqs_.push_back(r.seq);
    for (const StoredRecord& r : records) documents_.push_back(SinkDocumentText(r));
    return Ok();
  }
  const std::string& name() const override { return name_; }

  void SetFailing(bool fail) {
    std::lock_guard lock(mu_);
    fail_ = fail;
  }
  std::vector<uint64_t> seqs() const {
    std::lock_guard lock(mu_);
    return seqs_;
  }
  std::vector<std::string> documents() const {
    std::lock_guard lock(mu_);
    return documents_;
  }
  int calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  const std::string name_;
  mutable std::mutex mu_;
  bool fail_ = false;               // guarded by mu_
  int calls_ = 0;                   // guarded by mu_
  std::vector<uint64_t> seqs_;      // guarded by mu_
  std::vector<std::string> documents_;  // guarded by mu_
};

// A Sink that forwards to one the test keeps, so the test can inspect it after handing the
// shipper ownership.
class SinkRef final : public Sink {
 public:
  explicit SinkRef(Sink& target) : target_(target) {}
  Result<void> Send(std::span<const StoredRecord> records) override { return target_.Send(records); }
  const std::string& name() const override { return target_.name(); }

 private:
  Sink& target_;
};

inline std::vector<std::unique_ptr<Sink>> One(Sink& sink) {
  std::vector<std::unique_ptr<Sink>> out;
  out.push_back(std::make_unique<SinkRef>(sink));
  return out;
}

// Fast options for tests: short polls and back-off.
inline ShipperOptions FastOptions(size_t batch_size = 50) {
  ShipperOptions o;
  o.batch_size = batch_size;
  o.poll_interval = 20ms;
  o.initial_backoff = 20ms;
  o.max_backoff = 200ms;
  return o;
}

// Polls `done` until it holds or `limit` passes; true when it held.
inline bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit = 20s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

inline SinkStats StatsOf(const Shipper& shipper) { return shipper.Stats().sinks.at(0); }

// A loopback port nobody listened on a moment ago (the server under test may still lose a race
// for it; callers retry).
inline uint16_t FreePort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

inline bool CanConnect(uint16_t port) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  return !ec;
}

// A program run through /bin/sh -c "exec ..." (so the pid is the program's), output to a log
// file; SIGTERM (or the given signal) and a wait on Stop and destruction, SIGKILL after 10 s.
class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { Stop(); }

  bool Start(const std::string& command, const std::string& log_path) {
    Stop();
    const pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
      const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (log >= 0) {
        dup2(log, 1);
        dup2(log, 2);
      }
      setpgid(0, 0);
      const std::string exec = "exec " + command;
      execl("/bin/sh", "sh", "-c", exec.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    pid_ = pid;
    return true;
  }
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }
  void Stop(int signal = SIGTERM) {
    if (pid_ <= 0) return;
    kill(pid_, signal);
    int status = 0;
    for (int i = 0; i < 1000; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(10ms);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

// The first of `candidates` that is an executable file, or "" (then the test skips).
inline std::string FindProgram(const std::vector<std::string>& candidates) {
  for (const std::string& c : candidates) {
    if (c.find('/') != std::string::npos) {
      if (access(c.c_str(), X_OK) == 0) return c;
      continue;
    }
    auto found = citadel::testing::RunCommand("command -v " + c);
    if (found.exit_code == 0 && !found.out.empty()) {
      std::string path = found.out.substr(0, found.out.find('\n'));
      if (!path.empty()) return path;
    }
  }
  return "";
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A store test fixture with a helper that appends n records (content included, so the tests can
// check that none of it is shipped).
class SinkTest : public audit::testing::StoreTest {
 protected:
  void Append(int first, int n) {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    AppendMany(*store, first, n);
  }
};

}  // namespace citadel::audit::sinks::testing
