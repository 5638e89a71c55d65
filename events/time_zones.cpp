#include "events/time_zones.h"

#include <date/tz.h>

namespace ticketd {
namespace {

class IanaRules final : public TimeZoneRules {
 public:
  explicit IanaRules(const date::time_zone* zone) : zone_(zone) {}
  [[nodiscard]] std::chrono::seconds offset_at(Timestamp t) const override {
    return zone_->get_info(std::chrono::time_point_cast<std::chrono::seconds>(t)).offset;
  }

 private:
  const date::time_zone* zone_;
};

}  // namespace

Result<const TimeZoneRules*> TimeZones::get(const std::string& name) {
  std::lock_guard lock(mu_);
  if (auto it = zones_.find(name); it != zones_.end()) return it->second.get();
  std::unique_ptr<TimeZoneRules> rules;
  if (name == "UTC" || name == "Etc/UTC") {
    rules = std::make_unique<UtcRules>();
  } else {
    try {
      rules = std::make_unique<IanaRules>(date::locate_zone(name));
    } catch (const std::exception&) {
      return make_error(Errc::validation, "unknown time zone " + name);
    }
  }
  const TimeZoneRules* out = rules.get();
  zones_.emplace(name, std::move(rules));
  return out;
}

}  // namespace ticketd
