#include "commands/idempotency.h"

#include <simdjson.h>

#include "base/json_writer.h"
#include "base/sha256.h"

namespace ticketd {
namespace {

std::string meta_key(const Principal& who, const std::string& key) {
  return "idem/" + who.tenant + "/" + who.sub + "/" + key;
}

}  // namespace

Result<std::optional<IdempotencyRecord>> IdempotencyStore::find(const Principal& who, const std::string& key,
                                                                Timestamp now) const {
  if (key.empty() || key.size() > kMaxKeyBytes) {
    Error e{Errc::validation,
            "Idempotency-Key must be 1-200 bytes",
            {{"Idempotency-Key", "must be 1-200 bytes"}},
            std::nullopt,
            {},
            {}};
    return std::unexpected(std::move(e));
  }
  auto raw = store_.get_meta(meta_key(who, key));
  if (!raw) return std::unexpected(raw.error());
  if (!*raw) return std::optional<IdempotencyRecord>();
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view fp, result;
  std::int64_t expires = 0;
  if (parser.parse(**raw).get(root) != simdjson::SUCCESS || root["fingerprint"].get_string().get(fp) ||
      root["result"].get_string().get(result) || root["expires"].get_int64().get(expires)) {
    return make_error(Errc::internal, "idempotency record unreadable");
  }
  IdempotencyRecord r{std::string(fp), std::string(result), Timestamp{std::chrono::microseconds{expires}}};
  if (r.expires <= now) return std::optional<IdempotencyRecord>();
  return std::optional<IdempotencyRecord>(std::move(r));
}

Result<void> IdempotencyStore::remember(const Principal& who, const std::string& key, const IdempotencyRecord& r) {
  JsonWriter w;
  w.begin_object().key("fingerprint").value(r.fingerprint).key("result").value(r.result);
  w.key("expires").value(static_cast<std::int64_t>(r.expires.time_since_epoch().count())).end_object();
  return store_.put_meta(meta_key(who, key), w.str());
}

std::string derived_event_id(const Principal& who, const std::string& key, std::size_t n) {
  const std::string h = sha256_hex({who.tenant, "/", who.sub, "/", key, "/", std::to_string(n)});
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20, 12);
}

}  // namespace ticketd
