#include "eventstore/acknowledged_mark.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

namespace ticketd {

Result<AcknowledgedMark> AcknowledgedMark::open(const std::string& dir) {
  const std::string path = dir + "/ACKNOWLEDGED";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return make_error(Errc::unavailable, "cannot open " + path + ": " + std::strerror(errno));
  char buf[kBytes] = {};
  const ssize_t n = ::pread(fd, buf, kBytes, 0);
  std::optional<std::uint64_t> recorded;
  std::uint64_t position = 0;
  if (n > 0) {
    auto [end, ec] = std::from_chars(buf, buf + n, position);
    if (ec == std::errc() && end != buf) recorded = position;
  }
  if (n < static_cast<ssize_t>(kBytes)) {
    // Allocate now, while there is space: record() must not need any.
    if (::posix_fallocate(fd, 0, kBytes) != 0 || ::fdatasync(fd) != 0) {
      ::close(fd);
      return make_error(Errc::unavailable, "cannot allocate " + path);
    }
  }
  return AcknowledgedMark(fd, recorded);
}

AcknowledgedMark::~AcknowledgedMark() {
  if (fd_ >= 0) ::close(fd_);
}

bool AcknowledgedMark::write(const std::string& text) {
  std::string padded = text;
  padded.resize(kBytes, ' ');
  return ::pwrite(fd_, padded.data(), kBytes, 0) == static_cast<ssize_t>(kBytes) && ::fdatasync(fd_) == 0;
}

bool AcknowledgedMark::record(std::uint64_t position) {
  recorded_ = position;
  return write(std::to_string(position) + "\n");
}

bool AcknowledgedMark::clear() {
  recorded_.reset();
  return write("");
}

}  // namespace ticketd
