// The PostgreSQL sink against a throwaway cluster (Debian's postgresql package): initdb in a temp
// directory, postgres listening on a unix socket only. PostgreSQL refuses to run as root; then the
// server runs as the postgres (or nobody) user through setpriv. Where /dev/null is not writable
// for that user (seen in some containers; initdb needs it), it runs in a private mount namespace
// with a private null device bound over /dev/null. Anything else missing skips with the reason.

#include <libpq-fe.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "audit/sinks/postgres_sink.h"
#include "audit/sinks/sinks_fixture.h"

namespace citadel::audit::sinks::testing {
namespace {

using citadel::testing::ShellQuote;

class PostgresServer {
 public:
  // Empty on success, else why the test must skip.
  std::string Init(const std::filesystem::path& dir) {
    const std::string initdb = FindProgram({"initdb", "/usr/lib/postgresql/17/bin/initdb",
                                            "/usr/lib/postgresql/16/bin/initdb", "/usr/lib/postgresql/15/bin/initdb"});
    if (initdb.empty()) return "initdb not found (Debian: apt-get install postgresql)";
    const auto bin = std::filesystem::path(initdb).parent_path();
    postgres_ = (bin / "postgres").string();
    if (access(postgres_.c_str(), X_OK) != 0) return "no postgres next to " + initdb;
    dir_ = dir / "pg";
    std::filesystem::create_directories(dir_);
    if (geteuid() == 0) {
      std::string reason = PrepareRunAs();
      if (!reason.empty()) return reason;
    }
    const auto init = citadel::testing::RunCommand(
        Wrap(fmt::format("{} -D {} -A trust -U citadel -E UTF8 --no-sync", ShellQuote(initdb),
                         ShellQuote((dir_ / "data").string()))) + " 2>&1");
    if (init.exit_code != 0) return "initdb failed: " + init.out.substr(0, 2000);
    port_ = FreePort();
    return "";
  }

  bool Start() {
    if (!server_.Start(Wrap(fmt::format("{} -D {} -k {} -p {} -c listen_addresses= -c fsync=off", ShellQuote(postgres_),
                                        ShellQuote((dir_ / "data").string()), ShellQuote(dir_.string()), port_)),
                       (dir_.parent_path() / "postgres.log").string())) {
      return false;
    }
    return WaitFor([this] { return PQping(conninfo().c_str()) == PQPING_OK || !server_.running(); }, 30s) &&
           server_.running();
  }
  void Stop() { server_.Stop(SIGINT); }  // fast shutdown: SIGTERM would wait for our sink's session

  std::string conninfo() const { return fmt::format("host={} port={} user=citadel dbname=postgres", dir_.string(), port_); }
  std::string log() const { return ReadFile(dir_.parent_path() / "postgres.log"); }

  // One integer from a query, or -1 with the error printed by gtest.
  int64_t QueryInt(const std::string& sql) const {
    PGconn* conn = PQconnectdb(conninfo().c_str());
    int64_t value = -1;
    if (PQstatus(conn) == CONNECTION_OK) {
      PGresult* r = PQexec(conn, sql.c_str());
      if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) value = std::stoll(PQgetvalue(r, 0, 0));
      else ADD_FAILURE() << sql << ": " << PQerrorMessage(conn);
      PQclear(r);
    } else {
      ADD_FAILURE() << "connecting: " << PQerrorMessage(conn);
    }
    PQfinish(conn);
    return value;
  }

 private:
  // As root: a user to run as, the directory handed to it, and /dev/null made usable if needed.
  std::string PrepareRunAs() {
    const char* user = getpwnam("postgres") ? "postgres" : "nobody";
    const passwd* pw = getpwnam(user);
    if (!pw) return "running as root and neither a postgres nor a nobody user exists";
    if (FindProgram({"setpriv"}).empty()) return "running as root and setpriv (util-linux) is missing";
    for (auto p = dir_; p != p.root_path(); p = p.parent_path()) {
      struct stat st {};
      if (stat(p.c_str(), &st) == 0 && (st.st_mode & S_IXOTH) == 0) chmod(p.c_str(), st.st_mode | S_IXOTH);
      if (p == std::filesystem::temp_directory_path()) break;
    }
    if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) return "cannot chown the cluster directory to " + std::string(user);
    run_as_ = fmt::format("setpriv --reuid={} --regid={} --init-groups ", user, user);
    struct stat null_stat {};
    if (stat("/dev/null", &null_stat) == 0 && (null_stat.st_mode & S_IWOTH) == 0) {
      const auto null = dir_.parent_path() / "null";
      if (mknod(null.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0 || chmod(null.c_str(), 0666) != 0) {
        return "/dev/null is not writable for " + std::string(user) + " and no private one can be made";
      }
      private_null_ = null.string();
    }
    return "";
  }

  std::string Wrap(const std::string& command) const {
    if (run_as_.empty()) return command;
    if (private_null_.empty()) return run_as_ + command;
    return fmt::format("unshare -m sh -c {}",
                       ShellQuote(fmt::format("mount --bind {} /dev/null && exec {}{}", private_null_, run_as_, command)));
  }

