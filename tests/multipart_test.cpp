// multipart/form-data uploads (http/multipart.h): the boundary from the Content-Type,
// and find_file_part on bodies written to temporary files: name, content type, the exact
// offset and length of the file bytes, preceding fields, CRLF rules, missing parts.
#include "http/multipart.h"

#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/test_support.h"

using namespace ticketd;
using namespace ticketd::http;
using ticketd::test::TempDir;

namespace {

constexpr const char* kBoundary = "----ticketdBoundary7MA4YWxk";

// Writes `body` to a file of `dir` and returns its path.
std::string write_body(const TempDir& dir, const std::string& body) {
  static int counter = 0;
  const std::string path = dir.sub("body-" + std::to_string(counter++));
  std::ofstream out(path, std::ios::binary);
  out.write(body.data(), static_cast<std::streamsize>(body.size()));
  REQUIRE(out.good());
  return path;
}

// `length` bytes of the file at `offset`.
std::string read_back(const std::string& path, std::uint64_t offset, std::uint64_t length) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string out(length, '\0');
  in.read(out.data(), static_cast<std::streamsize>(length));
  REQUIRE(static_cast<std::uint64_t>(in.gcount()) == length);
  return out;
}

std::string field_part(const std::string& name, const std::string& value, const std::string& b = kBoundary) {
  return "--" + b + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
}

std::string file_part(const std::string& file_name, const std::string& content,
                      const std::string& content_type = "text/plain", const std::string& b = kBoundary) {
  std::string part = "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + file_name + "\"\r\n";
  if (!content_type.empty()) part += "Content-Type: " + content_type + "\r\n";
  return part + "\r\n" + content + "\r\n";
}

std::string closing(const std::string& b = kBoundary) { return "--" + b + "--\r\n"; }

// Finds the file part of `body` and checks that its bytes are `content`.
FilePart expect_file(const TempDir& dir, const std::string& body, const std::string& content,
                     const std::string& b = kBoundary) {
  const std::string path = write_body(dir, body);
  auto part = find_file_part(path, b);
  REQUIRE_MESSAGE(part.has_value(), part.error().message);
  CHECK(part->length == content.size());
  CHECK(part->offset + part->length <= body.size());
  CHECK(body.substr(part->offset, part->length) == content);
  CHECK(read_back(path, part->offset, part->length) == content);
  return *part;
}

void expect_invalid(const TempDir& dir, const std::string& body, const std::string& b = kBoundary) {
  auto part = find_file_part(write_body(dir, body), b);
  REQUIRE_FALSE(part.has_value());
  CHECK(part.error().code == Errc::validation);
}

}  // namespace

TEST_CASE("multipart_boundary reads the boundary parameter, quoted or not") {
  struct Row {
    const char* content_type;
    const char* boundary;
  };
  const std::vector<Row> rows{
      {"multipart/form-data; boundary=abc123", "abc123"},
      {"multipart/form-data; boundary=\"abc 123\"", "abc 123"},
      {"multipart/form-data;boundary=abc;charset=utf-8", "abc"},
      {"multipart/form-data; charset=utf-8; boundary=xyz", "xyz"},
      {"multipart/form-data; BOUNDARY=xyz", "xyz"},
      {"multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", "----WebKitFormBoundary7MA4YWxkTrZu0gW"},
      // A "boundary=" inside another parameter's quoted value is not the boundary.
      {"multipart/form-data; x=\"y;boundary=z\"; boundary=real", "real"},
  };
  for (const auto& row : rows) {
    INFO(row.content_type);
    auto b = multipart_boundary(row.content_type);
    REQUIRE_MESSAGE(b.has_value(), b.error().message);
    CHECK(*b == row.boundary);
  }
  // 70 bytes is the RFC 2046 maximum.
  const std::string b70(70, 'b');
  CHECK(multipart_boundary("multipart/form-data; boundary=" + b70) == b70);
}

