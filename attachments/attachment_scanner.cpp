#include "attachments/attachment_scanner.h"

#include <cstdio>
#include <string_view>

namespace ticketd {
namespace {

constexpr std::string_view kEicarSignature = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
constexpr std::uint64_t kEicarMaxBytes = 128;  // the test file with trailing whitespace

}  // namespace

std::string EicarScanner::scan(const std::string& path, std::uint64_t offset, std::uint64_t length) {
  if (length > kEicarMaxBytes) return "clean";
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return "unreadable";
  std::string head(static_cast<std::size_t>(length), '\0');
  const bool ok = std::fseek(f, static_cast<long>(offset), SEEK_SET) == 0 &&
                  std::fread(head.data(), 1, head.size(), f) == head.size();
  std::fclose(f);
  if (!ok) return "unreadable";
  return head.starts_with(kEicarSignature) ? "infected:EICAR-Test-File" : "clean";
}

}  // namespace ticketd
