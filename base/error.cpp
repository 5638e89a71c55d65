#include "base/error.h"

namespace ticketd {

const char* errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::not_found: return "not_found";
    case Errc::forbidden: return "forbidden";
    case Errc::conflict: return "conflict";
    case Errc::validation: return "validation";
    case Errc::wrong_expected_version: return "wrong_expected_version";
    case Errc::precondition_failed: return "precondition_failed";
    case Errc::too_large: return "too_large";
    case Errc::unavailable: return "unavailable";
    case Errc::internal: return "internal";
  }
  return "internal";
}

}  // namespace ticketd