TEST_CASE("multipart_boundary: no usable boundary is a validation error") {
  const std::vector<std::string> refused{"multipart/form-data",
                                         "multipart/form-data;",
                                         "multipart/form-data; charset=utf-8",
                                         "multipart/form-data; boundary",
                                         "multipart/form-data; boundary=",
                                         "multipart/form-data; boundary=\"\"",
                                         "multipart/form-data; boundary=\"abc",
                                         "multipart/form-data; boundaryx=abc",
                                         "",
                                         "multipart/form-data; boundary=" + std::string(71, 'b'),
                                         "multipart/form-data; boundary=\"" + std::string(71, 'b') + "\""};
  for (const auto& ct : refused) {
    INFO("'", ct, "'");
    auto b = multipart_boundary(ct);
    REQUIRE_FALSE(b.has_value());
    CHECK(b.error().code == Errc::validation);
  }
}

TEST_CASE("the first file part: name, content type, exact offset and length") {
  TempDir dir;
  const std::string content = "hello, world\n";
  const std::string body = file_part("report.txt", content, "text/plain; charset=utf-8") + closing();
  const FilePart part = expect_file(dir, body, content);
  CHECK(part.file_name == "report.txt");
  CHECK(part.content_type == "text/plain; charset=utf-8");
  CHECK(part.offset == body.find(content));
}

TEST_CASE("a part without a Content-Type is application/octet-stream") {
  TempDir dir;
  const FilePart part = expect_file(dir, file_part("blob.bin", "\x01\x02\x03", "") + closing(), "\x01\x02\x03");
  CHECK(part.content_type == "application/octet-stream");
  CHECK(part.file_name == "blob.bin");
}

TEST_CASE("fields before the file part are skipped") {
  TempDir dir;
  const std::string content = "the file";
  const std::string body = field_part("visibility", "internal") + field_part("note", "filename=\"x\"") +
                           file_part("a.log", content) + closing();
  const FilePart part = expect_file(dir, body, content);
  CHECK(part.file_name == "a.log");
  CHECK(part.offset == body.rfind(content));
}

TEST_CASE("a file part behind many thousands of fields, across many scan windows, is found") {
  // The parts are walked in one forward pass: 20,000 small fields (about 1.5 MiB, some two
  // dozen 64 KiB windows) before the file, and a field's headers never read past its end.
  TempDir dir;
  std::string body;
  for (int i = 0; i < 20000; ++i) body += field_part("f" + std::to_string(i), i % 7 == 0 ? "" : "v");
  const std::string content = "after the fields";
  body += file_part("late.txt", content) + field_part("tail", "x") + closing();
  const FilePart part = expect_file(dir, body, content);
  CHECK(part.file_name == "late.txt");
  CHECK(part.offset == body.rfind(content));
}

TEST_CASE("of several file parts the first is returned") {
  TempDir dir;
  const std::string body = file_part("one.txt", "first") + file_part("two.txt", "second") + closing();
  const FilePart part = expect_file(dir, body, "first");
  CHECK(part.file_name == "one.txt");
}

TEST_CASE("a part whose filename is empty is not a file part") {
  TempDir dir;
  const std::string body = file_part("", "not a file") + file_part("real.txt", "a file") + closing();
  const FilePart part = expect_file(dir, body, "a file");
  CHECK(part.file_name == "real.txt");
  expect_invalid(dir, file_part("", "not a file") + closing());
}

TEST_CASE("part headers: any case, unquoted filename, a preamble before the first boundary") {
  TempDir dir;
  const std::string b = "simple";
  const std::string body =
      "This is the preamble; it is ignored.\r\n--simple\r\n"
      "content-disposition: form-data; name=file; filename=plain.csv\r\n"
      "CONTENT-TYPE: text/csv\r\n\r\n"
      "a,b\r\n1,2\r\n--simple--\r\n";
  const FilePart part = expect_file(dir, body, "a,b\r\n1,2", b);
  CHECK(part.file_name == "plain.csv");
  CHECK(part.content_type == "text/csv");
}

