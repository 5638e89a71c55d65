// multipart/form-data uploads (RFC 7578) as they lie in the upload file: finds the first
// part that carries a file (Content-Disposition with a filename) without loading the
// file, and returns where its bytes are. Part headers are parsed by Beast's header
// parser and its parameter-list parser; only the boundary scan is done here.
#pragma once

#include <cstdint>
#include <string>

#include "base/error.h"

namespace ticketd::http {

struct FilePart {
  std::string file_name;
  std::string content_type;  // "application/octet-stream" when the part names none
  std::uint64_t offset = 0;  // of the first content byte in the file
  std::uint64_t length = 0;
};

// The boundary parameter of a multipart Content-Type, or Errc::validation.
[[nodiscard]] Result<std::string> multipart_boundary(std::string_view content_type);

// The first file part of the multipart body stored in `path`; Errc::validation when the
// body is not well-formed multipart or has no file part. Reads the body forward once, up to
// the end of that part's delimiter search: the work is linear in the body's size whatever
// the number of parts (a part's headers are read only up to the next delimiter).
[[nodiscard]] Result<FilePart> find_file_part(const std::string& path, const std::string& boundary);

}  // namespace ticketd::http
