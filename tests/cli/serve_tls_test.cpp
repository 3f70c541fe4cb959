// `citadel serve` with a [tls] table on the real binary: the start line says https:// (and gives
// the port, since it listens on port 0), a TLS 1.3 client gets an answer, SIGHUP reloads the
// certificate for new connections, and SIGTERM still stops the server cleanly. One shell script
// drives it, so that the server runs in the background while clients talk to it.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "model_gen/random_model.h"
#include "testing/shared_data.h"
#include "testing/subprocess.h"

namespace citadel {
namespace {

using testing::ShellQuote;

TEST(ServeTls, HttpsStartLineRequestsSighupReloadAndStop) {
  const auto dir = testing::MakeTempDir("citadel-serve-tls");
  const std::string d = ShellQuote(dir.string());
  tools::ModelSpec spec;
  spec.n_vocab = 400;
  ASSERT_TRUE(tools::WriteRandomModel(spec, dir / "m.gguf"));
  std::ofstream(dir / "citadel.toml") << "[server]\nport = 0\n[tls]\ncert = \"" << (dir / "cert.pem").string()
                                      << "\"\nkey = \"" << (dir / "key.pem").string() << "\"\n";

  // A self-signed certificate serves as its own CA for the client.
  const std::string script = R"(
cd )" + d + R"( || exit 90
cert() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$1" \
  -addext subjectAltName=IP:127.0.0.1 -keyout key.pem -out cert.pem 2>/dev/null && cp cert.pem "$1.pem"; }
ask() { printf 'GET /v1/models HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' |
  timeout 10 openssl s_client -connect 127.0.0.1:$port -tls1_3 -CAfile "$1.pem" -verify_return_error -ign_eof 2>&1; }
wait_for() { for i in $(seq 1 300); do grep -q "$1" serve.log && return 0; sleep 0.1; done; return 1; }
cert before || exit 91
)" + std::string(CITADEL_BINARY) + R"( serve -m m.gguf -c citadel.toml --threads 1 --kv-memory 16MiB >/dev/null 2>serve.log &
pid=$!
( sleep 60; kill -KILL $pid ) >/dev/null 2>&1 &  # a hung server must not hang the test
watchdog=$!
wait_for 'on https://' || { kill -KILL $pid; cat serve.log; exit 92; }
port=$(sed -n 's|.* on https://127\.0\.0\.1:\([0-9]*\) .*|\1|p' serve.log)
echo "== first"; ask before
cert after || exit 93
kill -HUP $pid
wait_for 'SIGHUP' || echo "no SIGHUP line"
echo "== second"; ask after
kill -TERM $pid
wait $pid; echo "== exit $?"
kill $watchdog
echo "== log"; cat serve.log
)";
  const auto r = testing::RunCommand("sh -c " + ShellQuote(script));
  std::filesystem::remove_all(dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string& out = r.out;
  const size_t second = out.find("== second");
  ASSERT_NE(second, std::string::npos) << out;
  const std::string first_answer = out.substr(0, second), second_answer = out.substr(second);
  EXPECT_NE(first_answer.find("CN = before"), std::string::npos) << out;
  EXPECT_NE(first_answer.find("HTTP/1.1 200"), std::string::npos) << out;
  EXPECT_NE(first_answer.find("\"object\":\"list\""), std::string::npos) << out;
  EXPECT_NE(second_answer.find("CN = after"), std::string::npos) << out;
  EXPECT_NE(second_answer.find("HTTP/1.1 200"), std::string::npos) << out;
  EXPECT_NE(out.find("citadel: SIGHUP: certificates reloaded"), std::string::npos) << out;
  EXPECT_NE(out.find("== exit 0"), std::string::npos) << out;
  EXPECT_NE(out.find("citadel: stopped"), std::string::npos) << out;
}

TEST(ServeTls, ConfigCheckLoadsTheTlsFiles) {
  const auto dir = testing::MakeTempDir("citadel-check-tls");
  const std::string d = ShellQuote(dir.string());
  // Two self-signed certificates; a.pem served with b.key does not load.
  const auto made = testing::RunCommand("cd " + d + " && for n in a b; do openssl req -x509 -newkey ec -pkeyopt "
                                        "ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=$n -keyout $n.key -out "
                                        "$n.pem 2>/dev/null || exit 1; done");
  ASSERT_EQ(made.exit_code, 0);
  const auto config = [&](const std::string& key) {
    const auto path = dir / (key + ".toml");
    std::ofstream(path) << "[tls]\ncert = \"" << (dir / "a.pem").string() << "\"\nkey = \"" << (dir / key).string()
                        << "\"\n";
    return testing::RunCommand(std::string(CITADEL_BINARY) + " config check " + ShellQuote(path.string()));
  };
  const auto good = config("a.key"), bad = config("b.key");
  std::filesystem::remove_all(dir);
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("b.key' does not belong to the certificate"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace citadel
