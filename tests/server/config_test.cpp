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

TEST_F(ConfigTest, TlsKeysAndTheirErrors) {
  const auto cert = dir_ / "c.pem", key = dir_ / "k.pem";
  std::ofstream(cert) << "x";
  std::ofstream(key) << "x";
  auto c = LoadConfig(Write("[tls]\ncert = \"" + cert.string() + "\"\nkey = \"" + key.string() +
                            "\"\nallow_tls12 = true\nclient_ca = \"" + cert.string() + "\"\n"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->tls.enabled());
  EXPECT_EQ(c->tls.cert_file, cert.string());
  EXPECT_EQ(c->tls.key_file, key.string());
  EXPECT_EQ(c->tls.client_ca_file, cert.string());
  EXPECT_TRUE(c->tls.allow_tls12);
  EXPECT_FALSE(LoadConfig(Write("[server]\nport = 1\n"))->tls.enabled()) << "off by default";

  const std::string missing = (dir_ / "missing.pem").string();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[tls]\ncert = \"" + cert.string() + "\"\n", "tls.key: missing"},
      {"[tls]\nkey = \"" + key.string() + "\"\n", "tls.cert: missing"},
      {"[tls]\nclient_ca = \"" + cert.string() + "\"\n", "tls.client_ca: needs tls.cert"},
      {"[tls]\nallow_tls12 = true\n", "tls.allow_tls12: needs tls.cert"},
      {"[tls]\nallow_tls12 = 1\n", "tls.allow_tls12: must be true or false"},
      {"[tls]\ncert = 5\n", "tls.cert: must be a file name"},
      {"[tls]\ncert = \"" + missing + "\"\nkey = \"" + key.string() + "\"\n",
       "tls.cert: '" + missing + "' does not exist"},
      {"[tls]\ncert = \"" + cert.string() + "\"\nkey = \"" + dir_.string() + "\"\n", "tls.key: '"},
      {"[tls]\ncert = \"" + cert.string() + "\"\nkey = \"" + key.string() + "\"\nclient_ca = \"" + missing + "\"\n",
       "tls.client_ca: '" + missing + "' does not exist"},
      {"[tls]\nciphers = \"ALL\"\n", "unknown key 'tls.ciphers'"}};
  for (const auto& [text, expected] : cases) {
    auto bad = LoadConfig(Write(text));
    ASSERT_FALSE(bad) << text;
    EXPECT_NE(bad.error().message.find(expected), std::string::npos) << bad.error().message;
  }
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
