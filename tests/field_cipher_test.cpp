// FieldCipher: sealed values open only under their subject's key and their own additional
// data; an erased subject's values read "[erased]"; an altered value is an error, never
// plaintext; and the codecs built on it leave no personal field in clear.
#include "events/field_cipher.h"

#include <doctest/doctest.h>

#include "base/json_writer.h"
#include "events/user_record_codec.h"
#include "tests/error_of.h"

using namespace ticketd;
using ticketd::test::error_of;

namespace {

std::string sealed_value(FieldCipher& cipher, const std::string& subject, std::string_view aad,
                         std::string_view plaintext) {
  JsonWriter w;
  REQUIRE(cipher.seal(w, subject, aad, plaintext));
  return w.take();
}

Result<std::string> open_value(const FieldCipher& cipher, const std::string& json, std::string_view aad) {
  simdjson::dom::parser parser;
  simdjson::dom::element e = parser.parse(json).value();
  return cipher.open(e, aad);
}

}  // namespace

TEST_CASE("a sealed value opens with its key and additional data, and only so") {
  auto keys = make_memory_subject_keys();
  FieldCipher cipher(*keys);
  const std::string v = sealed_value(cipher, "carla", "ticket.commented/body", "my printer smokes");
  CHECK(v.find("my printer smokes") == std::string::npos);
  CHECK(v.find(R"({"sealed":{"key":"k)") == 0);
  CHECK(open_value(cipher, v, "ticket.commented/body").value() == "my printer smokes");
  // Moved to another field or record type: does not open.
  CHECK(error_of(open_value(cipher, v, "ticket.created/subject")).code == Errc::internal);
  // Two seals of the same text differ (a fresh nonce each time).
  CHECK(sealed_value(cipher, "carla", "a/b", "same") != sealed_value(cipher, "carla", "a/b", "same"));
  // Plain strings (records from before sealing) read as they are.
  CHECK(open_value(cipher, R"("plain")", "x/y").value() == "plain");
}

TEST_CASE("an altered sealed value is an error, never plaintext") {
  auto keys = make_memory_subject_keys();
  FieldCipher cipher(*keys);
  std::string v = sealed_value(cipher, "carla", "s/f", "secret words");
  const auto ct = v.find(R"("ct":")") + 6;
  v[ct] = v[ct] == 'A' ? 'B' : 'A';
  CHECK(error_of(open_value(cipher, v, "s/f")).code == Errc::internal);
  CHECK(error_of(open_value(cipher, R"({"sealed":{"key":"k1"}})", "s/f")).code == Errc::internal);
  CHECK(error_of(open_value(cipher, R"({"other":1})", "s/f")).code == Errc::internal);
  const std::string key_id = v.substr(v.find(R"("key":")") + 7, 33);
  CHECK(error_of(open_value(cipher, R"({"sealed":{"key":")" + key_id + R"(","nonce":"!!","ct":"","tag":""}})", "s/f"))
            .code == Errc::internal);
  // A key id no key store ever issued reads as erased (a lost key store is an erasure).
  CHECK(open_value(cipher, R"({"sealed":{"key":"kx","nonce":"","ct":"","tag":""}})", "s/f").value() ==
        FieldCipher::kErased);
}

TEST_CASE("erasure: the subject's values read [erased], others' stay; a returning subject gets a new key") {
  auto keys = make_memory_subject_keys();
  FieldCipher cipher(*keys);
  const std::string hers = sealed_value(cipher, "carla", "s/f", "carla's words");
  const std::string his = sealed_value(cipher, "alex", "s/f", "alex's words");
  REQUIRE(open_value(cipher, hers, "s/f").value() == "carla's words");  // her key is cached now
  auto ids = cipher.erase("carla");
  REQUIRE(ids);
  CHECK(ids->size() == 1);
  CHECK(open_value(cipher, hers, "s/f").value() == FieldCipher::kErased);
  CHECK(open_value(cipher, his, "s/f").value() == "alex's words");
  // Another cipher over the same keys (another process) sees the erasure too.
  FieldCipher fresh(*keys);
  CHECK(open_value(fresh, hers, "s/f").value() == FieldCipher::kErased);
  const std::string again = sealed_value(cipher, "carla", "s/f", "new words");
  CHECK(open_value(cipher, again, "s/f").value() == "new words");
  CHECK(open_value(cipher, hers, "s/f").value() == FieldCipher::kErased);
  CHECK(cipher.erase("carla")->size() == 2);
}

TEST_CASE("FieldSealer: empty values and [erased] stay plain; in_clear writes text; a user record seals its fields") {
  auto keys = make_memory_subject_keys();
  FieldCipher cipher(*keys);
  JsonWriter w;
  w.begin_object();
  FieldSealer seal(cipher, "snapshot");
  seal.field(w, "empty", "carla", "");
  seal.field(w, "gone", "carla", FieldCipher::kErased);
  FieldSealer clear(cipher, "snapshot", Sealing::in_clear);
  clear.field(w, "shown", "carla", "visible");
  w.end_object();
  CHECK(seal.status());
  CHECK(w.take() == R"({"empty":"","gone":"[erased]","shown":"visible"})");
  CHECK(keys->key_ids("carla").value().empty());  // no key was needed

  const UserRecord u{"carla", "acme", "Carla Cruz", "carla@mail.example", Role::customer};
  auto data = encode_user_record(u, cipher);
  REQUIRE(data);
  CHECK(data->find("Carla Cruz") == std::string::npos);
  CHECK(data->find("carla@mail.example") == std::string::npos);
  CHECK(decode_user_record(*data, cipher).value() == u);
  REQUIRE(cipher.erase("carla"));
  auto erased = decode_user_record(*data, cipher).value();
  CHECK(erased.name == FieldCipher::kErased);
  CHECK(erased.email == FieldCipher::kErased);
  // open_sealed_values opens a record at any depth, under "<scope>/<key>".
  CHECK(open_sealed_values(*data, kUserRecorded, cipher).value() ==
        R"({"sub":"carla","tenant":"acme","role":"customer","name":"[erased]","email":"[erased]"})");
}
