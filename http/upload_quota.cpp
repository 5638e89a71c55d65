#include "http/upload_quota.h"

namespace ticketd::http {

std::shared_ptr<void> UploadQuota::reserve(const std::string& principal, std::uint64_t bytes, Refusal& why) {
  std::lock_guard lock(mu_);
  const std::uint64_t mine = per_principal_.contains(principal) ? per_principal_.at(principal) : 0;
  why = Refusal::none;
  if (mine + bytes > limits_.per_principal_bytes) why = Refusal::principal;
  if (total_ + bytes > limits_.total_bytes) why = Refusal::total;
  if (why != Refusal::none) return nullptr;
  per_principal_[principal] = mine + bytes;
  total_ += bytes;
  // The lease's deleter gives the bytes back; the pointer itself is only a handle.
  return std::shared_ptr<void>(this, [principal, bytes](UploadQuota* q) { q->release(principal, bytes); });
}

void UploadQuota::release(const std::string& principal, std::uint64_t bytes) {
  std::lock_guard lock(mu_);
  total_ -= bytes;
  auto it = per_principal_.find(principal);
  if (it != per_principal_.end() && (it->second -= bytes) == 0) per_principal_.erase(it);
}

std::uint64_t UploadQuota::in_flight() const {
  std::lock_guard lock(mu_);
  return total_;
}

}  // namespace ticketd::http