  std::filesystem::path dir_;
  std::string postgres_;
  std::string run_as_;        // empty unless root
  std::string private_null_;  // empty unless /dev/null needs replacing
  uint16_t port_ = 0;
  ChildProcess server_;
};

class PostgresSinkTest : public SinkTest {
 protected:
  void SetUp() override {
    SinkTest::SetUp();
    const std::string reason = pg_.Init(dir_);
    if (!reason.empty()) GTEST_SKIP() << reason;
    ASSERT_TRUE(pg_.Start()) << pg_.log();
  }
  void TearDown() override {
    pg_.Stop();
    SinkTest::TearDown();
  }
  std::unique_ptr<Sink> MakeSink() {
    PostgresSinkSettings settings;
    settings.conninfo = pg_.conninfo();
    settings.connect_timeout = std::chrono::seconds(3);
    auto sink = MakePostgresSink(settings);
    EXPECT_TRUE(sink) << sink.error().message;
    return sink ? std::move(*sink) : nullptr;
  }
  PostgresServer pg_;
};

TEST_F(PostgresSinkTest, EveryRecordExactlyOnceEvenWhenResent) {
  Append(1, 120);
  auto sink = MakeSink();
  ASSERT_TRUE(sink);
  EXPECT_EQ(sink->name().find("postgres:" + dir_.string()), 0u) << sink->name();
  auto shipped = Shipper::ShipPending(db_path_, *sink, 50);
  ASSERT_TRUE(shipped) << shipped.error().message;
  EXPECT_EQ(*shipped, 120u);
  EXPECT_EQ(pg_.QueryInt("SELECT count(*) FROM citadel_audit"), 120);
  EXPECT_EQ(pg_.QueryInt("SELECT count(DISTINCT seq) FROM citadel_audit WHERE seq BETWEEN 1 AND 120"), 120);
  EXPECT_EQ(pg_.QueryInt("SELECT count(*) FROM citadel_audit WHERE record->>'request_id' = request_id"
                         " AND (record->>'seq')::bigint = seq AND NOT record ? 'prompt'"),
            120);
  EXPECT_EQ(pg_.QueryInt("SELECT count(*) FROM citadel_audit WHERE decision = 'denied' AND http_status = 403"), 17);
  EXPECT_EQ(pg_.QueryInt("SELECT extract(epoch FROM time)::bigint FROM citadel_audit WHERE seq = 1"), 1'700'000'001);

  // As after a crash between COMMIT and the cursor update: the batch goes again, nothing doubles.
  audit::testing::RawSql(db_path_, "UPDATE sink_cursors SET shipped_seq = 30");
  ASSERT_TRUE(Shipper::ShipPending(db_path_, *sink, 50));
  EXPECT_EQ(pg_.QueryInt("SELECT count(*) FROM citadel_audit"), 120);
}

TEST_F(PostgresSinkTest, CatchesUpWithoutDuplicatesAfterTheServerWasDown) {
  Append(1, 40);
  auto sink = MakeSink();
  ASSERT_TRUE(sink);
  auto shipper = Shipper::Start(db_path_, [&] {
    std::vector<std::unique_ptr<Sink>> v;
    v.push_back(std::move(sink));
    return v;
  }(), FastOptions(25));
  ASSERT_TRUE(shipper) << shipper.error().message;
  ASSERT_TRUE(WaitFor([&] { return StatsOf(**shipper).shipped_seq == 40; })) << StatsOf(**shipper).last_error;

  pg_.Stop();
  Append(41, 60);
  // Attempts may fail while the appends are still going on; wait until one has seen them all.
  ASSERT_TRUE(WaitFor([&] {
    const SinkStats s = StatsOf(**shipper);
    return s.consecutive_failures >= 2 && s.lag_records == 60;
  }));
  SinkStats down = StatsOf(**shipper);
  EXPECT_EQ(down.shipped_seq, 40u) << "the cursor must not move while the sink is down";
  EXPECT_EQ(down.lag_records, 60u);
  EXPECT_NE(down.last_error.find("postgres:"), std::string::npos) << down.last_error;
  std::printf("while down: %s\n", down.last_error.c_str());
  EXPECT_EQ(down.last_error.find('\n'), std::string::npos);

  ASSERT_TRUE(pg_.Start()) << pg_.log();
  ASSERT_TRUE(WaitFor([&] { return StatsOf(**shipper).shipped_seq == 100; }, 30s)) << StatsOf(**shipper).last_error;
  const SinkStats up = StatsOf(**shipper);
  EXPECT_EQ(up.lag_records, 0u);
  EXPECT_EQ(up.consecutive_failures, 0u);
  (*shipper)->Stop();
  EXPECT_EQ(pg_.QueryInt("SELECT count(*) FROM citadel_audit"), 100);
  EXPECT_EQ(pg_.QueryInt("SELECT count(DISTINCT seq) FROM citadel_audit WHERE seq BETWEEN 1 AND 100"), 100);
}

TEST(PostgresSinkSettingsTest, RejectsUnsafeTableNamesAndKeepsPasswordsOutOfTheName) {
  EXPECT_FALSE(MakePostgresSink({.conninfo = "dbname=x", .table = "a; DROP TABLE b"}));
  EXPECT_FALSE(MakePostgresSink({.conninfo = "dbname=x", .table = "a.b.c"}));
  EXPECT_TRUE(MakePostgresSink({.conninfo = "dbname=x", .table = "audit.citadel_audit"}));
  EXPECT_FALSE(MakePostgresSink({.conninfo = "nonsense without equals"}));
  auto sink = MakePostgresSink({.conninfo = "postgresql://u:secret@db.example:6543/logs"});
  ASSERT_TRUE(sink) << sink.error().message;
  EXPECT_EQ((*sink)->name(), "postgres:db.example:6543/logs/citadel_audit");
}

}  // namespace
}  // namespace citadel::audit::sinks::testing
