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

}  // namespace ticketd
