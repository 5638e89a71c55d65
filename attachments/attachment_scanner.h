// The scan hook: a verdict on an uploaded file before it is stored. "clean" stores it;
// any other verdict ("infected:<name>", "unreadable") refuses the upload (HTTP 422) and
// is recorded in the access log. scan() runs on a request worker, once per file, and
// must be thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace ticketd {

class AttachmentScanner {
 public:
  virtual ~AttachmentScanner() = default;
  // The verdict on `length` bytes at `offset` of the file at `path`.
  [[nodiscard]] virtual std::string scan(const std::string& path, std::uint64_t offset, std::uint64_t length) = 0;
};

// The built-in scanner: flags the EICAR anti-virus test file, passes everything else.
class EicarScanner final : public AttachmentScanner {
 public:
  [[nodiscard]] std::string scan(const std::string& path, std::uint64_t offset, std::uint64_t length) override;
};

}  // namespace ticketd
