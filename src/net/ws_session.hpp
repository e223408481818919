#pragma once
// The WebSocket side of the server. Only the entry points are declared here
// so that Beast's websocket templates are instantiated in ws_session.cpp alone.
#include <memory>

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace lumina::net {

struct ServerContext;

// Takes over a connection whose HTTP request was an accepted WebSocket
// upgrade on /ws: completes the handshake, sends hello_ack and serves the
// client until either side closes. `authenticated`: the upgrade carried the
// access token (or none is required); otherwise the client must send `auth`
// first. The session keeps itself alive through its pending operations.
void start_ws_session(boost::beast::tcp_stream stream,
                      boost::beast::http::request<boost::beast::http::empty_body> upgrade,
                      std::shared_ptr<ServerContext> context, bool authenticated);
void start_ws_session(boost::beast::ssl_stream<boost::beast::tcp_stream> stream,
                      boost::beast::http::request<boost::beast::http::empty_body> upgrade,
                      std::shared_ptr<ServerContext> context, bool authenticated);

}  // namespace lumina::net
