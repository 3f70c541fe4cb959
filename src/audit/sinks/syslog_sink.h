#pragma once
// Syslog over TCP: RFC 5424 messages with octet-counting framing (RFC 6587 3.4.1), one message
// per record, e.g. (one line; MSG starts with a UTF-8 BOM):
//
//   <84>1 2026-11-25T05:13:02.123Z gw1 citadel 4242 request [citadel@32473 seq="17"
//   request_id="req-1" tenant="acme" decision="denied" ...] {"seq":17,"kind":"request",...}
//
// PRI = facility * 8 + severity; severity follows the decision: failed -> err(3), denied and
// rate_limited -> warning(4), administrative events -> notice(5), allowed requests -> info(6).
// 32473 is the enterprise number RFC 5612 reserves for documentation examples; set your own
// with `enterprise_id` if your organization has one.
//
// Acknowledgement: plain TCP syslog has none, so each batch goes over its own connection, which
// we half-close and keep reading until the receiver closes too: the receiver has then read every
// byte. That still trusts the receiver's queue (RELP would not), which is as far as TCP goes.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "audit/sinks/sink.h"

namespace citadel::audit::sinks {

struct SyslogSinkSettings {
  std::string host = "127.0.0.1";
  uint16_t port = 514;
  int facility = 10;     // authpriv: security/authorization messages kept in a restricted file
  std::string hostname;  // HOSTNAME field; the machine's host name when empty
  std::string enterprise_id = "32473";
  std::string name;      // cursor name; default "syslog:<host>:<port>"
  std::chrono::milliseconds timeout{10000};
};

// "auth", "authpriv", "daemon", "local0".."local7", "user", or a number 0..23.
Result<int> ParseSyslogFacility(std::string_view text);

Result<std::unique_ptr<Sink>> MakeSyslogSink(const SyslogSinkSettings& settings);

// One framed message, "LEN SP MSG" (exposed for tests). procid is the PROCID field.
std::string FormatSyslogFrame(const SyslogSinkSettings& settings, std::string_view hostname, std::string_view procid,
                              const StoredRecord& record);
// A PARAM-VALUE with '"', '\' and ']' escaped by a backslash (RFC 5424 6.3.3).
std::string EscapeSdValue(std::string_view value);

}  // namespace citadel::audit::sinks
