#include "outbound_queue.hpp"

#include <utility>

namespace lumina::net {

bool OutboundQueue::push_ordered(SharedText message, std::string_view type) {
  if (ordered_.size() >= max_ordered_) return false;
  ordered_.push_back(OutboundMessage{std::move(message), type});
  return true;
}

bool OutboundQueue::push_telemetry(std::string_view stream, SharedText message) {
  for (auto& slot : slots_) {
    if (slot.stream != stream) continue;
    const bool replaced = slot.message != nullptr;
    if (!replaced) {
      slot.order = next_order_++;
      ++pending_telemetry_;
    }
    // A replaced message keeps its place in line, so a stream that updates
    // faster than the client reads cannot starve the others.
    slot.message = std::move(message);
    return replaced;
  }
  slots_.push_back(Slot{stream, std::move(message), next_order_++});
  ++pending_telemetry_;
  return false;
}

void OutboundQueue::drop_telemetry_if(const std::function<bool(std::string_view)>& drop) {
  for (auto& slot : slots_) {
    if (slot.message && drop(slot.stream)) {
      slot.message.reset();
      --pending_telemetry_;
    }
  }
}

OutboundMessage OutboundQueue::pop() {
  if (!ordered_.empty()) {
    OutboundMessage next = std::move(ordered_.front());
    ordered_.pop_front();
    return next;
  }
  Slot* oldest = nullptr;
  for (auto& slot : slots_) {
    if (slot.message && (oldest == nullptr || slot.order < oldest->order)) oldest = &slot;
  }
  if (oldest == nullptr) return {};
  --pending_telemetry_;
  return OutboundMessage{std::exchange(oldest->message, nullptr), oldest->stream};
}

void OutboundQueue::clear() {
  ordered_.clear();
  for (auto& slot : slots_) slot.message.reset();
  pending_telemetry_ = 0;
}

}  // namespace lumina::net
