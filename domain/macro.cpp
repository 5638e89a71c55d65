#include "domain/macro.h"

#include <algorithm>

namespace ticketd {
namespace {

constexpr std::string_view kOpen = "{{";
constexpr std::string_view kClose = "}}";

const std::string* value_of(std::string_view name, const PlaceholderValues& v) {
  if (name == "ticket.number") return &v.ticket_number;
  if (name == "ticket.subject") return &v.ticket_subject;
  if (name == "requester.name") return &v.requester_name;
  if (name == "agent.name") return &v.agent_name;
  return nullptr;
}

// Calls on_text(text) and on_placeholder(name, whole) over `text`, in order; false when a
// "{{" is not closed (the rest is then given to on_text).
template <class OnText, class OnPlaceholder>
bool scan(std::string_view text, OnText on_text, OnPlaceholder on_placeholder) {
  while (!text.empty()) {
    const auto open = text.find(kOpen);
    if (open == std::string_view::npos) break;
    const auto close = text.find(kClose, open + kOpen.size());
    if (close == std::string_view::npos) {
      on_text(text);
      return false;
    }
    on_text(text.substr(0, open));
    on_placeholder(text.substr(open + kOpen.size(), close - open - kOpen.size()),
                   text.substr(open, close + kClose.size() - open));
    text.remove_prefix(close + kClose.size());
  }
  on_text(text);
  return true;
}

}  // namespace

const std::vector<std::string_view>& placeholder_names() {
  static const std::vector<std::string_view> names{"ticket.number", "ticket.subject", "requester.name", "agent.name"};
  return names;
}

std::optional<std::string> first_bad_placeholder(std::string_view text) {
  std::optional<std::string> bad;
  const PlaceholderValues none;
  const bool closed = scan(
      text, [](std::string_view) {},
      [&](std::string_view name, std::string_view whole) {
        if (!bad && value_of(name, none) == nullptr) bad = std::string(whole);
      });
  if (!bad && !closed) bad = std::string(kOpen);
  return bad;
}

std::string render_placeholders(std::string_view text, const PlaceholderValues& values) {
  std::string out;
  out.reserve(text.size());
  (void)scan(
      text, [&](std::string_view part) { out += part; },
      [&](std::string_view name, std::string_view whole) {
        const std::string* value = value_of(name, values);
        out += value != nullptr ? std::string_view(*value) : whole;
      });
  return out;
}

}  // namespace ticketd
