#pragma once
// The send side of one WebSocket session, bounded in both directions that a
// slow client could grow it (B.5, C.5):
//  - ordered messages (hello_ack, ack, error, replies, and published events
//    such as audio_file_status or beat) form one FIFO that is never dropped
//    from but capped; overflowing it means the client must be disconnected;
//  - telemetry keeps at most one pending message per stream: a newer push
//    replaces the unsent older one (latest-wins), so a slow client sees fewer
//    frames instead of older ones.
// The FIFO goes out before telemetry. io thread only; not RT-safe.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string_view>
#include <vector>

#include "shared_text.hpp"

namespace lumina::net {

inline constexpr std::size_t kMaxPendingReplies = 256;

// One message to write and its `type`. Type and stream views must outlive the
// queue: callers pass string literals or names interned by the server context.
struct OutboundMessage {
  SharedText text;
  std::string_view type;

  explicit operator bool() const noexcept { return text != nullptr; }
};

class OutboundQueue {
 public:
  explicit OutboundQueue(std::size_t max_ordered = kMaxPendingReplies) : max_ordered_(max_ordered) {}

  // False (and nothing queued) when the FIFO is already full.
  [[nodiscard]] bool push_ordered(SharedText message, std::string_view type);

  // Queues `message` as the pending push of `stream`. Returns true when it
  // replaced an unsent older one (a dropped telemetry message).
  bool push_telemetry(std::string_view stream, SharedText message);

  // Forgets pending telemetry of every stream for which `drop` is true (used
  // after unsubscribe, so nothing of that stream follows the ack).
  void drop_telemetry_if(const std::function<bool(std::string_view)>& drop);

  // The next message to write (empty when nothing is pending): the oldest
  // ordered one, else the telemetry stream that has waited longest.
  OutboundMessage pop();

  void clear();
  bool empty() const noexcept { return ordered_.empty() && pending_telemetry_ == 0; }
  std::size_t pending_ordered() const noexcept { return ordered_.size(); }
  std::size_t pending_telemetry() const noexcept { return pending_telemetry_; }

 private:
  // One slot per stream ever pushed to this session (a handful); slots are
  // reused so steady-state pushes do not allocate.
  struct Slot {
    std::string_view stream;
    SharedText message;       // null: nothing pending
    std::uint64_t order = 0;  // when the pending message first became pending
  };

  std::size_t max_ordered_;
  std::deque<OutboundMessage> ordered_;
  std::vector<Slot> slots_;
  std::size_t pending_telemetry_ = 0;
  std::uint64_t next_order_ = 0;
};

}  // namespace lumina::net
