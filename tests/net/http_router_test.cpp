#include "net/http_router.hpp"

#include <stdexcept>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace lumina::net {
namespace {

using nlohmann::json;

HttpRequestInfo request(std::string_view method, std::string_view path) {
  HttpRequestInfo info;
  info.method = method;
  info.path = path;
  return info;
}

std::string header(const HttpReply& reply, std::string_view name) {
  for (const auto& [key, value] : reply.headers) {
    if (key == name) return value;
  }
  return {};
}

class HttpRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add("GET", "/health", [](const HttpRequestInfo&) { return json_reply(200, {{"ok", true}}); });
    router_.add("GET", "/boom", [](const HttpRequestInfo&) -> HttpReply { throw std::runtime_error("broken"); });
    router_.add("POST", "/post-only", [](const HttpRequestInfo&) { return json_reply(200, {{"ok", true}}); });
  }
  HttpRouter router_;
};

TEST_F(HttpRouterTest, KnownRoute) {
  const HttpReply reply = router_.route(request("GET", "/health"));
  EXPECT_EQ(reply.status, 200U);
  EXPECT_EQ(json::parse(reply.body), json({{"ok", true}}));
}

TEST_F(HttpRouterTest, UnknownPathIs404Json) {
  const HttpReply reply = router_.route(request("GET", "/x"));
  EXPECT_EQ(reply.status, 404U);
  EXPECT_EQ(json::parse(reply.body),
            json({{"ok", false}, {"error", "not_found"}, {"message", "no route for GET /x"}}));
}

TEST_F(HttpRouterTest, WrongMethodIs405JsonWithAllow) {
  const HttpReply reply = router_.route(request("POST", "/health"));
  EXPECT_EQ(reply.status, 405U);
  const json body = json::parse(reply.body);
  EXPECT_EQ(body["ok"], false);
  EXPECT_EQ(body["error"], "method_not_allowed");
  EXPECT_TRUE(body["message"].is_string());
  EXPECT_EQ(header(reply, "Allow"), "GET,HEAD,OPTIONS");
}

TEST_F(HttpRouterTest, HeadIsGetWithoutItsBody) {
  const HttpReply get = router_.route(request("GET", "/health"));
  const HttpReply head = router_.route(request("HEAD", "/health"));
  EXPECT_EQ(head.status, get.status);
  EXPECT_TRUE(head.body.empty());
  ASSERT_TRUE(head.head_length.has_value());
  EXPECT_EQ(*head.head_length, get.body.size());
  EXPECT_EQ(header(head, "Content-Type"), "application/json");
}

TEST_F(HttpRouterTest, HeadErrorsHaveNoBodyEither) {
  // A body after a HEAD answer would be read as the next response on a
  // kept-alive connection; its Content-Length is the one GET's error body
  // has (the message names GET, as GET's does).
  for (const char* path : {"/x", "/boom", "/post-only"}) {
    const HttpReply get = router_.route(request("GET", path));
    const HttpReply head = router_.route(request("HEAD", path));
    EXPECT_EQ(head.status, get.status) << path;
    EXPECT_TRUE(head.body.empty()) << path;
    ASSERT_TRUE(head.head_length.has_value()) << path;
    EXPECT_EQ(*head.head_length, get.body.size()) << path;
    EXPECT_EQ(header(head, "Allow"), header(get, "Allow")) << path;
  }
}

TEST_F(HttpRouterTest, OptionsIs200OnAnyPath) {
  EXPECT_EQ(router_.route(request("OPTIONS", "/health")).status, 200U);
  EXPECT_EQ(router_.route(request("OPTIONS", "/nowhere")).status, 200U);
}

TEST_F(HttpRouterTest, ThrowingHandlerIs500Json) {
  const HttpReply reply = router_.route(request("GET", "/boom"));
  EXPECT_EQ(reply.status, 500U);
  EXPECT_EQ(json::parse(reply.body), json({{"ok", false}, {"error", "internal_error"}, {"message", "broken"}}));
}

TEST(HttpRouterHelpers, SplitTarget) {
  EXPECT_EQ(split_target("/a/b?x=1&y"), std::make_pair(std::string_view("/a/b"), std::string_view("x=1&y")));
  EXPECT_EQ(split_target("/a"), std::make_pair(std::string_view("/a"), std::string_view()));
}

TEST_F(HttpRouterTest, UnauthorizedIs401BeforeRoutingExceptOpenRoutes) {
  router_.add(
      "GET", "/open",
      [](const HttpRequestInfo& info) { return json_reply(200, {{"authorized", info.authorized}}); },
      RouteAccess::kOpen);
  for (const char* path : {"/health", "/boom", "/nowhere"}) {
    auto info = request("GET", path);
    info.authorized = false;
    const HttpReply reply = router_.route(info);
    EXPECT_EQ(reply.status, 401U) << path;
    EXPECT_EQ(json::parse(reply.body)["error"], "unauthorized") << path;
    EXPECT_EQ(header(reply, "WWW-Authenticate"), R"(Bearer realm="luminad")") << path;
  }
  auto info = request("GET", "/open");
  info.authorized = false;
  EXPECT_EQ(json::parse(router_.route(info).body), json({{"authorized", false}}));
  // Another method on an open route is not open.
  info.method = "POST";
  EXPECT_EQ(router_.route(info).status, 401U);
  // Preflight never needs the token (browsers send it without credentials).
  info.method = "OPTIONS";
  EXPECT_EQ(router_.route(info).status, 200U);
}

TEST_F(HttpRouterTest, RouteLabelIsThePathOrUnmatched) {
  EXPECT_EQ(router_.route_label("/health"), "/health");
  EXPECT_EQ(router_.route_label("/health/../etc/passwd"), "unmatched");
}

}  // namespace
}  // namespace lumina::net
