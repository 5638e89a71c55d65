#include "commands/ticket_numbers.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "commands/new_event.h"
#include "events/streams.h"

namespace ticketd {

inline constexpr const char* kBlockReserved = "ticket_numbers.reserved";
inline constexpr int kMaxReserveAttempts = 16;

Result<void> TicketNumbers::reserve_block(int year, Timestamp now, Block& block) {
  const std::string stream = streams::ticket_numbers(year);
  for (int attempt = 0; attempt < kMaxReserveAttempts; ++attempt) {
    auto version = store_.stream_version(stream);
    if (!version) return std::unexpected(version.error());
    std::uint64_t last_reserved = 0;
    if (*version > 0) {
      auto last = store_.read_stream(stream, *version, 1);
      if (!last || last->empty()) return make_error(Errc::internal, "ticket number stream unreadable");
      thread_local simdjson::dom::parser parser;
      simdjson::dom::element root;
      const auto& data = last->front().data;
      if (parser.parse(data.data(), data.size()).get(root) != simdjson::SUCCESS ||
          root["last"].get_uint64().get(last_reserved) != simdjson::SUCCESS) {
        return make_error(Errc::internal, "ticket number block unreadable");
      }
    }
    const std::uint64_t first = last_reserved + 1;
    const std::uint64_t last = last_reserved + kBlockSize;
    // A retried reservation of the same block has the same event id: idempotent.
    NewEvent e = event_by(system_principal(""), fmt::format("{}-{}", year, first), kBlockReserved, now,
                          fmt::format(R"({{"first":{},"last":{}}})", first, last));
    auto r = store_.append(stream, ExpectedVersion::exact(*version), {e});
    if (r) {
      block = Block{first, last};
      return {};
    }
    if (r.error().code != Errc::wrong_expected_version) return std::unexpected(r.error());
  }
  return make_error(Errc::unavailable, "could not reserve ticket numbers: too much contention");
}

Result<std::string> TicketNumbers::next(Timestamp now) {
  const int year = static_cast<int>(std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(now)}.year());
  std::lock_guard lock(mu_);
  Block& block = blocks_[year];
  if (block.next > block.last) {
    auto r = reserve_block(year, now, block);
    if (!r) return std::unexpected(r.error());
  }
  return fmt::format("TICK-{}-{:06}", year, block.next++);
}

}  // namespace ticketd
