#include "http/multipart.h"

#include <boost/beast/http.hpp>
#include <cstdio>
#include <memory>
#include <vector>

namespace ticketd::http {

namespace bhttp = boost::beast::http;

namespace {

constexpr std::size_t kScanChunk = 64 * 1024;
constexpr std::size_t kMaxPartHeaderBytes = 8 * 1024;
constexpr std::size_t kMaxBoundaryBytes = 70;  // RFC 2046

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

Result<std::string> read_at(std::FILE* f, std::uint64_t offset, std::size_t n) {
  std::string out(n, '\0');
  if (std::fseek(f, static_cast<long>(offset), SEEK_SET) != 0) return make_error(Errc::internal, "seek failed");
  out.resize(std::fread(out.data(), 1, n, f));
  return out;
}

// Offsets of every occurrence of `needle` in the file, scanning in overlapping chunks.
Result<std::vector<std::uint64_t>> find_all(std::FILE* f, const std::string& needle) {
  std::vector<std::uint64_t> hits;
  std::uint64_t base = 0;
  std::string window;
  for (;;) {
    auto chunk = read_at(f, base + window.size(), kScanChunk);
    if (!chunk) return std::unexpected(chunk.error());
    if (chunk->empty()) break;
    window += *chunk;
    for (std::size_t at = window.find(needle); at != std::string::npos; at = window.find(needle, at + 1)) {
      if (hits.empty() || hits.back() != base + at) hits.push_back(base + at);
    }
    const std::size_t keep = std::min(window.size(), needle.size() - 1);
    base += window.size() - keep;
    window.erase(0, window.size() - keep);
  }
  return hits;
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
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) return make_error(Errc::internal, "cannot open the upload");
  // Delimiters are "--boundary" at the very start or "\r\n--boundary" anywhere; the last is
  // the close. "--boundary" inside a part's content without the CRLF is content.
  auto hits = find_all(f.get(), "\r\n--" + boundary);
  if (!hits) return std::unexpected(hits.error());
  for (auto& h : *hits) h += 2;  // at the "--"
  auto start = read_at(f.get(), 0, boundary.size() + 2);
  if (!start) return std::unexpected(start.error());
  if (*start == "--" + boundary) hits->insert(hits->begin(), 0);
  for (std::size_t i = 0; i + 1 < hits->size(); ++i) {
    const std::uint64_t header_start = (*hits)[i] + 2 + boundary.size() + 2;  // past CRLF
    auto head = read_at(f.get(), header_start, kMaxPartHeaderBytes);
    if (!head) return std::unexpected(head.error());
    const auto end = head->find("\r\n\r\n");
    if (end == std::string::npos) continue;
    bhttp::response_parser<bhttp::empty_body> parser;
    parser.eager(false);
    boost::beast::error_code ec;
    const std::string message = "HTTP/1.1 200 OK\r\n" + head->substr(0, end + 4);
    parser.put(boost::asio::buffer(message), ec);
    if (ec && ec != bhttp::error::need_more) continue;
    const auto& fields = parser.get();
    const auto disposition = fields[bhttp::field::content_disposition];
    const auto semi = disposition.find(';');
    if (semi == boost::beast::string_view::npos) continue;
    std::string file_name;
    for (const auto& param : bhttp::param_list(disposition.substr(semi))) {
      if (boost::beast::iequals(param.first, "filename")) file_name = std::string(param.second);
    }
    if (file_name.size() >= 2 && file_name.front() == '"') file_name = file_name.substr(1, file_name.size() - 2);
    if (file_name.empty()) continue;
    FilePart part;
    part.file_name = file_name;
    const auto type = fields[bhttp::field::content_type];
    part.content_type = type.empty() ? "application/octet-stream" : std::string(type);
    part.offset = header_start + end + 4;
    const std::uint64_t next = (*hits)[i + 1];
    if (next < part.offset + 2) return make_error(Errc::validation, "malformed multipart part");
    part.length = next - 2 - part.offset;  // the CRLF before the next delimiter
    return part;
  }
  return make_error(Errc::validation, "the multipart body has no file part");
}

}  // namespace ticketd::http
