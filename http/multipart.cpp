#include "http/multipart.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/beast/http.hpp>
#include <cerrno>
#include <optional>

namespace ticketd::http {

namespace bhttp = boost::beast::http;

namespace {

constexpr std::size_t kScanChunk = 64 * 1024;
constexpr std::size_t kMaxPartHeaderBytes = 8 * 1024;
constexpr std::size_t kMaxBoundaryBytes = 70;  // RFC 2046

class File {
 public:
  explicit File(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  bool is_open() const { return fd_ >= 0; }

  // Up to `n` bytes at `offset` (fewer at the end of the file).
  Result<std::string> read_at(std::uint64_t offset, std::size_t n) const {
    std::string out(n, '\0');
    std::size_t got = 0;
    while (got < n) {
      const ssize_t r = ::pread(fd_, out.data() + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return make_error(Errc::internal, "cannot read the upload");
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
    }
    out.resize(got);
    return out;
  }

 private:
  int fd_;
};

// The offsets of `needle` in a file, in increasing order, reading the file forward once in
// chunks (an occurrence may straddle two chunks). Each call costs only the bytes it reads,
// so walking every delimiter of a body is linear in its size.
class NeedleScanner {
 public:
  NeedleScanner(const File& file, std::string needle) : file_(file), needle_(std::move(needle)) {}

  // The next occurrence's offset, nullopt past the last one.
  Result<std::optional<std::uint64_t>> next() {
    for (;;) {
      if (const auto at = window_.find(needle_, cursor_); at != std::string::npos) {
        cursor_ = at + 1;
        return std::optional<std::uint64_t>(base_ + at);
      }
      if (at_end_) return std::optional<std::uint64_t>();
      // Keep only the tail that could still begin an occurrence.
      const std::size_t keep = std::min(window_.size(), needle_.size() - 1);
      const std::size_t drop = window_.size() - keep;
      base_ += drop;
      window_.erase(0, drop);
      cursor_ = cursor_ > drop ? cursor_ - drop : 0;
      auto chunk = file_.read_at(base_ + window_.size(), kScanChunk);
      if (!chunk) return std::unexpected(chunk.error());
      at_end_ = chunk->empty();
      window_ += *chunk;
    }
  }

 private:
  const File& file_;
  std::string needle_;
  std::string window_;      // the file's bytes from base_
  std::uint64_t base_ = 0;  // file offset of window_[0]
  std::size_t cursor_ = 0;  // where the next search in window_ starts
  bool at_end_ = false;
};

// The file part whose headers are `head` (the bytes after its delimiter line), or nullopt
// when the part carries no file name (a form field) or its headers do not parse.
std::optional<FilePart> file_part_of(const std::string& head) {
  const auto end = head.find("\r\n\r\n");
  if (end == std::string::npos) return std::nullopt;
  bhttp::response_parser<bhttp::empty_body> parser;
  parser.eager(false);
  boost::beast::error_code ec;
  const std::string message = "HTTP/1.1 200 OK\r\n" + head.substr(0, end + 4);
  parser.put(boost::asio::buffer(message), ec);
  if (ec && ec != bhttp::error::need_more) return std::nullopt;
  const auto& fields = parser.get();
  const auto disposition = fields[bhttp::field::content_disposition];
  const auto semi = disposition.find(';');
  if (semi == boost::beast::string_view::npos) return std::nullopt;
  std::string file_name;
  for (const auto& param : bhttp::param_list(disposition.substr(semi))) {
    if (boost::beast::iequals(param.first, "filename")) file_name = std::string(param.second);
  }
  if (file_name.size() >= 2 && file_name.front() == '"') file_name = file_name.substr(1, file_name.size() - 2);
  if (file_name.empty()) return std::nullopt;
  FilePart part;
  part.file_name = file_name;
  const auto type = fields[bhttp::field::content_type];
  part.content_type = type.empty() ? "application/octet-stream" : std::string(type);
  part.offset = end + 4;  // relative to the headers' start until the caller adds it
  return part;
}

}  // namespace

Result<std::string> multipart_boundary(std::string_view content_type) {
  const auto semi = content_type.find(';');
  if (semi == std::string_view::npos) return make_error(Errc::validation, "multipart body without a boundary");
  for (const auto& param : bhttp::param_list(content_type.substr(semi))) {
    if (param.first.size() == 8 && boost::beast::iequals(param.first, "boundary")) {
      std::string b(param.second);
      if (b.size() >= 2 && b.front() == '"') b = b.substr(1, b.size() - 2);
      if (b.empty() || b.size() > kMaxBoundaryBytes) return make_error(Errc::validation, "bad multipart boundary");
      return b;
    }
  }
  return make_error(Errc::validation, "multipart body without a boundary");
}

Result<FilePart> find_file_part(const std::string& path, const std::string& boundary) {
  const File file(path);
  if (!file.is_open()) return make_error(Errc::internal, "cannot open the upload");
  // Delimiters are "--boundary" at the very start or "\r\n--boundary" anywhere; the last is
  // the close. "--boundary" inside a part's content without the CRLF is content. Parts are
  // walked in order and the walk stops at the first file part.
  NeedleScanner delimiters(file, "\r\n--" + boundary);
  auto next_delimiter = [&delimiters]() -> Result<std::optional<std::uint64_t>> {
    auto at = delimiters.next();
    if (at && *at) **at += 2;  // at the "--"
    return at;
  };
  auto start = file.read_at(0, boundary.size() + 2);
  if (!start) return std::unexpected(start.error());
  auto current = *start == "--" + boundary ? Result<std::optional<std::uint64_t>>(0) : next_delimiter();
  while (current && *current) {
    auto next = next_delimiter();
    if (!next) return std::unexpected(next.error());
    if (!*next) break;                                                       // `current` is the close
    const std::uint64_t header_start = **current + 2 + boundary.size() + 2;  // past CRLF
    // A part's headers end before the next delimiter, and within kMaxPartHeaderBytes.
    const std::uint64_t room = **next > header_start ? **next - header_start : 0;
    auto head =
        file.read_at(header_start, static_cast<std::size_t>(std::min<std::uint64_t>(room, kMaxPartHeaderBytes)));
    if (!head) return std::unexpected(head.error());
    if (auto part = file_part_of(*head)) {
      part->offset += header_start;
      if (**next < part->offset + 2) return make_error(Errc::validation, "malformed multipart part");
      part->length = **next - 2 - part->offset;  // the CRLF before the next delimiter
      return *part;
    }
    current = std::move(next);
  }
  if (!current) return std::unexpected(current.error());
  return make_error(Errc::validation, "the multipart body has no file part");
}

}  // namespace ticketd::http
