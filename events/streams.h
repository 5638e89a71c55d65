// Names of the non-ticket streams in the log. Ticket streams are named by the ticket id
// (a UUID), which never contains ':'.
#pragma once

#include <string>
#include <string_view>

namespace ticketd::streams {

inline std::string tenant(std::string_view id) { return "tenant:" + std::string(id); }
inline std::string user(std::string_view sub) { return "user:" + std::string(sub); }
inline std::string ticket_numbers(int year) { return "ticket-numbers:" + std::to_string(year); }

}  // namespace ticketd::streams
