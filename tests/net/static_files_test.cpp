// The browser UI's static files: loading a web root (what is and is not
// served), and real HTTP requests against a running Server on 127.0.0.1,
// including path-traversal attempts and the access token.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lumina/net/server.hpp"
#include "lumina/net/web_root.hpp"
#include "net/net_test_support.hpp"
#include "net/static_files.hpp"

namespace lumina {
namespace {

namespace fs = std::filesystem;
using namespace lumina::test;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kSecret = "top-secret-outside-the-web-root";

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A fresh directory: <tmp>/static-<random>/{web/..., secret.txt}.
class TempTree {
 public:
  TempTree() {
    std::random_device device;
    dir_ = fs::temp_directory_path() / ("lumina-static-" + std::to_string(device()) + std::to_string(device()));
    fs::create_directories(dir_);
  }
  ~TempTree() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
};

// index.html, js/app.js, css/site.css, a symlink inside (alias.js), and
// things that must not be served: a hidden file, a symlink out of the root,
// a name with a space, an oversized file, a file named like an API route.
void make_site(const TempTree& tree) {
  const fs::path web = tree.dir() / "web";
  write_file(web / "index.html", "<!doctype html><title>lumina</title>");
  write_file(web / "js" / "app.js", "export const answer = 42;\n");
  write_file(web / "css" / "site.css", "body{background:#000}");
  write_file(web / ".env", "TOKEN=hidden");
  write_file(web / "a b.html", "space");
  write_file(web / "health", "not the health route");
  write_file(tree.dir() / "secret.txt", kSecret);
  fs::create_symlink(tree.dir() / "secret.txt", web / "leak.txt");
  fs::create_symlink(web / "js" / "app.js", web / "alias.js");
  std::ofstream big(web / "big.bin", std::ios::binary);
  big << std::string(static_cast<std::size_t>(net::kStaticFileMax) + 1, 'x');
}

TEST(StaticFiles, ContentTypesByExtension) {
  EXPECT_EQ(net::content_type_for("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(net::content_type_for("app.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(net::content_type_for("site.css"), "text/css; charset=utf-8");
  EXPECT_EQ(net::content_type_for("logo.svg"), "image/svg+xml");
  EXPECT_EQ(net::content_type_for("icon.png"), "image/png");
  EXPECT_EQ(net::content_type_for("show.json"), "application/json");
  EXPECT_EQ(net::content_type_for("favicon.ico"), "image/x-icon");
  EXPECT_EQ(net::content_type_for("font.woff2"), "font/woff2");
  EXPECT_EQ(net::content_type_for("README"), "application/octet-stream");
}

TEST(StaticFiles, SafeUrlPathsAreNamesWithoutEscapes) {
  for (const char* good : {"/index.html", "/js/app.js", "/a-b_c.1.css"}) EXPECT_TRUE(net::is_safe_url_path(good)) << good;
  for (const std::string& bad : std::vector<std::string>{"", "/", "index.html", "/../secret.txt", "/js/../index.html", "/./index.html", "//etc/passwd", "/js/",
        "/%2e%2e/secret.txt", "/index.html%00", std::string("/index.html\0x", 13), "/a\\b", "/.env", "/a b.html",
        "/caf\xc3\xa9.html"}) {
    EXPECT_FALSE(net::is_safe_url_path(bad)) << bad;
  }
}

TEST(StaticFiles, LoadServesOnlyFilesInsideTheRoot) {
  TempTree tree;
  make_site(tree);
  const auto site = net::StaticSite::load(tree.dir() / "web");
  EXPECT_THAT(site.paths(), ElementsAre("/alias.js", "/css/site.css", "/health", "/index.html", "/js/app.js"));
  ASSERT_NE(site.find("/"), nullptr);
  EXPECT_EQ(site.find("/")->body, "<!doctype html><title>lumina</title>");
  EXPECT_EQ(site.find("/alias.js")->body, "export const answer = 42;\n");
  EXPECT_EQ(site.find("/leak.txt"), nullptr);
  EXPECT_EQ(site.find("/big.bin"), nullptr);
  EXPECT_EQ(site.find("/js/../index.html"), nullptr);
}

TEST(StaticFiles, LoadRefusesAMissingRoot) {
  TempTree tree;
  EXPECT_THROW(net::StaticSite::load(tree.dir() / "nope"), std::runtime_error);
}

TEST(StaticFiles, WebRootResolution) {
  TempTree tree;
  EXPECT_EQ(resolve_web_root("/srv/ui", "/usr/bin/luminad"), fs::path("/srv/ui"));
  // Installed layout: <prefix>/bin/luminad and <prefix>/share/luminad/web.
  // (The test's working directory, the build tree, has no web/index.html.)
  ASSERT_FALSE(fs::exists("web/index.html"));
  EXPECT_EQ(resolve_web_root("", tree.dir() / "bin" / "luminad"), fs::path());
  write_file(tree.dir() / "share" / "luminad" / "web" / "index.html", "x");
  EXPECT_EQ(resolve_web_root("", tree.dir() / "bin" / "luminad"), tree.dir() / "share" / "luminad" / "web");
}

class StaticServerTest : public ServerFixture {
 protected:
  void configure(ServerOptions& options, ServerHooks&) override {
    make_site(tree_);
    options.web_root = (tree_.dir() / "web").string();
    options.access_token = token_;
  }

  http::response<http::string_body> get(const std::string& target, http::verb verb = http::verb::get,
                                        const HeaderList& headers = {}) {
    HttpClient client(port());
    return client.request(verb, target, headers);
  }

  TempTree tree_;
  std::string token_;
};

TEST_F(StaticServerTest, ServesIndexAndModulesWithTypesAndNoCache) {
  const auto index = get("/");
  EXPECT_EQ(index.result_int(), 200U);
  EXPECT_EQ(index.body(), "<!doctype html><title>lumina</title>");
  EXPECT_EQ(index[http::field::content_type], "text/html; charset=utf-8");
  EXPECT_EQ(index[http::field::cache_control], "no-cache");
  EXPECT_EQ(get("/index.html").body(), index.body());

  const auto script = get("/js/app.js?v=3");
  EXPECT_EQ(script.result_int(), 200U);
  EXPECT_EQ(script.body(), "export const answer = 42;\n");
  EXPECT_EQ(script[http::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_EQ(get("/css/site.css")[http::field::content_type], "text/css; charset=utf-8");
}

TEST_F(StaticServerTest, HeadSendsTheTypeAndLengthWithoutABody) {
  const auto head = get("/js/app.js", http::verb::head);
  EXPECT_EQ(head.result_int(), 200U);
  EXPECT_EQ(head[http::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_EQ(head[http::field::content_length], std::to_string(std::string("export const answer = 42;\n").size()))
      << "the length GET would send";
  EXPECT_TRUE(head.body().empty());
}

TEST_F(StaticServerTest, TraversalAndHiddenFilesAreNotFound) {
  for (const std::string target :
       {"/../secret.txt", "/js/../../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/leak.txt", "/.env",
        "/a%20b.html", "/big.bin", "//secret.txt", "/js/", "/index.html%00", "/js/..%5c..%5csecret.txt"}) {
    const auto reply = get(target);
    EXPECT_EQ(reply.result_int(), 404U) << target;
    EXPECT_THAT(reply.body(), Not(HasSubstr(kSecret))) << target;
    EXPECT_THAT(reply.body(), HasSubstr("\"error\":\"not_found\"")) << target;
  }
}

TEST_F(StaticServerTest, OnlyGetAndHead) {
  const auto post = get("/index.html", http::verb::post, {{http::field::content_type, "text/plain"}});
  EXPECT_EQ(post.result_int(), 405U);
  EXPECT_THAT(std::string(post[http::field::allow]), HasSubstr("GET"));
  EXPECT_EQ(get("/index.html", http::verb::delete_).result_int(), 405U);
}

TEST_F(StaticServerTest, ApiRoutesAreNotShadowedByFiles) {
  const auto health = get("/health");
  EXPECT_EQ(health.result_int(), 200U);
  EXPECT_EQ(nlohmann::json::parse(health.body())["ok"], true);
}

class StaticServerWithTokenTest : public StaticServerTest {
 protected:
  void configure(ServerOptions& options, ServerHooks& hooks) override {
    token_ = "ui-test-token";
    StaticServerTest::configure(options, hooks);
  }
};

TEST_F(StaticServerWithTokenTest, ThePageLoadsWithoutTheTokenTheDataDoesNot) {
  EXPECT_EQ(get("/").result_int(), 200U);
  EXPECT_EQ(get("/js/app.js").result_int(), 200U);
  EXPECT_EQ(get("/api/status").result_int(), 401U);
  // Unknown paths stay 401 without the token (nothing can be probed) ...
  EXPECT_EQ(get("/../secret.txt").result_int(), 401U);
  // ... and 404 with it.
  EXPECT_EQ(get("/../secret.txt", http::verb::get, {{http::field::authorization, "Bearer ui-test-token"}}).result_int(),
            404U);
}

}  // namespace
}  // namespace lumina
