// The data subjects' keys on disk: the SubjectKeys port (base/subject_keys.h) over its own
// RocksDB database, `<data-dir>/keys`, apart from the log and the attachment store.
//
// Records: "k/<key id>" holds a key's 32 bytes, "o/<key id>" its subject (kept after
// erasure), "s/<subject>" the subject's key ids
// (comma-separated, oldest first, kept after erasure so that erasing twice finds nothing
// live), "p/<subject>" an erasure not yet recorded in the log. key_for() writes a new key
// with a synced write before returning it. erase() deletes the subject's keys and writes
// "p/<subject>" in one synced batch, then flushes and compacts the whole
// database, so that no SST or live WAL file holds the destroyed bytes afterwards (the
// filesystem may still hold the freed blocks; docs/privacy.md says what operators do).
//
// Losing this database loses every personal field in the log, as an erasure of everyone
// would: back it up with backup_subject_keys (docs/privacy.md).
#pragma once

#include <memory>
#include <string>

#include "base/error.h"
#include "base/subject_keys.h"

namespace ticketd {

// Opens (creating if missing) the key store in `dir`. Errc::unavailable when it cannot
// (another process has it open, a damaged database). `read_only` opens an existing store
// beside the process that has it open (ticketctl while ticketd runs): it sees the keys as
// of the open, and key_for() and erase() answer Errc::unavailable.
[[nodiscard]] Result<std::unique_ptr<SubjectKeys>> open_subject_key_store(const std::string& dir,
                                                                          bool read_only = false);
// Copies the backup in `backup_dir` (made by backup_subject_key_store) to `dir`, which
// must not exist yet (the process that uses `dir` is stopped); the copy is checked by
// opening it.
[[nodiscard]] Result<void> restore_subject_key_store(const std::string& backup_dir, const std::string& dir);

// A consistent copy of the key store in `dir` (not open elsewhere) into `backup_dir`, a
// directory that must not exist yet (a RocksDB checkpoint; hard links where it can).
[[nodiscard]] Result<void> backup_subject_key_store(const std::string& dir, const std::string& backup_dir);

}  // namespace ticketd
