// citadel.toml: every key, size units, and errors that name the key.

#include "server/config.h"

#include <gtest/gtest.h>

namespace citadel::server {
namespace {

TEST(ParseSize, Units) {
  EXPECT_EQ(*ParseSize("65536"), 65536);
  EXPECT_EQ(*ParseSize("512MiB"), 512LL << 20);
  EXPECT_EQ(*ParseSize("4G"), 4LL << 30);
  EXPECT_EQ(*ParseSize("1.5 GiB"), 3LL << 29);
  EXPECT_EQ(*ParseSize("16kb"), 16 << 10);
  EXPECT_FALSE(ParseSize("lots").has_value());
  EXPECT_FALSE(ParseSize("5 parsecs").has_value());
  EXPECT_FALSE(ParseSize("-1G").has_value());
}

TEST(Config, EveryKey) {
  auto c = ParseConfig(R"(
[model]
path = "m.gguf"
id = "mine"
[server]
host = "::1"
port = 0
max_connections = 10
max_body_size = "2MiB"
max_header_size = 8192
idle_timeout = 5
read_timeout = 2.5
write_timeout = 3
shutdown_timeout = 1
[engine]
threads = 2
kv_memory = "256MiB"
parallel = 4
max_queue = 8
max_context = 1024
)", "t.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->model_path, "m.gguf");
  EXPECT_EQ(c->model_id, "mine");
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, 0);
  EXPECT_EQ(c->max_connections, 10);
  EXPECT_EQ(c->max_body_bytes, 2 << 20);
  EXPECT_EQ(c->max_header_bytes, 8192);
  EXPECT_DOUBLE_EQ(c->read_timeout_s, 2.5);
  EXPECT_EQ(c->threads, 2);
  EXPECT_EQ(c->kv_memory_bytes, 256LL << 20);
  EXPECT_EQ(c->parallel, 4);
  EXPECT_EQ(c->max_queue, 8);
  EXPECT_EQ(c->max_context, 1024);
  EXPECT_TRUE(Validate(*c).has_value());
}

TEST(Config, DefaultsAreSafe) {
  ServerConfig c;
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 8080);
  c.model_path = "m.gguf";
  EXPECT_TRUE(Validate(c).has_value());
}

void ExpectError(std::string_view toml, std::string_view needle) {
  auto c = ParseConfig(toml, "t.toml");
  std::string message;
  if (!c) {
    message = c.error().message;
  } else if (auto ok = Validate(*c); !ok) {
    message = ok.error().message;
  }
  EXPECT_NE(message.find(needle), std::string::npos) << "'" << message << "' lacks '" << needle << "'";
}

TEST(Config, ErrorsNameTheKey) {
  ExpectError("[server]\nprot = 1\n", "server.prot: unknown key");
  ExpectError("[model]\npath = 1\n", "model.path: expected a string");
  ExpectError("[model]\npath='m'\n[server]\nport = 70000\n", "server.port: 70000 is outside [0, 65535]");
  ExpectError("[model]\npath='m'\n[server]\nport = \"80\"\n", "server.port: expected an integer");
  ExpectError("[model]\npath='m'\n[engine]\nkv_memory = \"lots\"\n", "engine.kv_memory: 'lots' is not a size");
  ExpectError("[model]\npath='m'\n[engine]\nparallel = 0\n", "engine.parallel: 0 is outside");
  ExpectError("[model]\npath='m'\n[server]\nidle_timeout = 0\n", "server.idle_timeout");
  ExpectError("[server]\nport = 1\n", "model.path: required");
  ExpectError("[model]\npath='m'\n[server]\nhost = \"0.0.0.0\"\n", "server.host: '0.0.0.0' is not a loopback");
  ExpectError("[model\npath='m'\n", "t.toml:1:");
  ExpectError("top = 1\n", "top: unknown key");
}

TEST(Config, InsecureRemoteIsAnExplicitChoice) {
  auto c = ParseConfig("[model]\npath='m'\n[server]\nhost='0.0.0.0'\nallow_insecure_remote=true\n", "t.toml");
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(Validate(*c).has_value());
}

}  // namespace
}  // namespace citadel::server
