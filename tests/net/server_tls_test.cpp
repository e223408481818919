// HTTPS/WSS: a self-signed certificate generated here with the OpenSSL C API
// (no network, no openssl binary), a Server configured with it, and Beast
// clients that trust exactly that certificate.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "lumina/net/server.hpp"
#include "net/net_test_support.hpp"

namespace lumina {
namespace {

using namespace lumina::test;
namespace fs = std::filesystem;
namespace ssl = asio::ssl;

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct FileClose {
  void operator()(FILE* file) const { std::fclose(file); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using File = std::unique_ptr<FILE, FileClose>;

Pkey make_key() {
  Pkey key(EVP_EC_gen("P-256"));
  if (!key) throw std::runtime_error("EVP_EC_gen failed");
  return key;
}

Cert make_self_signed(EVP_PKEY* key) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (X509_sign(cert.get(), key, EVP_sha256()) == 0) throw std::runtime_error("X509_sign failed");
  return cert;
}

void write_pem(const fs::path& path, X509* cert) {
  File file(std::fopen(path.c_str(), "w"));
  if (!file || PEM_write_X509(file.get(), cert) != 1) throw std::runtime_error("cannot write " + path.string());
}

void write_pem(const fs::path& path, EVP_PKEY* key) {
  File file(std::fopen(path.c_str(), "w"));
  if (!file || PEM_write_PrivateKey(file.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

class TlsFiles {
 public:
  TlsFiles() {
    std::string pattern = (fs::temp_directory_path() / "lumina-tls-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    const Pkey key = make_key();
    const Cert cert = make_self_signed(key.get());
    write_pem(cert_path(), cert.get());
    write_pem(key_path(), key.get());
    const Pkey other = make_key();
    write_pem(other_key_path(), other.get());
  }
  ~TlsFiles() { fs::remove_all(dir_); }
  TlsFiles(const TlsFiles&) = delete;
  TlsFiles& operator=(const TlsFiles&) = delete;

  fs::path cert_path() const { return dir_ / "cert.pem"; }
  fs::path key_path() const { return dir_ / "key.pem"; }
  fs::path other_key_path() const { return dir_ / "other-key.pem"; }

 private:
  fs::path dir_;
};

class ServerTlsTest : public ServerFixture {
 protected:
  void configure(ServerOptions& options, ServerHooks&) override {
    options.tls_cert_file = files_.cert_path().string();
    options.tls_key_file = files_.key_path().string();
  }

  // Trusts only the test's certificate.
  ssl::context client_context() const {
    ssl::context context(ssl::context::tls_client);
    context.load_verify_file(files_.cert_path().string());
    context.set_verify_mode(ssl::verify_peer);
    return context;
  }

  TlsFiles files_;
};

TEST_F(ServerTlsTest, HttpsServesHealth) {
  asio::io_context io;
  ssl::context context = client_context();
  beast::ssl_stream<beast::tcp_stream> stream(io, context);
  auto& tcp = beast::get_lowest_layer(stream);
  tcp.expires_after(kOpTimeout);
  check(run_op(io, [&](auto handler) { tcp.async_connect(loopback(port()), std::move(handler)); }), "connect");
  tcp.expires_after(kOpTimeout);
  check(run_op(io, [&](auto handler) { stream.async_handshake(ssl::stream_base::client, std::move(handler)); }),
        "TLS handshake");
  http::request<http::empty_body> request{http::verb::get, "/health", 11};
  request.set(http::field::host, "127.0.0.1");
  tcp.expires_after(kOpTimeout);
  check(run_op(io, [&](auto handler) { http::async_write(stream, request, std::move(handler)); }), "write");
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  tcp.expires_after(kOpTimeout);
  check(run_op(io, [&](auto handler) { http::async_read(stream, buffer, response, std::move(handler)); }), "read");
  EXPECT_EQ(response.result(), http::status::ok);
  const json body = json::parse(response.body());
  EXPECT_EQ(body["ok"], true);
  EXPECT_EQ(body["net"]["tls"], true);
}

TEST_F(ServerTlsTest, WssHandshakeAndMessages) {
  asio::io_context io;
  ssl::context context = client_context();
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(io, context);
  auto& tcp = beast::get_lowest_layer(ws);
  tcp.expires_after(kOpTimeout);
  check(run_op(io, [&](auto handler) { tcp.async_connect(loopback(port()), std::move(handler)); }), "connect");
  tcp.expires_after(kOpTimeout);
  check(
      run_op(io, [&](auto handler) { ws.next_layer().async_handshake(ssl::stream_base::client, std::move(handler)); }),
      "TLS handshake");
  tcp.expires_after(kOpTimeout);
  check(run_op(io, [&](auto handler) { ws.async_handshake("127.0.0.1", "/ws", std::move(handler)); }), "ws handshake");

  const auto read = [&] {
    beast::flat_buffer buffer;
    tcp.expires_after(kOpTimeout);
    check(run_op(io, [&](auto handler) { ws.async_read(buffer, std::move(handler)); }), "read");
    return json::parse(beast::buffers_to_string(buffer.data()));
  };
  EXPECT_EQ(read()["type"], "hello_ack");
  const std::string subscribe = R"({"type":"subscribe","payload":{"streams":["x"]},"reqId":1})";
  ws.text(true);
  tcp.expires_after(kOpTimeout);
  check(run_op(io, [&](auto handler) { ws.async_write(asio::buffer(subscribe), std::move(handler)); }), "write");
  const json ack = read();
  EXPECT_EQ(ack["type"], "ack");
  EXPECT_EQ(ack["reqId"], 1);
  tcp.expires_after(kOpTimeout);
  EXPECT_FALSE(run_op(io, [&](auto handler) { ws.async_close(websocket::close_code::normal, std::move(handler)); }));
}

TEST_F(ServerTlsTest, PlainHttpOnTheTlsPortGetsNoAnswer) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(kOpTimeout);
  check(run_op(io, [&](auto handler) { stream.async_connect(loopback(port()), std::move(handler)); }), "connect");
  http::request<http::empty_body> request{http::verb::get, "/health", 11};
  request.set(http::field::host, "127.0.0.1");
  stream.expires_after(kOpTimeout);
  check(run_op(io, [&](auto handler) { http::async_write(stream, request, std::move(handler)); }), "write");
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  stream.expires_after(kOpTimeout);
  const auto ec = run_op(io, [&](auto handler) { http::async_read(stream, buffer, response, std::move(handler)); });
  EXPECT_TRUE(ec) << "a plain HTTP response came back";
  EXPECT_NE(ec, beast::error::timeout) << "the server held the connection instead of closing it";
}

std::string start_error(const ServerOptions& options) {
  Server server(options, ServerHooks{});
  try {
    server.start();
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  server.stop();
  return "<started>";
}

TEST(ServerTlsConfig, BadFilesAreReadableErrors) {
  TlsFiles files;
  ServerOptions options;
  options.port = 0;

  options.tls_cert_file = "/nonexistent/cert.pem";
  options.tls_key_file = files.key_path().string();
  std::string error = start_error(options);
  EXPECT_NE(error.find("TLS certificate file /nonexistent/cert.pem"), std::string::npos) << error;

  options.tls_cert_file = files.cert_path().string();
  options.tls_key_file = files.cert_path().string();  // a certificate is not a key
  error = start_error(options);
  EXPECT_NE(error.find("TLS key file " + files.cert_path().string()), std::string::npos) << error;

  options.tls_key_file = files.other_key_path().string();
  error = start_error(options);
  EXPECT_NE(error.find("does not match the certificate"), std::string::npos) << error;

  options.tls_key_file.clear();
  error = start_error(options);
  EXPECT_NE(error.find("TLS needs both a certificate and a key file"), std::string::npos) << error;
}

}  // namespace
}  // namespace lumina
