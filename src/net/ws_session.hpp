#pragma once
// The WebSocket side of the server. Only the entry point is declared here so
// that Beast's websocket templates are instantiated in ws_session.cpp alone.
#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>

namespace lumina::net {

struct ServerContext;

// Takes over a connection whose HTTP request was a WebSocket upgrade on /ws:
// completes the handshake, sends hello_ack and serves the client until either
// side closes. The session keeps itself alive through its pending operations.
void start_ws_session(boost::asio::ip::tcp::socket socket,
                      boost::beast::http::request<boost::beast::http::empty_body> upgrade,
                      std::shared_ptr<ServerContext> context);

}  // namespace lumina::net
