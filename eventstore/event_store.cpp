#include "eventstore/event_store.h"

#include <future>

namespace ticketd {

Result<AppendOk> EventStore::append(std::string stream, ExpectedVersion expected, std::vector<NewEvent> events) {
  std::promise<Result<AppendOk>> promise;
  auto future = promise.get_future();
  append_async(AppendRequest{std::move(stream), expected, std::move(events)},
               [&promise](Result<AppendOk> r) { promise.set_value(std::move(r)); });
  return future.get();
}

Result<std::vector<EventStore::MetaEntry>> EventStore::scan_meta(std::string_view, std::string_view,
                                                                 std::size_t) const {
  return make_error(Errc::unavailable, "this event store cannot scan its meta table");
}

Result<void> EventStore::delete_meta(const std::vector<std::string>&) {
  return make_error(Errc::unavailable, "this event store cannot delete meta entries");
}

Result<std::optional<EventRecord>> EventStore::find_event(std::string_view stream, std::string_view event_id) const {
  constexpr std::size_t kPage = 512;
  for (std::uint64_t from = 1;; from += kPage) {
    auto page = read_stream(stream, from, kPage);
    if (!page) return std::unexpected(page.error());
    for (auto& r : *page) {
      if (r.event_id == event_id) return std::optional<EventRecord>(std::move(r));
    }
    if (page->size() < kPage) return std::optional<EventRecord>();
  }
}

}  // namespace ticketd
