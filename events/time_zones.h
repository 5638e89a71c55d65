// IANA time zones for business calendars (the domain's TimeZoneRules port), read from
// the system tz database (Debian's tzdata) through Howard Hinnant's date library.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/error.h"
#include "domain/sla.h"

namespace ticketd {

class TimeZones {
 public:
  // The rules of `name` ("Europe/Berlin", "UTC"); Errc::validation for unknown names.
  // The returned reference stays valid for the lifetime of this object. Thread-safe.
  [[nodiscard]] Result<const TimeZoneRules*> get(const std::string& name);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<TimeZoneRules>> zones_;
};

}  // namespace ticketd
