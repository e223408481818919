#include "endpoint_text.hpp"

namespace lumina::net {

std::string endpoint_text(const boost::asio::ip::address& address, std::uint16_t port) {
  const std::string host = address.to_string();
  return (address.is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string peer_text(const boost::asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  if (ec) return "?";
  return endpoint_text(peer.address(), peer.port());
}

}  // namespace lumina::net
