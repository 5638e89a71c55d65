// --demo: a demo tenant tree with users and a few tickets (created once per data
// directory), and a token printed for every role.
#pragma once

#include <string>

#include "commands/command_engine.h"

namespace ticketd::app {

// Seeds the demo data unless it is there already. Errors are returned, not printed.
// `store` is the engine's (for the "seeded" mark); `ids` makes comment ids.
[[nodiscard]] Result<void> seed_demo(CommandEngine& engine, EventStore& store, IdSource& ids);

// Prints "token <role> <jwt>" lines for the demo principals, minted with `secret`.
void print_demo_tokens(const std::string& secret, Timestamp now);

}  // namespace ticketd::app
