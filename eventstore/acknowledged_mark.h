// The file `<dir>/ACKNOWLEDGED`: where a poisoned event store writes its durable position,
// so that the next open can drop what was written after it but never acknowledged.
// The file is allocated (kBytes) when the store opens, so recording a position overwrites
// allocated space and works on a full disk. Internal to eventstore/. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/error.h"

namespace ticketd {

class AcknowledgedMark {
 public:
  static constexpr std::size_t kBytes = 32;

  // Opens (creating and allocating) the file in `dir`.
  [[nodiscard]] static Result<AcknowledgedMark> open(const std::string& dir);
  AcknowledgedMark(AcknowledgedMark&& other) noexcept : fd_(other.fd_), recorded_(other.recorded_) { other.fd_ = -1; }
  AcknowledgedMark& operator=(AcknowledgedMark&&) = delete;
  ~AcknowledgedMark();

  // The position recorded by a poisoned store, if any.
  [[nodiscard]] std::optional<std::uint64_t> recorded() const { return recorded_; }
  // Records `position` and syncs the file; false if the file could not be written.
  bool record(std::uint64_t position);
  // Clears the record (after the store dropped what followed it) and syncs the file.
  bool clear();

 private:
  explicit AcknowledgedMark(int fd, std::optional<std::uint64_t> recorded) : fd_(fd), recorded_(recorded) {}
  bool write(const std::string& text);

  int fd_ = -1;
  std::optional<std::uint64_t> recorded_;
};

}  // namespace ticketd
