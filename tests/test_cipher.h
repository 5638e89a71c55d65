// Subject keys in memory and a FieldCipher over them, shared by the fixtures of one test
// process, so that engines reopening one store (restart tests) still open what an earlier
// engine sealed. Tests of erasure bring their own keys.
#pragma once

#include <memory>

#include "base/subject_keys.h"
#include "events/field_cipher.h"

namespace ticketd::test {

inline SubjectKeys& shared_test_keys() {
  static const std::unique_ptr<SubjectKeys> keys = make_memory_subject_keys();
  return *keys;
}

inline FieldCipher& shared_test_cipher() {
  static FieldCipher cipher(shared_test_keys());
  return cipher;
}

}  // namespace ticketd::test
