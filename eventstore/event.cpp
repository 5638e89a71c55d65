#include "eventstore/event.h"

namespace ticketd {

bool ExpectedVersion::admits(std::uint64_t current) const {
  switch (kind_) {
    case Kind::any:
      return true;
    case Kind::no_stream:
      return current == 0;
    case Kind::exists:
      return current > 0;
    case Kind::exact:
      return current == version_;
  }
  return false;
}

}  // namespace ticketd
