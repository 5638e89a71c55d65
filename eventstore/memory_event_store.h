// An EventStore in memory, for tests where RocksDB adds nothing (command handling,
// scheduling, projections over a small log). Same contract as the RocksDB store
// (event_store.h): the same append rules and limits, expected versions, idempotent
// event ids, hash chain and stored form; everything is "durable" the moment it is
// appended, and gone when the object is destroyed. Appends complete inline on the
// calling thread. Thread-safe.
#pragma once

#include <memory>

#include "eventstore/event_store.h"

namespace ticketd {

[[nodiscard]] std::unique_ptr<EventStore> make_memory_event_store(EventStoreLimits limits = {});

}  // namespace ticketd
