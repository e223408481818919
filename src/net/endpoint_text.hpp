#pragma once
// Human-readable endpoints for logs and error messages.
#include <cstdint>
#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace lumina::net {

// "127.0.0.1:8000", "[::1]:8000".
std::string endpoint_text(const boost::asio::ip::address& address, std::uint16_t port);
// The connected peer, or "?" when it is already gone.
std::string peer_text(const boost::asio::ip::tcp::socket& socket);

}  // namespace lumina::net
