// Attachment contents, content-addressed by SHA-256, in their own RocksDB database with
// blob files (large values live in blob files, not in the LSM tree).
//
// A content is personal data of its uploader (docs/privacy.md): its chunks are sealed with
// AES-256-GCM under the uploader's subject key (base/subject_keys.h) before they are
// written, so no file of the store holds the bytes in clear, and an erasure of the
// uploader (which destroys the key) leaves them unreadable: reading them gives
// Errc::not_found "erased". Contents are therefore addressed by the uploader's key and the
// SHA-256 of the plaintext; the same bytes uploaded twice by one person are stored once.
//
// Contents are stored in chunks of kChunkBytes, so neither upload, store nor download
// (copy_to_file) ever holds a whole file in memory; a content is visible (get/has) only once its last chunk and its
// size record are durable (synced).
// Attachment ids are mapped to the ticket that holds them, so a download can be checked
// against the ticket's scope and visibility, and each content records the attachment ids
// that reference it: release() of the last one (an upload whose command was refused)
// deletes the content. Contents stored by older versions (unsealed, addressed by the
// SHA-256 alone, some without references) stay readable, and those without references
// are never deleted.
// Thread-safe; storing and releasing one content are serialised (a release never deletes
// bytes that a concurrent put_file is referencing).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/error.h"
#include "base/subject_keys.h"

namespace ticketd {

struct StoredContent {
  std::string sha256;  // 64 lowercase hex digits of the plaintext
  std::uint64_t size = 0;
};

class AttachmentStore {
 public:
  static constexpr std::size_t kChunkBytes = 1u << 20;

  virtual ~AttachmentStore() = default;

  // Stores `length` bytes of file `path` from `offset` (the file is read twice: once to
  // hash, once to seal and store) as the content of attachment `attachment_id` of ticket
  // `ticket_id`, uploaded by data subject `uploader` (durable, like its owner record).
  // Errc::internal on I/O failure; the key store's error when it fails.
  [[nodiscard]] virtual Result<StoredContent> put_file(const std::string& path, std::uint64_t offset,
                                                       std::uint64_t length, const std::string& attachment_id,
                                                       const std::string& ticket_id, const std::string& uploader) = 0;
  // Undoes put_file for an attachment the log will never hold (its command was refused):
  // drops its owner record and its reference, and the content when no other attachment
  // references it.
  [[nodiscard]] virtual Result<void> release(const std::string& attachment_id, const std::string& sha256) = 0;
  // The whole content of attachment `attachment_id` (whose hash is `sha256`), or
  // Errc::not_found (no such content, or its uploader was erased).
  [[nodiscard]] virtual Result<std::string> get(const std::string& attachment_id, const std::string& sha256) const = 0;
  // Writes that content to a new file `path`, one chunk in memory at a time: its size, or
  // Errc::not_found as get(), or Errc::internal (then no file is left).
  [[nodiscard]] virtual Result<std::uint64_t> copy_to_file(const std::string& attachment_id, const std::string& sha256,
                                                           const std::string& path) const = 0;
  // Whether the store holds a content with this hash uploaded by `uploader`.
  [[nodiscard]] virtual Result<bool> has(const std::string& uploader, const std::string& sha256) const = 0;

  // The ticket of an attachment id, or Errc::not_found.
  [[nodiscard]] virtual Result<std::string> owner(const std::string& attachment_id) const = 0;
};

// Opens (creating if missing) the store in directory `dir`; contents are sealed under keys
// of `keys`, which must outlive the store.
[[nodiscard]] Result<std::unique_ptr<AttachmentStore>> open_attachment_store(const std::string& dir, SubjectKeys& keys);

}  // namespace ticketd
