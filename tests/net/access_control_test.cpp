#include "net/access_control.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace lumina::net {
namespace {

std::string header(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

TEST(TokenVerifier, EmptyTokenRequiresNothingAndMatchesNothing) {
  const TokenVerifier verifier("");
  EXPECT_FALSE(verifier.required());
  EXPECT_FALSE(verifier.verify(""));
  EXPECT_FALSE(verifier.verify("x"));
}

TEST(TokenVerifier, MatchesOnlyTheExactToken) {
  const TokenVerifier verifier("s3cret-token");
  EXPECT_TRUE(verifier.required());
  EXPECT_TRUE(verifier.verify("s3cret-token"));
  EXPECT_FALSE(verifier.verify("s3cret-toke"));
  EXPECT_FALSE(verifier.verify("s3cret-token "));
  EXPECT_FALSE(verifier.verify("S3CRET-TOKEN"));
  EXPECT_FALSE(verifier.verify(""));
  EXPECT_FALSE(verifier.verify(std::string(10000, 'a')));
}

TEST(BearerToken, ParsesTheBearerScheme) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer   abc  "), "abc");
  EXPECT_EQ(bearer_token("BEARER\tabc"), "abc");
  EXPECT_FALSE(bearer_token("Basic dXNlcjpwYXNz"));
  EXPECT_FALSE(bearer_token("Bearer"));
  EXPECT_FALSE(bearer_token("Bearer   "));
  EXPECT_FALSE(bearer_token("Bearerabc"));
  EXPECT_FALSE(bearer_token(""));
}

TEST(QueryParam, FindsAndDecodes) {
  EXPECT_EQ(query_param("token=abc", "token"), "abc");
  EXPECT_EQ(query_param("a=1&token=x%2By%20z&b=2", "token"), "x+y z");
  EXPECT_EQ(query_param("token=a+b", "token"), "a b");
  EXPECT_EQ(query_param("tok=1&token", "token"), "");
  EXPECT_FALSE(query_param("a=1&tokens=2", "token"));
  EXPECT_FALSE(query_param("", "token"));
  EXPECT_FALSE(query_param("token=%zz", "token"));
  EXPECT_FALSE(query_param("token=%4", "token"));
}

TEST(NormaliseOrigin, LowersCaseAndDropsDefaultPorts) {
  EXPECT_EQ(normalise_origin("HTTP://Example.COM:80"), "http://example.com");
  EXPECT_EQ(normalise_origin("https://example.com:443/"), "https://example.com");
  EXPECT_EQ(normalise_origin("http://10.0.0.5:5173"), "http://10.0.0.5:5173");
  EXPECT_EQ(normalise_origin("http://[::1]:8000"), "http://[::1]:8000");
  EXPECT_FALSE(normalise_origin("null"));
  EXPECT_FALSE(normalise_origin("example.com"));
  EXPECT_FALSE(normalise_origin("http://host:99999"));
  EXPECT_FALSE(normalise_origin("http://"));
}

TEST(OriginPolicy, NoOriginIsANonBrowserClientAndAllowed) {
  const OriginPolicy policy({}, false);
  EXPECT_TRUE(policy.allows("", "127.0.0.1:8000"));
}

TEST(OriginPolicy, SameOriginIsAlwaysAllowed) {
  const OriginPolicy policy({}, false);
  EXPECT_TRUE(policy.allows("http://192.168.1.20:8000", "192.168.1.20:8000"));
  EXPECT_TRUE(policy.allows("http://RIG.local", "rig.local:80"));
  EXPECT_TRUE(policy.allows("http://[::1]:8000", "[::1]:8000"));
  // Another port, host or scheme is another origin.
  EXPECT_FALSE(policy.allows("http://192.168.1.20:5173", "192.168.1.20:8000"));
  EXPECT_FALSE(policy.allows("http://evil.example", "192.168.1.20:8000"));
  EXPECT_FALSE(policy.allows("https://192.168.1.20:8000", "192.168.1.20:8000"));
  EXPECT_FALSE(policy.allows("null", "192.168.1.20:8000"));
}

TEST(OriginPolicy, TlsSameOriginUsesHttpsAndPort443) {
  const OriginPolicy policy({}, true);
  EXPECT_TRUE(policy.allows("https://rig.local", "rig.local"));
  EXPECT_FALSE(policy.allows("http://rig.local", "rig.local"));
}

TEST(OriginPolicy, ListedOriginsAreAllowed) {
  const OriginPolicy policy({"http://10.0.0.5:5173", "HTTPS://ui.example:443/", "null"}, false);
  EXPECT_TRUE(policy.allows("http://10.0.0.5:5173", "10.0.0.2:8000"));
  EXPECT_TRUE(policy.allows("https://ui.example", "10.0.0.2:8000"));
  EXPECT_TRUE(policy.allows("null", "10.0.0.2:8000"));
  EXPECT_FALSE(policy.allows("http://10.0.0.5:5174", "10.0.0.2:8000"));
}

TEST(OriginPolicy, StarAllowsAny) {
  const OriginPolicy policy({"*"}, false);
  EXPECT_TRUE(policy.allows("http://anything.example:1234", "10.0.0.2:8000"));
}

TEST(OriginPolicy, CorsEchoesAnAllowedOriginOnly) {
  const OriginPolicy policy({"http://ui.example"}, false);
  HttpHeaders headers = policy.cors_headers("http://ui.example", "10.0.0.2:8000");
  EXPECT_EQ(header(headers, "Access-Control-Allow-Origin"), "http://ui.example");
  EXPECT_EQ(header(headers, "Vary"), "Origin");
  EXPECT_EQ(header(headers, "Access-Control-Allow-Methods"), "GET,POST,DELETE,OPTIONS");
  EXPECT_EQ(header(headers, "Access-Control-Allow-Headers"), "Content-Type,Authorization");
  EXPECT_EQ(header(headers, "Access-Control-Max-Age"), "86400");

  headers = policy.cors_headers("http://evil.example", "10.0.0.2:8000");
  EXPECT_EQ(header(headers, "Access-Control-Allow-Origin"), "<absent>");
  EXPECT_EQ(header(headers, "Access-Control-Allow-Methods"), "GET,POST,DELETE,OPTIONS");

  headers = policy.cors_headers("", "10.0.0.2:8000");
  EXPECT_EQ(header(headers, "Access-Control-Allow-Origin"), "<absent>");

  const OriginPolicy any({"*"}, false);
  EXPECT_EQ(header(any.cors_headers("http://x.example", "h"), "Access-Control-Allow-Origin"), "http://x.example");
}

}  // namespace
}  // namespace lumina::net
