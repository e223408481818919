// sACN (E1.31) input parsing: data and synchronization packets from the
// network, and the CID text read from the data dir. Accepted packets must
// re-encode and re-parse to the same slots.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "fuzz_check.hpp"
#include "lumina/lighting/sacn.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lumina;

  if (const auto packet = parse_sacn_data(data, size)) {
    const auto& slots = packet->slots;
    LUMINA_FUZZ_CHECK(slots.size() <= kSacnMaxSlots, "more than 512 slots");
    LUMINA_FUZZ_CHECK(slots.empty() || (slots.data() >= data && slots.data() + slots.size() <= data + size),
                      "slot span outside the datagram");
    std::array<std::uint8_t, kSacnDataHeaderSize + kSacnMaxSlots> out{};
    const std::size_t n = encode_sacn_data(packet->header, slots.data(), slots.size(), out.data(), out.size());
    if (n > 0) {
      const auto again = parse_sacn_data(out.data(), n);
      LUMINA_FUZZ_CHECK(again && again->header.universe == packet->header.universe &&
                            again->slots.size() == slots.size() &&
                            std::memcmp(again->slots.data(), slots.data(), slots.size()) == 0,
                        "sACN data round trip changed the packet");
    }
  }

  if (const auto sync = parse_sacn_sync(data, size)) {
    std::array<std::uint8_t, 64> out{};
    const std::size_t n = encode_sacn_sync(*sync, out.data(), out.size());
    if (n > 0) {
      const auto again = parse_sacn_sync(out.data(), n);
      LUMINA_FUZZ_CHECK(again && again->sync_address == sync->sync_address && again->sequence == sync->sequence,
                        "sACN sync round trip changed the packet");
    }
  }

  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto cid = parse_sacn_cid(text)) {
    const auto again = parse_sacn_cid(format_sacn_cid(*cid));
    LUMINA_FUZZ_CHECK(again && *again == *cid, "CID text round trip failed");
  }
  return 0;
}