TEST_CASE("file bytes may hold CRLFs, NULs, dashes and partial boundaries") {
  TempDir dir;
  std::vector<std::string> contents{
      "",
      "\r\n",
      "\r\n\r\n",
      "line 1\r\nline 2\r\n",
      std::string("nul\0byte", 8),
      "--",
      "\r\n--",
      "\r\n--" + std::string(kBoundary).substr(0, 10),  // a prefix of the delimiter only
      std::string(kBoundary),                           // the boundary without its dashes
      "-" + std::string(kBoundary),                     // one dash
      "abc--" + std::string(kBoundary) + "def",         // the delimiter without its CRLF
      "ab--" + std::string(kBoundary) + "--",           // a close delimiter without its CRLF
      "trailing CR\r",
  };
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  contents.push_back(all_bytes);
  for (const auto& content : contents) {
    INFO("content bytes: ", content.size());
    const std::string body = field_part("x", "y") + file_part("f.bin", content, "application/x-test") + closing();
    expect_file(dir, body, content);
  }
}

TEST_CASE("a delimiter straddling the 64 KiB scan window is still found") {
  TempDir dir;
  std::string head = file_part("big.bin", "", "");
  head.resize(head.size() - 2);  // up to the blank line that ends the headers
  constexpr std::size_t kChunk = 64 * 1024;
  const std::size_t delimiter = std::string("\r\n--").size() + std::string(kBoundary).size();
  // Contents that put "\r\n--boundary" across the first chunk's end in every way:
  // `before` is how many of its bytes lie in the first chunk.
  for (std::size_t before : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{10},
                             delimiter - 2, delimiter - 1, delimiter, delimiter + 1}) {
    const std::size_t length = kChunk - head.size() - before;
    std::string content(length, 'x');
    for (std::size_t i = 0; i < length; i += 997) content[i] = static_cast<char>('a' + i % 26);
    INFO("delimiter bytes in the first chunk: ", before);
    expect_file(dir, head + content + "\r\n" + closing(), content);
  }
  // And a file of several chunks.
  std::string large(3 * kChunk + 12345, '\0');
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>((i * 131) % 251);
  expect_file(dir, field_part("a", "b") + file_part("large.bin", large) + closing(), large);
}

TEST_CASE("a boundary after CRLF inside the bytes ends the part, as the RFC says") {
  // "\r\n--boundary" is the delimiter: whatever follows it is the next part.
  TempDir dir;
  const std::string body = file_part("cut.txt", "before\r\n--" + std::string(kBoundary) + "\r\nafter") + closing();
  expect_file(dir, body, "before");
}

TEST_CASE("no closing boundary: no file part") {
  TempDir dir;
  expect_invalid(dir, file_part("open.txt", "never closed"));
  expect_invalid(dir, file_part("open.txt", "closed too early") + "--" + std::string(kBoundary).substr(0, 5));
  expect_invalid(dir, field_part("a", "b") + file_part("open.txt", "never closed"));
}

TEST_CASE("a body without a file part is a validation error") {
  TempDir dir;
  expect_invalid(dir, "");
  expect_invalid(dir, "no multipart here at all");
  expect_invalid(dir, closing());
  expect_invalid(dir, field_part("a", "1") + field_part("b", "2") + closing());
  expect_invalid(dir, field_part("a", "1") + closing("otherBoundary"));
  // The right body read with another boundary.
  expect_invalid(dir, file_part("f.txt", "x") + closing(), "otherBoundary");
  // A part without the blank line that ends its headers.
  expect_invalid(dir, "--" + std::string(kBoundary) +
                          "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f\"\r\nabc\r\n" + closing());
  // A Content-Disposition without parameters.
  expect_invalid(dir, "--" + std::string(kBoundary) + "\r\nContent-Disposition: attachment\r\n\r\nabc\r\n" + closing());
}

TEST_CASE("bare LF line ends are not multipart") {
  TempDir dir;
  const std::string b = kBoundary;
  expect_invalid(dir,
                 "--" + b + "\nContent-Disposition: form-data; name=\"f\"; filename=\"f.txt\"\n\nabc\n--" + b + "--\n");
}

TEST_CASE("a file that cannot be opened is an internal error") {
  TempDir dir;
  auto part = find_file_part(dir.sub("does-not-exist"), kBoundary);
  REQUIRE_FALSE(part.has_value());
  CHECK(part.error().code == Errc::internal);
}
