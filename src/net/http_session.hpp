#pragma once
// The HTTP side of the server: one session per accepted connection (after a
// TLS handshake when the server has a certificate), serving keep-alive
// requests one at a time and handing WebSocket upgrades on /ws to ws_session.
// Beast's HTTP templates are instantiated in http_session.cpp only.
#include <memory>

#include <boost/asio/ip/tcp.hpp>

namespace lumina::net {

struct ServerContext;

void start_http_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerContext> context);

}  // namespace lumina::net
