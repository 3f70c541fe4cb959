#include "audit/sinks/sink_factory.h"

namespace citadel::audit::sinks {
namespace {

struct Maker {
  Result<std::unique_ptr<Sink>> operator()(const SyslogSinkSettings& s) const { return MakeSyslogSink(s); }
  Result<std::unique_ptr<Sink>> operator()(const LokiSinkSettings& s) const { return MakeLokiSink(s); }
  Result<std::unique_ptr<Sink>> operator()(const PostgresSinkSettings& s) const { return MakePostgresSink(s); }
  Result<std::unique_ptr<Sink>> operator()(const ElasticSinkSettings& s) const { return MakeElasticSink(s); }
};

}  // namespace

Result<std::unique_ptr<Sink>> MakeSink(const SinkSettings& settings) { return std::visit(Maker{}, settings); }

}  // namespace citadel::audit::sinks
