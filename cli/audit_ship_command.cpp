#include "audit_ship_command.h"

#include <pthread.h>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "audit/sinks/shipper.h"
#include "audit/sinks/sink_factory.h"

namespace citadel::cli {
namespace {

using audit::sinks::SinkSettings;

struct ShipArgs {
  std::string db, syslog, loki, postgres, elastic, facility = "authpriv";
  bool once = false;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "citadel audit ship: %s\n", message.c_str());
  return 1;
}

Result<SinkSettings> ToSettings(const ShipArgs& a) {
  if (!a.syslog.empty()) {
    audit::sinks::SyslogSinkSettings s;
    const size_t colon = a.syslog.rfind(':');
    if (colon == std::string::npos) return Err("--syslog '{}': expected HOST:PORT", a.syslog);
    s.host = a.syslog.substr(0, colon);
    if (s.host.size() >= 2 && s.host.front() == '[' && s.host.back() == ']') s.host = s.host.substr(1, s.host.size() - 2);
    const std::string_view port = std::string_view(a.syslog).substr(colon + 1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return Err("--syslog '{}': bad port", a.syslog);
    }
    s.port = static_cast<uint16_t>(value);
    CITADEL_ASSIGN_OR_RETURN(s.facility, audit::sinks::ParseSyslogFacility(a.facility));
    return SinkSettings(s);
  }
  if (!a.loki.empty()) return SinkSettings(audit::sinks::LokiSinkSettings{.url = a.loki});
  if (!a.postgres.empty()) return SinkSettings(audit::sinks::PostgresSinkSettings{.conninfo = a.postgres});
  const size_t slash = a.elastic.rfind('/');
  if (slash == std::string::npos || slash + 1 == a.elastic.size() || a.elastic.find("://") + 2 >= slash) {
    return Err("--elastic '{}': expected URL/INDEX, e.g. http://127.0.0.1:9200/citadel-audit", a.elastic);
  }
  return SinkSettings(
      audit::sinks::ElasticSinkSettings{.url = a.elastic.substr(0, slash), .index = a.elastic.substr(slash + 1)});
}

int RunOnce(const ShipArgs& a, audit::sinks::Sink& sink) {
  auto shipped = audit::sinks::Shipper::ShipPending(a.db, sink);
  if (!shipped) return Fail(shipped.error().Wrap(sink.name()).message);
  std::printf("%s: shipped through seq %llu\n", sink.name().c_str(), static_cast<unsigned long long>(*shipped));
  return 0;
}

int RunUntilSignal(const ShipArgs& a, std::unique_ptr<audit::sinks::Sink> sink) {
  // Block the signals before any thread starts so every thread inherits the mask and sigwait
  // below is the only place they are taken.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::unique_ptr<audit::sinks::Sink>> sinks;
  const std::string name = sink->name();
  sinks.push_back(std::move(sink));
  auto shipper = audit::sinks::Shipper::Start(a.db, std::move(sinks));
  if (!shipper) return Fail(shipper.error().message);
  std::fprintf(stderr, "citadel audit ship: shipping %s to %s until SIGINT/SIGTERM\n", a.db.c_str(), name.c_str());
  int signal = 0;
  sigwait(&signals, &signal);
  (*shipper)->Stop();
  const audit::sinks::SinkStats s = (*shipper)->Stats().sinks.at(0);
  std::printf("%s: shipped through seq %llu, %llu behind%s%s\n", s.sink.c_str(),
              static_cast<unsigned long long>(s.shipped_seq), static_cast<unsigned long long>(s.lag_records),
              s.consecutive_failures ? "; last error: " : "", s.consecutive_failures ? s.last_error.c_str() : "");
  return 0;
}

int RunShip(const ShipArgs& a) {
  auto settings = ToSettings(a);
  if (!settings) return Fail(settings.error().message);
  auto sink = audit::sinks::MakeSink(*settings);
  if (!sink) return Fail(sink.error().message);
  return a.once ? RunOnce(a, **sink) : RunUntilSignal(a, std::move(*sink));
}

}  // namespace

void AddAuditShipCommand(CLI::App& audit, int& exit_code) {
  auto a = std::make_shared<ShipArgs>();
  auto* ship = audit.add_subcommand("ship", "Ship the trail's metadata to syslog, Loki, PostgreSQL or Elasticsearch");
  ship->add_option("--db", a->db, "audit database (SQLite)")->required();
  auto* syslog = ship->add_option("--syslog", a->syslog, "syslog receiver HOST:PORT (RFC 5424 over TCP)");
  auto* loki = ship->add_option("--loki", a->loki, "Loki base URL, e.g. http://127.0.0.1:3100");
  auto* postgres = ship->add_option("--postgres", a->postgres, "libpq connection string (table citadel_audit)");
  auto* elastic = ship->add_option("--elastic", a->elastic, "Elasticsearch URL/INDEX, e.g. http://127.0.0.1:9200/citadel-audit");
  syslog->excludes(loki)->excludes(postgres)->excludes(elastic);
  loki->excludes(postgres)->excludes(elastic);
  postgres->excludes(elastic);
  ship->add_option("--facility", a->facility, "syslog facility (default authpriv)");
  ship->add_flag("--once", a->once, "ship what is pending, then exit");
  ship->callback([a, &exit_code] {
    if (a->syslog.empty() && a->loki.empty() && a->postgres.empty() && a->elastic.empty()) {
      std::fprintf(stderr, "citadel audit ship: one of --syslog, --loki, --postgres, --elastic is required\n");
      exit_code = 2;
      return;
    }
    exit_code = RunShip(*a);
  });
}

}  // namespace citadel::cli
