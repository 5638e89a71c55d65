#include "eventstore/chain_verifier.h"

#include "eventstore/record_codec.h"

namespace ticketd {

Result<ChainReport> verify_chain(const EventStore& store) {
  ChainReport report;
  report.head = LogHead{0, std::string(kGenesisHash)};
  const LogHead stored_head = store.head();
  const std::uint64_t last = stored_head.position;
  auto fail = [&](std::uint64_t position, std::string reason) {
    report.ok = false;
    report.broken_at = position;
    report.reason = std::move(reason);
    return report;
  };
  for (std::uint64_t position = 1; position <= last; ++position) {
    auto raw = store.read_raw(position);
    if (!raw) {
      if (raw.error().code == Errc::not_found) return fail(position, "record missing");
      return std::unexpected(raw.error());
    }
    auto record = decode_record(*raw);
    if (!record) return fail(position, "record unreadable: " + record.error().message);
    if (record->position != position) {
      return fail(position, "record claims position " + std::to_string(record->position));
    }
    if (record->prev_hash != report.head.hash) return fail(position, "prev_hash does not link");
    auto canonical = canonical_of_stored(*raw);
    if (!canonical) return fail(position, canonical.error().message);
    if (chain_hash(record->prev_hash, *canonical) != record->hash) {
      return fail(position, "hash does not match the record's bytes");
    }
    report.head = LogHead{position, record->hash};
    ++report.checked;
  }
  if (report.head.hash != stored_head.hash) {
    return fail(last, "the store's head hash differs from the chain's last hash");
  }
  return report;
}

}  // namespace ticketd
