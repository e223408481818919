// Art-Net input parsing: every datagram a node on the network may send us.
// Each parser must stay inside the datagram, and whatever it accepts must
// survive a re-encode → re-parse round trip unchanged.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz_check.hpp"
#include "lumina/lighting/artdmx.hpp"
#include "lumina/lighting/artnet_packets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lumina;

  if (const auto dmx = parse_artdmx(data, size)) {
    LUMINA_FUZZ_CHECK(!dmx->data.empty() && dmx->data.size() <= kArtDmxMaxData, "ArtDmx length outside 1..512");
    LUMINA_FUZZ_CHECK(dmx->data.data() >= data && dmx->data.data() + dmx->data.size() <= data + size,
                      "ArtDmx data span outside the datagram");
    std::array<std::uint8_t, kArtDmxMaxPacketSize> out{};
    const std::size_t n =
        encode_artdmx(dmx->port_address, dmx->sequence, dmx->data.data(), dmx->data.size(), out.data(), out.size());
    LUMINA_FUZZ_CHECK(n > 0, "an accepted ArtDmx does not re-encode");
    const auto again = parse_artdmx(out.data(), n);
    LUMINA_FUZZ_CHECK(again && again->port_address == dmx->port_address && again->sequence == dmx->sequence,
                      "ArtDmx round trip changed the header");
    // Odd lengths are padded by one zero byte on encode.
    LUMINA_FUZZ_CHECK(again->data.size() >= dmx->data.size() &&
                          std::memcmp(again->data.data(), dmx->data.data(), dmx->data.size()) == 0,
                      "ArtDmx round trip changed the data");
  }

  if (const auto poll = parse_artpoll(data, size)) {
    std::array<std::uint8_t, kArtPollSize> out{};
    const std::size_t n = encode_artpoll(*poll, out.data(), out.size());
    LUMINA_FUZZ_CHECK(n == kArtPollSize && parse_artpoll(out.data(), n).has_value(), "ArtPoll round trip failed");
  }

  if (const auto reply = parse_artpollreply(data, size)) {
    // Strings are forced NUL-terminated; reading them must stay in the field.
    const auto name = artnet_string(reply->short_name);
    const auto long_name = artnet_string(reply->long_name);
    LUMINA_FUZZ_CHECK(name.size() < reply->short_name.size() && long_name.size() < reply->long_name.size(),
                      "ArtPollReply string not NUL-terminated");
    for (std::size_t i = 0; i < 4; ++i) {
      LUMINA_FUZZ_CHECK(reply->output_port_address(i) <= kArtNetMaxPortAddress, "port-address over 15 bits");
      LUMINA_FUZZ_CHECK(reply->input_port_address(i) <= kArtNetMaxPortAddress, "port-address over 15 bits");
    }
    std::array<std::uint8_t, kArtPollReplySize> out{};
    const std::size_t n = encode_artpollreply(*reply, out.data(), out.size());
    LUMINA_FUZZ_CHECK(n == kArtPollReplySize, "an accepted ArtPollReply does not re-encode");
    const auto again = parse_artpollreply(out.data(), n);
    LUMINA_FUZZ_CHECK(again && artnet_string(again->short_name) == name &&
                          artnet_string(again->long_name) == long_name,
                      "ArtPollReply round trip changed the names");
  }

  (void)parse_artsync(data, size);
  return 0;
}
