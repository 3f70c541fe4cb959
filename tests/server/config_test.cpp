// citadel.toml: every key read, unknown keys and bad values refused with the key's name, sizes,
// and the rule that a non-loopback listener needs an explicit opt-in while there is no auth.

#include "server/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing/shared_data.h"

namespace citadel::server {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("citadel-config"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path Write(const std::string& text) {
    const auto path = dir_ / "citadel.toml";
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(ConfigTest, ReadsEveryKind) {
  auto c = LoadConfig(Write(R"(
[model]
path = "/models/q.gguf"
id = "qwen"
[server]
port = 9000
max_connections = 10
read_timeout_seconds = 1.5
[engine]
kv_memory = "512MiB"
parallel = 8
)"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->model_path, "/models/q.gguf");
  EXPECT_EQ(c->model_id, "qwen");
  EXPECT_EQ(c->port, 9000);
  EXPECT_EQ(c->limits.max_connections, 10);
  EXPECT_EQ(c->limits.read_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(c->kv_memory_bytes, 512 << 20);
  EXPECT_EQ(c->parallel, 8);
}

TEST_F(ConfigTest, ErrorsNameTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[server]\nprot = 1\n", "unknown key 'server.prot'"},
      {"[server]\nport = 70000\n", "server.port: 70000 is outside [0, 65535]"},
      {"[server]\nport = \"80\"\n", "server.port: must be an integer"},
      {"[engine]\nkv_memory = \"lots\"\n", "engine.kv_memory: 'lots' is not a size"},
      {"[server]\nhost = \"0.0.0.0\"\n", "server.host: '0.0.0.0' is not a loopback address"},
      {"port = 1\n", "'port' must be a table"},
      {"[server\n", "citadel.toml:1:"}};
  for (const auto& [text, expected] : cases) {
    auto c = LoadConfig(Write(text));
    ASSERT_FALSE(c) << text;
    EXPECT_NE(c.error().message.find(expected), std::string::npos) << c.error().message;
  }
  auto remote = LoadConfig(Write("[server]\nhost = \"0.0.0.0\"\nallow_unauthenticated_remote = true\n"));
  EXPECT_TRUE(remote) << "the explicit opt-in is accepted";
}

TEST(ParseSize, UnitsAndErrors) {
  EXPECT_EQ(*ParseSize("1000"), 1000);
  EXPECT_EQ(*ParseSize("2GiB"), int64_t{2} << 30);
  EXPECT_EQ(*ParseSize("1.5 GB"), 1'500'000'000);
  EXPECT_FALSE(ParseSize("12XB"));
  EXPECT_FALSE(ParseSize("-1MiB"));
  EXPECT_FALSE(ParseSize(""));
}

}  // namespace
}  // namespace citadel::server
