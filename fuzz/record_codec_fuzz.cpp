// Stored event records: decode_record either refuses the bytes or gives a record whose
// stored form, rebuilt from its canonical bytes, decodes to the same record.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "eventstore/record_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ticketd;
  const std::string_view stored(reinterpret_cast<const char*>(data), size);
  (void)canonical_of_stored(stored);
  (void)minify_json_object(stored, 64 * 1024);
  auto record = decode_record(stored);
  if (!record) return 0;
  const std::string again = stored_form(canonical_bytes(*record), *record);
  auto second = decode_record(again);
  if (!second) std::abort();
  if (canonical_bytes(*second) != canonical_bytes(*record)) std::abort();
  return 0;
}
