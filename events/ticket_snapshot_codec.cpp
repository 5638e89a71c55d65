#include "events/ticket_snapshot_codec.h"

#include "events/ticket_json.h"

namespace ticketd {
namespace {

using namespace ticket_json;

void micros(JsonWriter& w, std::string_view key, Timestamp t) {
  w.key(key).value(static_cast<std::int64_t>(t.time_since_epoch().count()));
}

void opt_micros(JsonWriter& w, std::string_view key, const std::optional<Timestamp>& t) {
  if (t) micros(w, key, *t);
}

void clock(JsonWriter& w, std::string_view key, const SlaClock& c) {
  w.key(key).begin_object().key("ran").begin_array();
  for (const auto& [a, b] : c.ran) {
    w.begin_array()
        .value(static_cast<std::int64_t>(a.time_since_epoch().count()))
        .value(static_cast<std::int64_t>(b.time_since_epoch().count()))
        .end_array();
  }
  w.end_array();
  opt_micros(w, "running_since", c.running_since);
  opt_micros(w, "met_at", c.met_at);
  w.key("warned").value(c.warned).key("breached").value(c.breached).end_object();
}

using simdjson::dom::element;

Timestamp read_micros(JsonFields& in, const char* key) { return Timestamp{std::chrono::microseconds{in.i64(key)}}; }

std::optional<Timestamp> read_opt_micros(const JsonFields& in, const char* key) {
  auto v = in.opt_i64(key);
  if (!v) return std::nullopt;
  return Timestamp{std::chrono::microseconds{*v}};
}

SlaClock read_clock(JsonFields& in, const char* key) {
  SlaClock c;
  JsonFields x{};
  if (in.e[key].get(x.e) != simdjson::SUCCESS) {
    in.ok = false;
    return c;
  }
  x.each("ran", [&](element pair) {
    std::int64_t a = 0, b = 0;
    if (pair.at(0).get_int64().get(a) != simdjson::SUCCESS || pair.at(1).get_int64().get(b) != simdjson::SUCCESS) {
      in.ok = false;
    }
    c.ran.emplace_back(Timestamp{std::chrono::microseconds{a}}, Timestamp{std::chrono::microseconds{b}});
  });
  c.running_since = read_opt_micros(x, "running_since");
  c.met_at = read_opt_micros(x, "met_at");
  c.warned = x.boolean("warned");
  c.breached = x.boolean("breached");
  in.ok = in.ok && x.ok;
  return c;
}

}  // namespace

Result<std::string> encode_ticket_snapshot(const Ticket& t, FieldCipher& cipher, Sealing sealing) {
  FieldSealer seal(cipher, kSnapshotScope, sealing);
  JsonWriter w;
  w.begin_object().key("format").value(kTicketSnapshotFormat);
  write_core(w, t, seal);
  w.key("status").value(name_of(t.status));
  if (t.assignee) w.key("assignee").value(*t.assignee);
  w.key("external").begin_array();
  for (const auto& x : t.external) w.begin_array().value(x.system).value(x.key).end_array();
  w.end_array();
  write_resolution(w, t.resolution, t.requester, seal);
  w.key("comments").begin_array();
  for (const auto& c : t.comments) {
    w.begin_object();
    write_comment(w, c, seal);
    micros(w, "at", c.at);
    w.end_object();
  }
  w.end_array().key("attachments").begin_array();
  for (const auto& a : t.attachments) {
    w.begin_object();
    write_attachment(w, a, seal);
    w.end_object();
  }
  w.end_array();
  write_strings(w, "shared_attachments", t.shared_attachments);
  w.key("links").begin_array();
  for (const auto& l : t.links) w.begin_array().value(l.kind).value(l.ticket).end_array();
  w.end_array();
  if (t.feedback_rating) w.key("feedback_rating").value(*t.feedback_rating);
  seal.field(w, "feedback_comment", t.requester, t.feedback_comment);
  w.key("resolution_cycle").value(static_cast<std::uint64_t>(t.resolution_cycle));
  w.key("feedback_cycle").value(static_cast<std::uint64_t>(t.feedback_cycle));
  micros(w, "created_at", t.created_at);
  micros(w, "updated_at", t.updated_at);
  opt_micros(w, "resolved_at", t.resolved_at);
  opt_micros(w, "closed_at", t.closed_at);
  opt_micros(w, "archived_at", t.archived_at);
  clock(w, "first_response", t.first_response);
  clock(w, "resolution_clock", t.resolution_clock);
  w.key("version").value(t.version).end_object();
  if (auto ok = seal.status(); !ok) return std::unexpected(ok.error());
  return w.take();
}

Result<Ticket> decode_ticket_snapshot(std::string_view bytes, const FieldCipher& cipher) {
  FieldOpener open(cipher, kSnapshotScope);
  thread_local simdjson::dom::parser parser;
  JsonFields in;
  if (parser.parse(bytes.data(), bytes.size()).get(in.e) != simdjson::SUCCESS) {
    return make_error(Errc::internal, "snapshot is not JSON");
  }
  if (in.i64("format") != kTicketSnapshotFormat) return make_error(Errc::internal, "snapshot format differs");
  Ticket t;
  read_core(in, t, open);
  t.status = in.enumerated<Status>("status", parse_status);
  t.assignee = in.opt_str("assignee");
  in.each("external", [&](element x) {
    std::string_view s, k;
    if (x.at(0).get_string().get(s) || x.at(1).get_string().get(k)) in.ok = false;
    t.external.push_back({std::string(s), std::string(k)});
  });
  t.resolution = read_resolution(in, open);
  in.each("comments", [&](element x) {
    JsonFields c{x};
    Comment m = read_comment(c, open);
    m.at = read_micros(c, "at");
    in.ok = in.ok && c.ok;
    t.comments.push_back(std::move(m));
  });
  in.each("attachments", [&](element x) {
    JsonFields a{x};
    t.attachments.push_back(read_attachment(a, open));
    in.ok = in.ok && a.ok;
  });
  t.shared_attachments = in.strs("shared_attachments");
  in.each("links", [&](element x) {
    std::string_view k, id;
    if (x.at(0).get_string().get(k) || x.at(1).get_string().get(id)) in.ok = false;
    t.links.push_back({std::string(k), std::string(id)});
  });
  std::int64_t rating;
  if (in.e["feedback_rating"].get_int64().get(rating) == simdjson::SUCCESS)
    t.feedback_rating = static_cast<int>(rating);
  t.feedback_comment = open.field(in, "feedback_comment");
  t.resolution_cycle = static_cast<std::uint32_t>(in.i64("resolution_cycle"));
  t.feedback_cycle = static_cast<std::uint32_t>(in.i64("feedback_cycle"));
  t.created_at = read_micros(in, "created_at");
  t.updated_at = read_micros(in, "updated_at");
  t.resolved_at = read_opt_micros(in, "resolved_at");
  t.closed_at = read_opt_micros(in, "closed_at");
  t.archived_at = read_opt_micros(in, "archived_at");
  t.first_response = read_clock(in, "first_response");
  t.resolution_clock = read_clock(in, "resolution_clock");
  t.version = static_cast<std::uint64_t>(in.i64("version"));
  if (auto opened = open.status(); !opened) return std::unexpected(opened.error());
  if (!in.ok) return make_error(Errc::internal, "snapshot misses fields");
  return t;
}

}  // namespace ticketd
