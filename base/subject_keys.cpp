#include "base/subject_keys.h"

#include <map>
#include <mutex>
#include <set>

#include "base/aead.h"
#include "base/hex.h"

namespace ticketd {

Result<void> check_subject(const std::string& subject) {
  if (subject.empty() || subject.size() > SubjectKeys::kMaxSubjectBytes) {
    return make_error(Errc::validation, "a subject is 1 to 512 bytes");
  }
  return {};
}

std::string new_key_id() { return "k" + to_hex(random_bytes(16)); }

namespace {

class MemorySubjectKeys final : public SubjectKeys {
 public:
  Result<SubjectKey> key_for(const std::string& subject) override {
    if (auto ok = check_subject(subject); !ok) return std::unexpected(ok.error());
    std::lock_guard lock(mu_);
    auto& ids = subjects_[subject];
    if (!ids.empty()) {
      if (auto it = keys_.find(ids.back()); it != keys_.end()) return SubjectKey{it->first, it->second};
    }
    SubjectKey key{new_key_id(), random_bytes(kAeadKeyBytes)};
    ids.push_back(key.id);
    keys_.emplace(key.id, key.bytes);
    owners_[key.id] = subject;
    return key;
  }

  Result<std::optional<std::string>> subject_of(const std::string& key_id) const override {
    std::lock_guard lock(mu_);
    auto it = owners_.find(key_id);
    if (it == owners_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Result<void> adopt(const std::string& subject, const SubjectKey& key) override {
    if (auto ok = check_subject(subject); !ok) return std::unexpected(ok.error());
    if (key.bytes.size() != kAeadKeyBytes) return make_error(Errc::validation, "a key is 32 bytes");
    std::lock_guard lock(mu_);
    if (keys_.contains(key.id)) return {};
    if (owners_.contains(key.id)) return make_error(Errc::conflict, "key " + key.id + " was destroyed here");
    subjects_[subject].push_back(key.id);
    keys_.emplace(key.id, key.bytes);
    owners_[key.id] = subject;
    return {};
  }

  Result<std::optional<std::string>> key(const std::string& key_id) const override {
    std::lock_guard lock(mu_);
    auto it = keys_.find(key_id);
    if (it == keys_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Result<std::vector<std::string>> key_ids(const std::string& subject) const override {
    std::lock_guard lock(mu_);
    auto it = subjects_.find(subject);
    return it == subjects_.end() ? std::vector<std::string>() : it->second;
  }

  Result<std::size_t> erase(const std::string& subject) override {
    if (auto ok = check_subject(subject); !ok) return std::unexpected(ok.error());
    std::lock_guard lock(mu_);
    std::size_t destroyed = 0;
    if (auto it = subjects_.find(subject); it != subjects_.end()) {
      for (const auto& id : it->second) destroyed += keys_.erase(id);
    }
    if (destroyed > 0) pending_.insert(subject);
    return destroyed;
  }

  Result<std::vector<std::string>> pending_erasures() const override {
    std::lock_guard lock(mu_);
    return std::vector<std::string>(pending_.begin(), pending_.end());
  }

  Result<void> erasure_recorded(const std::string& subject) override {
    std::lock_guard lock(mu_);
    pending_.erase(subject);
    return {};
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<std::string>> subjects_;
  std::map<std::string, std::string> keys_;
  std::map<std::string, std::string> owners_;  // key id -> subject, kept after erasure
  std::set<std::string> pending_;
};

}  // namespace

std::unique_ptr<SubjectKeys> make_memory_subject_keys() { return std::make_unique<MemorySubjectKeys>(); }

}  // namespace ticketd
